// clef's UI server API (ui-api.md §5): the privileged `clef_*` methods a stdio UI may call back on the same
// pipe. This module is the JSON-RPC layer only — go-ethereum's positional-argument decoding and error texts,
// result shapes, the password rule — over a `UiServerApi` the daemon implements. It never passes through the
// Approver chain, so it keeps working when the rules engine decorates the UI (clef broke it under --rules).
import { wipe, type Address } from '../../core/bytes.ts';
import { ErrorCode, InvalidParamsError, SignerError, errorMessage } from '../../core/errors.ts';
import { jsonKind, goQuote, goQuoteChar, goStringify, jsonAddress, unmarshalError, type Json } from '../../core/gojson.ts';
import { goCompact, goParseAt, rawElements, skipSpace } from '../../core/gojson-raw.ts';
import { checkValidJson, JsonSyntaxError } from '../../core/gojson-scan.ts';
import type { Account, Logger } from '../../core/ports.ts';
import { validatePasswordFormat } from '../../core/password.ts';
import { privateKeyError } from '../../core/secp256k1.ts';
import { echoId, errorResponse, type RawRequest } from '../transport/jsonrpc.ts';
import { accountJson } from './stdio-wire.ts';

/** A wallet as `clef_listWallets` reports it. */
export interface WalletInfo {
  url: string;
  /** e.g. `Locked` / `Unlocked` for keystore wallets. */
  status: string;
  /** Omitted from the JSON when empty. */
  failure?: string;
  /** Omitted from the JSON when empty. */
  accounts?: Account[];
}

/**
 * What the daemon provides behind the `clef_*` methods. Parameters arrive decoded and checked (key hex and the
 * password rule included); every method throws SignerError with clef's text on failure.
 */
export interface UiServerApi {
  /** Every account of every wallet. */
  listAccounts(): Promise<Account[]>;
  listWallets(): Promise<WalletInfo[]>;
  /** Throws `unknown wallet`, `protocol scheme missing`, derivation-path errors, `not supported`. */
  deriveAccount(url: string, path: string, pin: boolean): Promise<Account>;
  openWallet(url: string, passphrase: string): Promise<void>;
  /**
   * Encrypts an already validated 32-byte key (the caller wipes it afterwards). Throws
   * `password based accounts not supported`, `account already exists`.
   */
  importRawKey(privateKey: Uint8Array, password: string): Promise<Account>;
  /** True when a keystore backend exists (clef_import checks this before the password rule). */
  hasKeystore(): boolean;
  chainId(): bigint;
  /** Takes effect at once for the chain-id check and all signing. */
  setChainId(id: bigint): void;
  /** The key file's text. Throws `unknown account`, `account is not a keystore-account`, file errors. */
  exportKey(address: Address): Promise<string>;
  /** Re-encrypts a key file under a new password. Throws decryption errors, `account already exists`. */
  importKey(keyJson: Json, oldPassword: string, newPassword: string): Promise<Account>;
  /** clef_new: account_new without the approval prompt (asks the UI for the password). */
  newAccount(): Promise<Address>;
}

// ---------------------------------------------------------------------------------------------------------
// go-ethereum's positional arguments
// ---------------------------------------------------------------------------------------------------------

/** Raw JSON text of each element of a (valid) JSON array text. */
export function splitArrayText(text: string): string[] {
  return rawElements(text, skipSpace(text, 0)).map((e) => text.slice(e.start, e.end));
}

/** One parameter: decodes the raw JSON text of an argument, or supplies the value of an absent optional one. */
interface Param<T> {
  decode(raw: string): T;
  /** Present when the argument may be omitted (a Go pointer). */
  absent?: () => T;
}

/** A Go `string`: null is "". */
const stringParam: Param<string> = {
  decode(raw) {
    const v = goParseAt(raw, 0);
    if (v === null) return '';
    if (typeof v !== 'string') throw unmarshalError(jsonKind(v), { goType: 'string' });
    return v;
  },
};

/** A Go `*string`: absent or null is "". */
const optionalStringParam: Param<string> = { decode: stringParam.decode, absent: () => '' };

/** A Go `*bool`: absent or null is false. */
const optionalBoolParam: Param<boolean> = {
  decode(raw) {
    const v = goParseAt(raw, 0);
    if (v === null) return false;
    if (typeof v !== 'boolean') throw unmarshalError(jsonKind(v), { goType: 'bool' });
    return v;
  },
  absent: () => false,
};

/** common.Address (hexutil rules: `0x` + 40 hex, null is an error). */
const addressParam: Param<Address> = {
  decode: (raw) => jsonAddress(goParseAt(raw, 0)),
};

