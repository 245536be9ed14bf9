// The JSON shapes of clef's UI channel (ui-api.md §2.2, §3, §4): encoders that emit every request with clef's
// key order, and decoders that read the UI's results with Go's encoding/json rules and error texts
// (`json: cannot unmarshal string into Go value of type core.SignTxResponse`).
import { SignerError } from '../../core/errors.ts';
import { goFoldKey, jsonKind, goField, isJsonObject, jsonAddress, unmarshalError, type Json, type JsonObject } from '../../core/gojson.ts';
import type {
  Account,
  ListRequest,
  ListResponse,
  Meta,
  NameValueType,
  NewAccountRequest,
  NewAccountResponse,
  SignDataRequest,
  SignDataResponse,
  SignTransactionResult,
  SignTxRequest,
  SignTxResponse,
  StartupInfo,
  UserInputRequest,
  UserInputResponse,
  ValidationInfo,
} from '../../core/ports.ts';

// ---------------------------------------------------------------------------------------------------------
// Encoding (clef → UI): fixed key order whatever order the caller built its object in
// ---------------------------------------------------------------------------------------------------------

/** `{remote, local, scheme, User-Agent, Origin}`. */
function metaJson(m: Meta): JsonObject {
  return { remote: m.remote, local: m.local, scheme: m.scheme, 'User-Agent': m['User-Agent'], Origin: m.Origin };
}

/** `call_info`: `null` or `[{type, message}]`. */
function callInfoJson(list: ValidationInfo[] | null): Json {
  return list === null ? null : list.map((v) => ({ type: v.type, message: v.message }));
}

/** `{address, url}`. */
export function accountJson(a: Account): JsonObject {
  return { address: a.address, url: a.url };
}

/** `{name, value, type}`, recursively for typed-data children. */
function nameValueJson(n: NameValueType): JsonObject {
  const value = Array.isArray(n.value) && n.value.every(isNameValue) ? (n.value as NameValueType[]).map(nameValueJson) : (n.value as Json);
  return { name: n.name, value, type: n.type };
}

function isNameValue(v: unknown): v is NameValueType {
  return isJsonObject(v) && typeof v.name === 'string' && typeof v.type === 'string' && 'value' in v;
}

/** SignTxRequest: `{transaction, call_info, meta}`; the transaction object keeps the core's key order. */
export function signTxRequestJson(r: SignTxRequest): JsonObject {
  return { transaction: r.transaction, call_info: callInfoJson(r.call_info), meta: metaJson(r.meta) };
}

/** SignDataRequest: `{content_type, address, raw_data, messages, call_info, hash, meta}`. */
export function signDataRequestJson(r: SignDataRequest): JsonObject {
  return {
    content_type: r.content_type,
    address: r.address,
    raw_data: r.raw_data,
    messages: r.messages.map(nameValueJson),
    call_info: callInfoJson(r.call_info),
    hash: r.hash,
    meta: metaJson(r.meta),
  };
}

/** ListRequest: `{accounts, meta}` (`accounts` is never null). */
export function listRequestJson(r: ListRequest): JsonObject {
  return { accounts: r.accounts.map(accountJson), meta: metaJson(r.meta) };
}

/** NewAccountRequest: `{meta}`. */
export function newAccountRequestJson(r: NewAccountRequest): JsonObject {
  return { meta: metaJson(r.meta) };
}

/** UserInputRequest: `{title, prompt, isPassword}`. */
export function userInputRequestJson(r: UserInputRequest): JsonObject {
  return { title: r.title, prompt: r.prompt, isPassword: r.isPassword };
}

/** The `{text}` parameter of ui_showInfo / ui_showError. */
export function messageJson(text: string): JsonObject {
  return { text };
}

/** SignTransactionResult: `{raw, tx}`. */
export function signTransactionResultJson(r: SignTransactionResult): JsonObject {
  return { raw: r.raw, tx: r.tx };
}

/** StartupInfo: `{info}` with the keys sorted, as Go marshals a map. */
export function startupInfoJson(s: StartupInfo): JsonObject {
  const info: JsonObject = {};
  for (const k of Object.keys(s.info).sort(compareBytes)) info[k] = s.info[k];
  return { info };
}

/** Go orders map keys by their UTF-8 bytes; comparing code points gives the same order. */
function compareBytes(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// ---------------------------------------------------------------------------------------------------------
// Decoding (UI → clef): Go's json.Unmarshal into clef's response structs
// ---------------------------------------------------------------------------------------------------------

/**
 * Go's decoder keeps the first plain type error and goes on; errors raised by a field's own UnmarshalJSON
 * (addresses, account URLs) abort at once. Both reach the caller as -32000 with Go's text.
 */
class DecodeState {
  saved: Error | null = null;
  save(err: Error): void {
    if (!this.saved) this.saved = err;
  }
}

/** Decodes a top-level struct: `null` is the zero value, anything but an object is a type error. */
function topLevel(v: Json, goType: string): JsonObject | null {
  if (v === null) return null;
  if (!isJsonObject(v)) throw new SignerError(unmarshalError(jsonKind(v), { goType }).message);
  return v;
}

/** A bool field: `null` leaves it false, other kinds are saved type errors. */
function boolField(v: Json | undefined, field: string, st: DecodeState): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  st.save(unmarshalError(jsonKind(v), { goType: 'bool', field }));
  return false;
}

