// clef's UI server API (ui-api.md §5): the privileged `clef_*` methods a stdio UI may call back on the same
// pipe. This module is the JSON-RPC layer only — go-ethereum's positional-argument decoding and error texts,
// result shapes, the password rule — over a `UiServerApi` the daemon implements. It never passes through the
// Approver chain, so it keeps working when the rules engine decorates the UI (clef broke it under --rules).
import { nibble, wipe, type Address } from '../../core/bytes.ts';
import { ErrorCode, SignerError, errorMessage } from '../../core/errors.ts';
import { jsonKind, goQuote, goQuoteChar, jsonAddress, unmarshalError, type Json } from '../../core/gojson.ts';
import { goCompact } from '../../core/gojson-raw.ts';
import { checkValidJson, JsonSyntaxError } from '../../core/gojson-scan.ts';
import type { Account, Logger, Meta } from '../../core/ports.ts';
import { validatePasswordFormat } from '../../core/password.ts';
import { privateKeyError } from '../../core/secp256k1.ts';
import { JsonRpcServer, type RawRequest } from '../transport/jsonrpc.ts';
import { RawJson, rpcMethod, type MethodTable, type RpcMethod, type RpcParam } from '../../core/rpc.ts';
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

/** A Go `string`: null is "". */
const stringParam: RpcParam<string> = {
  decode(v) {
    if (v === null) return '';
    if (typeof v !== 'string') throw unmarshalError(jsonKind(v), { goType: 'string' });
    return v;
  },
};

/** A Go `*string`: absent or null is "". */
const optionalStringParam: RpcParam<string> = { decode: stringParam.decode, absent: () => '' };

/** A Go `*bool`: absent or null is false. */
const optionalBoolParam: RpcParam<boolean> = {
  decode(v) {
    if (v === null) return false;
    if (typeof v !== 'boolean') throw unmarshalError(jsonKind(v), { goType: 'bool' });
    return v;
  },
  absent: () => false,
};

/** common.Address (hexutil rules: `0x` + 40 hex, null is an error). */
const addressParam: RpcParam<Address> = { decode: (v) => jsonAddress(v) };

/** json.RawMessage: any JSON value, null included. */
const rawParam: RpcParam<Json> = { decode: (v) => v };

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

const chainIdParam: RpcParam<bigint> = { decode: (_v, raw) => parseHexOrDecimal64(raw) };

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

/**
 * A clef method: like geth, an error a method returns is -32000 with its text; only JS faults (TypeError,
 * RangeError, ReferenceError) count as crashes (-32603, logged by the server).
 */
function clefMethod<A extends unknown[]>(params: { [K in keyof A]: RpcParam<A[K]> }, run: (...args: A) => Promise<Json | RawJson>): RpcMethod {
  return rpcMethod<A>(params, async (args) => {
    try {
      return await run(...args);
    } catch (err) {
      if (err instanceof SignerError || err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) throw err;
      throw new SignerError(errorMessage(err));
    }
  });
}

/** The `clef_*` method table over a UiServerApi. */
export function clefMethods(api: UiServerApi): MethodTable {
  const account = async (a: Promise<Account>) => accountJson(await a);
  return new Map<string, RpcMethod>([
    ['clef_listAccounts', clefMethod<[]>([], async () => {
      const accounts = await api.listAccounts();
      return accounts.length === 0 ? null : accounts.map(accountJson);
    })],
    ['clef_listWallets', clefMethod<[]>([], async () => (await api.listWallets()).map(walletJson))],
    ['clef_deriveAccount', clefMethod<[string, string, boolean]>([stringParam, stringParam, optionalBoolParam], (url, path, pin) => account(api.deriveAccount(url, path, pin)))],
    ['clef_openWallet', clefMethod<[string, string]>([stringParam, optionalStringParam], async (url, passphrase) => {
      await api.openWallet(url, passphrase);
      return null;
    })],
    ['clef_importRawKey', clefMethod<[string, string]>([stringParam, stringParam], async (hex, password) => {
      const key = parsePrivateKeyHex(hex);
      try {
        checkNewPassword(password);
        return await account(api.importRawKey(key, password));
      } finally {
        wipe(key);
      }
    })],
    ['clef_chainId', clefMethod<[]>([], async () => hex64(api.chainId()))],
    ['clef_setChainId', clefMethod<[bigint]>([chainIdParam], async (id) => {
      api.setChainId(id);
      return hex64(api.chainId());
    })],
    ['clef_export', clefMethod<[Address]>([addressParam], async (address) => new RawJson(compactRawJson(await api.exportKey(address))))],
    ['clef_import', clefMethod<[Json, string, string]>([rawParam, stringParam, stringParam], async (keyJson, oldPassword, newPassword) => {
      if (!api.hasKeystore()) throw new SignerError('password based accounts not supported');
      checkNewPassword(newPassword);
      return account(api.importKey(keyJson, oldPassword, newPassword));
    })],
    ['clef_new', clefMethod<[]>([], async () => api.newAccount())],
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Serving calls from the UI
// ---------------------------------------------------------------------------------------------------------

/**
 * The server half of the stdio channel (go-ethereum's client-side handler): the one JSON-RPC server over the
 * `clef_*` table, without geth's server built-ins (no `rpc_modules`, no subscriptions). Malformed messages get
 * `-32600 invalid request`.
 */
export class ClefServer {
  private server: JsonRpcServer;

  constructor(private readonly logger?: Logger) {
    this.server = new JsonRpcServer(new Map(), { builtins: false, logger });
  }

  /** Registers the clef namespace (clef does this after the master-password prompt, ui-api.md §4.10). */
  enable(api: UiServerApi): void {
    this.server = new JsonRpcServer(clefMethods(api), { builtins: false, logger: this.logger });
    this.enabledFlag = true;
  }

  private enabledFlag = false;

  /** True once `enable` ran. */
  get enabled(): boolean {
    return this.enabledFlag;
  }

  /** Answers one non-response message: the reply text, or null for notifications. Never rejects. */
  async answer(msg: RawRequest): Promise<string | null> {
    const reply = await this.server.handle({ batch: false, request: msg }, { transport: 'ipc', meta: stdioMeta });
    return reply?.text ?? null;
  }
}

/** Calls from the UI carry no request metadata. */
const stdioMeta: Meta = { remote: 'NA', local: 'NA', scheme: 'NA', 'User-Agent': '', Origin: '' };