/** json.RawMessage: any JSON value, null included. */
const rawParam: Param<Json> = {
  decode: (raw) => goParseAt(raw, 0),
};

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * math.HexOrDecimal64 from its raw JSON text: a string loses its quotes (escapes are not interpreted), then
 * `""` = 0, `0x…` hex or plain decimal, at most 64 bits; anything else is `invalid hex or decimal integer "<s>"`.
 */
export function parseHexOrDecimal64(raw: string): bigint {
  const text = raw.length > 1 && raw[0] === '"' ? raw.slice(1, -1) : raw;
  let value: bigint | null = null;
  if (text === '') value = 0n;
  else if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = BigInt('0x' + text.slice(2));
  else if (/^[0-9]+$/.test(text)) value = BigInt(text);
  if (value === null || value > MAX_UINT64) throw new Error(`invalid hex or decimal integer ${goQuote(text)}`);
  return value;
}

const chainIdParam: Param<bigint> = { decode: parseHexOrDecimal64 };

/** parsePositionalArguments: decode in order, then `too many arguments`, then `missing value for required argument`. */
function parseArgs(raws: string[], params: Param<unknown>[]): unknown[] {
  const out: unknown[] = [];
  raws.forEach((raw, i) => {
    if (i >= params.length) throw new InvalidParamsError(`too many arguments, want at most ${params.length}`);
    try {
      out.push(params[i].decode(raw));
    } catch (e) {
      throw new InvalidParamsError(`invalid argument ${i}: ${errorMessage(e)}`);
    }
  });
  for (let i = raws.length; i < params.length; i++) {
    const absent = params[i].absent;
    if (!absent) throw new InvalidParamsError(`missing value for required argument ${i}`);
    out.push(absent());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------

function hex64(id: bigint): string {
  return '0x' + BigInt.asUintN(64, id).toString(16);
}

function walletJson(w: WalletInfo): Json {
  const out: { [k: string]: Json } = { url: w.url, status: w.status };
  if (w.failure) out.failure = w.failure;
  if (w.accounts && w.accounts.length > 0) out.accounts = w.accounts.map(accountJson);
  return out;
}

/**
 * Go's json.RawMessage output: the text compacted (whitespace outside strings dropped) with `<`, `>`, `&`,
 * U+2028 and U+2029 escaped; otherwise byte for byte. Invalid JSON is -32603 as go-ethereum reports it.
 */
export function compactRawJson(text: string): string {
  try {
    checkValidJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw new SignerError(`json: error calling MarshalJSON for type json.RawMessage: ${e.message}`, ErrorCode.internal);
  }
  return goCompact(text);
}

/** crypto.HexToECDSA: plain hex (no `0x`), Go's hex.DecodeString errors, then the 32-byte and range checks. */
export function parsePrivateKeyHex(hex: string): Uint8Array {
  const nibble = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);
  const bytes = new TextEncoder().encode(hex);
  const badByte = (b: number) => new SignerError(`invalid hex character ${goQuoteChar(b)} in private key`);
  const out = new Uint8Array(bytes.length >> 1);
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const a = nibble(bytes[i]);
    const b = nibble(bytes[i + 1]);
    if (a < 0 || b < 0) {
      wipe(out);
      throw badByte(a < 0 ? bytes[i] : bytes[i + 1]);
    }
    out[i >> 1] = (a << 4) | b;
  }
  if (bytes.length % 2 === 1) {
    wipe(out);
    if (nibble(bytes[i]) < 0) throw badByte(bytes[i]);
    throw new SignerError('invalid hex data for private key');
  }
  const problem = privateKeyError(out);
  if (problem) {
    wipe(out);
    throw new SignerError(problem);
  }
  return out;
}

/** `password requirements not met: <reason>` when a new password breaks the rule. */
function checkNewPassword(password: string): void {
  const problem = validatePasswordFormat(password);
  if (problem) throw new SignerError(`password requirements not met: ${problem}`);
}

// ---------------------------------------------------------------------------------------------------------
// The method table
// ---------------------------------------------------------------------------------------------------------

/** A method: raw argument texts in, the result's JSON text out. */
type Method = (args: string[]) => Promise<string>;