/** A string field: `null` leaves it empty. */
function stringField(v: Json | undefined, field: string, st: DecodeState): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  st.save(unmarshalError(jsonKind(v), { goType: 'string', field }));
  return '';
}

function finish<T>(value: T, st: DecodeState): T {
  if (st.saved) throw new SignerError(st.saved.message);
  return value;
}

/**
 * SignTxResponse `{approved, transaction}`. The transaction stays raw JSON: the core decodes it (its errors
 * replace even a denial, as in clef). Absent and `null` both leave it undefined.
 */
export function decodeSignTxResponse(v: Json): SignTxResponse {
  const obj = topLevel(v, 'core.SignTxResponse');
  if (!obj) return { approved: false };
  const st = new DecodeState();
  const approved = boolField(goField(obj, 'approved'), 'SignTxResponse.approved', st);
  const tx = goField(obj, 'transaction');
  return finish(tx === undefined || tx === null ? { approved } : { approved, transaction: tx }, st);
}

/** SignDataResponse `{approved}`; extra keys (a legacy `password`) are ignored. */
export function decodeSignDataResponse(v: Json): SignDataResponse {
  const obj = topLevel(v, 'core.SignDataResponse');
  if (!obj) return { approved: false };
  const st = new DecodeState();
  return finish({ approved: boolField(goField(obj, 'approved'), 'SignDataResponse.approved', st) }, st);
}

/** NewAccountResponse `{approved}`. */
export function decodeNewAccountResponse(v: Json): NewAccountResponse {
  const obj = topLevel(v, 'core.NewAccountResponse');
  if (!obj) return { approved: false };
  const st = new DecodeState();
  return finish({ approved: boolField(goField(obj, 'approved'), 'NewAccountResponse.approved', st) }, st);
}

/** UserInputResponse `{text}`. */
export function decodeUserInputResponse(v: Json): UserInputResponse {
  const obj = topLevel(v, 'core.UserInputResponse');
  if (!obj) return { text: '' };
  const st = new DecodeState();
  return finish({ text: stringField(goField(obj, 'text'), 'UserInputResponse.text', st) }, st);
}

const ZERO_ADDRESS = `0x${'00'.repeat(20)}` as const;

/** accounts.URL: `<scheme>://<path>` with exactly one `://` and a non-empty scheme, else `protocol scheme missing`. */
export function parseAccountUrl(text: string): { scheme: string; path: string } {
  const parts = text.split('://');
  if (parts.length !== 2 || parts[0] === '') throw new SignerError('protocol scheme missing');
  return { scheme: parts[0], path: parts[1] };
}

/** One accounts.Account sent by the UI. */
function decodeAccount(v: Json, st: DecodeState): Account {
  const account: Account = { address: ZERO_ADDRESS, url: '' };
  if (v === null) return account;
  if (!isJsonObject(v)) {
    st.save(unmarshalError(jsonKind(v), { goType: 'accounts.Account', field: 'ListResponse.accounts' }));
    return account;
  }
  for (const key of Object.keys(v)) {
    const value = v[key];
    const name = goFoldKey(key);
    if (name === 'address') {
      try {
        account.address = jsonAddress(value, { field: 'Account.accounts.address' });
      } catch (e) {
        throw new SignerError((e as Error).message);
      }
    } else if (name === 'url') {
      // accounts.URL decodes its text first (null is ""), then requires a scheme
      if (value !== null && typeof value !== 'string') {
        throw new SignerError(unmarshalError(jsonKind(value), { goType: 'string', field: 'Account.accounts.url' }).message);
      }
      const text = value ?? '';
      parseAccountUrl(text);
      account.url = text;
    }
  }
  return account;
}

/** ListResponse `{accounts}`: `null`/missing = denied; every entry validated (address hex, url scheme). */
export function decodeListResponse(v: Json): ListResponse {
  const obj = topLevel(v, 'core.ListResponse');
  if (!obj) return { accounts: null };
  const st = new DecodeState();
  const list = goField(obj, 'accounts');
  if (list === undefined || list === null) return finish({ accounts: null }, st);
  if (!Array.isArray(list)) {
    st.save(unmarshalError(jsonKind(list), { goType: '[]accounts.Account', field: 'ListResponse.accounts' }));
    return finish({ accounts: null }, st);
  }
  return finish({ accounts: list.map((a) => decodeAccount(a, st)) }, st);
}