function methodTable(api: UiServerApi): Map<string, Method> {
  const m = new Map<string, Method>();
  const def = <P extends unknown[]>(name: string, params: { [K in keyof P]: Param<P[K]> }, run: (...args: P) => Promise<string>) => {
    m.set(name, (raws) => run(...(parseArgs(raws, params as Param<unknown>[]) as P)));
  };
  def('clef_listAccounts', [], async () => {
    const accounts = await api.listAccounts();
    return accounts.length === 0 ? 'null' : goStringify(accounts.map(accountJson));
  });
  def('clef_listWallets', [], async () => goStringify((await api.listWallets()).map(walletJson)));
  def<[string, string, boolean]>('clef_deriveAccount', [stringParam, stringParam, optionalBoolParam], async (url, path, pin) =>
    goStringify(accountJson(await api.deriveAccount(url, path, pin))),
  );
  def<[string, string]>('clef_openWallet', [stringParam, optionalStringParam], async (url, passphrase) => {
    await api.openWallet(url, passphrase);
    return 'null';
  });
  def<[string, string]>('clef_importRawKey', [stringParam, stringParam], async (hex, password) => {
    const key = parsePrivateKeyHex(hex);
    try {
      checkNewPassword(password);
      return goStringify(accountJson(await api.importRawKey(key, password)));
    } finally {
      wipe(key);
    }
  });
  def('clef_chainId', [], async () => goStringify(hex64(api.chainId())));
  def<[bigint]>('clef_setChainId', [chainIdParam], async (id) => {
    api.setChainId(id);
    return goStringify(hex64(api.chainId()));
  });
  def<[Address]>('clef_export', [addressParam], async (address) => compactRawJson(await api.exportKey(address)));
  def<[Json, string, string]>('clef_import', [rawParam, stringParam, stringParam], async (keyJson, oldPassword, newPassword) => {
    if (!api.hasKeystore()) throw new SignerError('password based accounts not supported');
    checkNewPassword(newPassword);
    return goStringify(accountJson(await api.importKey(keyJson, oldPassword, newPassword)));
  });
  def('clef_new', [], async () => goStringify(await api.newAccount()));
  return m;
}

/** Every method name of the clef namespace. */
export const CLEF_METHODS = [
  'clef_listAccounts',
  'clef_listWallets',
  'clef_deriveAccount',
  'clef_openWallet',
  'clef_importRawKey',
  'clef_chainId',
  'clef_setChainId',
  'clef_export',
  'clef_import',
  'clef_new',
] as const;

// ---------------------------------------------------------------------------------------------------------
// Serving calls from the UI
// ---------------------------------------------------------------------------------------------------------

function hasValidId(m: RawRequest): boolean {
  return m.id !== undefined && m.id.length > 0 && m.id[0] !== '{' && m.id[0] !== '[';
}

/**
 * The server half of the stdio channel (go-ethereum's client-side handler): `clef_*` calls and notifications,
 * `-32600 invalid request` for malformed messages. Unlike a geth server it has no `rpc_modules`.
 */
export class ClefServer {
  private methods = new Map<string, Method>();

  constructor(private readonly logger?: Logger) {}

  /** Registers the clef namespace (clef does this after the master-password prompt, ui-api.md §4.10). */
  enable(api: UiServerApi): void {
    this.methods = methodTable(api);
  }

  /** True once `enable` ran. */
  get enabled(): boolean {
    return this.methods.size > 0;
  }

  /** Answers one non-response message: the reply text, or null for notifications. Never rejects. */
  async answer(msg: RawRequest): Promise<string | null> {
    const versionOk = msg.version === '2.0';
    if (versionOk && msg.id === undefined && msg.method !== '') {
      await this.call(msg); // a notification runs; its outcome is not reported
      return null;
    }
    if (versionOk && hasValidId(msg) && msg.method !== '') return this.call(msg);
    return errorResponse(hasValidId(msg) ? msg.id : 'null', ErrorCode.invalidRequest, 'invalid request');
  }

  private async call(msg: RawRequest): Promise<string> {
    const id = msg.id;
    const method = this.methods.get(msg.method);
    if (!method) return errorResponse(id, ErrorCode.methodNotFound, `the method ${msg.method} does not exist/is not available`);
    let args: string[];
    if (msg.params === undefined || msg.params === 'null') args = [];
    else if (msg.params[0] === '[') args = splitArrayText(msg.params);
    else return errorResponse(id, ErrorCode.invalidParams, 'non-array args');
    try {
      const result = await method(args);
      return '{"jsonrpc":"2.0"' + (id === undefined ? '' : ',"id":' + echoId(id)) + ',"result":' + result + '}';
    } catch (err) {
      if (err instanceof SignerError) return errorResponse(id, err.code, err.message, err.data);
      if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) {
        this.logger?.error(`RPC method ${msg.method} crashed: ${errorMessage(err)}`);
        return errorResponse(id, ErrorCode.internal, 'method handler crashed');
      }
      return errorResponse(id, ErrorCode.method, errorMessage(err));
    }
  }
}
