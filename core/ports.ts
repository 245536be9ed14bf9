// Every interface the core needs from the world, on one page. Adapters under adapters/ implement these;
// tests replace them with in-memory fakes. Wire shapes towards the UI (and rules) are clef's UI API 7.0.1 types,
// kept as JSON-ready objects because the UI may echo them back modified.
import type { Address } from './bytes.ts';
import type { Json, JsonObject } from './gojson.ts';

// ---------------------------------------------------------------------------------------------------------
// Randomness, time, key derivation
// ---------------------------------------------------------------------------------------------------------

/** Cryptographically secure random bytes. */
export interface Random {
  bytes(n: number): Uint8Array;
}

/** Wall clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Password-based key derivation (the slow part of every keystore and the master seed). */
export interface Kdf {
  scrypt(password: Uint8Array, salt: Uint8Array, n: number, r: number, p: number, dkLen: number): Promise<Uint8Array>;
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array>;
}

// ---------------------------------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------------------------------

/** Attributes of a log record, in the order they are printed (`key=value`). */
export type LogAttrs = Record<string, unknown>;

/** clef's leveled logger (format: `INFO [MM-DD|HH:MM:SS.mmm] message   key=value`). */
export interface Logger {
  crit(msg: string, attrs?: LogAttrs): void;
  error(msg: string, attrs?: LogAttrs): void;
  warn(msg: string, attrs?: LogAttrs): void;
  info(msg: string, attrs?: LogAttrs): void;
  debug(msg: string, attrs?: LogAttrs): void;
  trace(msg: string, attrs?: LogAttrs): void;
}

// ---------------------------------------------------------------------------------------------------------
// Vault: the encrypted key-value stores inside <configdir>/<vault>/
// ---------------------------------------------------------------------------------------------------------

/**
 * One encrypted store file (credentials.json, config.json, jsstorage.json). Semantics of
 * vault-and-keystore.md §4.3: `get` throws `not found` for an absent key and
 * `cipher: message authentication failed` for a tampered entry — never a silent empty value.
 */
export interface SecretStore {
  get(key: string): Promise<string>;
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  /** Applies puts (a value) and deletions (null) in order, in one read-modify-write (the rules' storage batch). */
  update(changes: ReadonlyArray<readonly [key: string, value: string | null]>): Promise<void>;
  /** Names of the entries (store keys are plaintext in the file; values stay encrypted). */
  keys(): Promise<string[]>;
}

/** The three stores of an unlocked vault. */
export interface Vault {
  /** Directory name derived from the seed (20 hex characters). */
  readonly name: string;
  readonly credentials: SecretStore;
  readonly config: SecretStore;
  readonly jsStorage: SecretStore;
}

// ---------------------------------------------------------------------------------------------------------
// Keystore: Web3 Secret Storage files in a directory
// ---------------------------------------------------------------------------------------------------------

/** An account as the UI sees it: lowercase address and a URL such as `keystore:///abs/path`. */
export interface Account {
  address: Address;
  url: string;
}

/** A key file found by a directory scan. */
export interface KeyFileEntry extends Account {
  /** Absolute path of the file. */
  path: string;
}

/** A key file that decrypts but carries no `address` member (Foundry's cast writes these). */
export interface UnaddressedKeyFile {
  path: string;
  url: string;
}

/** The keystore directory: scanning, reading and atomically writing key files. */
export interface KeyStore {
  /** Absolute directory path. */
  readonly dir: string;
  /** Every key file with an address, sorted by URL (rescans when the directory changed). */
  accounts(): Promise<KeyFileEntry[]>;
  /** Files that look like key files but have no address (listed with a note, never silently skipped). */
  unaddressed(): Promise<UnaddressedKeyFile[]>;
  /**
   * The single key file holding `address`. Throws UnknownAccountError when none does and
   * `multiple keys match address (<path1>, <path2>, …)` when several do.
   */
  find(address: Address): Promise<KeyFileEntry>;
  /** Reads a key file's text. */
  read(path: string): Promise<string>;
  /**
   * Writes a new key file atomically under geth's name `UTC--<time>--<hex address>`; `verify` is called on the
   * temporary file's text before the rename (geth's write-verify-rename). Throws `account already exists`.
   */
  write(address: Address, json: string, verify: (text: string) => Promise<void>): Promise<KeyFileEntry>;
}

// ---------------------------------------------------------------------------------------------------------
// Wallets: who holds a key and signs with it. An account's URL scheme names its backend (`keystore://`,
// `ledger://`, `trezor://`). Devices sign structured payloads, so the port offers one method per payload kind;
// a backend that can sign a bare digest (the keystore) also offers signHash. Every signature comes back as
// R ‖ S ‖ V with V = recovery id 0/1 (the signer applies clef's V offsets).
// ---------------------------------------------------------------------------------------------------------

export type WalletScheme = 'keystore' | 'ledger' | 'trezor';

/** An unsigned transaction as a device needs it (the chain id is the signer's, already resolved). */
export interface UnsignedTxPayload {
  /** EIP-2718 type: 0 legacy (EIP-155 when chainId ≠ 0), 1 access list, 2 dynamic fee, 3 blob. */
  type: number;
  chainId: bigint;
  nonce: bigint;
  to: Address | null;
  gas: bigint;
  gasPrice: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  value: bigint;
  data: Uint8Array;
  accessList: { address: Address; storageKeys: Uint8Array[] }[];
  /** The bytes whose keccak256 is signed: legacy RLP (with chainId, 0, 0 under EIP-155) or type ‖ RLP. */
  encoded: Uint8Array;
  digest: Uint8Array;
}

/** How a keystore-like backend asks for a password for this request (clef's prompt differs per request kind). */
export interface SignContext {
  prompt: UserInputRequest;
  /** Show a key file decryption failure to the UI (clef does for transactions). */
  showDecryptError?: boolean;
}

/** One wallet: a key file, or a device. Methods throw SignerError (or Error) with a message for the caller. */
export interface Wallet {
  /** e.g. `keystore:///abs/path`, `ledger://1:5` (bus:address), `trezor://1:7`. */
  readonly url: string;
  readonly scheme: WalletScheme;
  /** clef's status text (`Locked`, `Ethereum app v1.10.3 online`, …). */
  status(): string;
  /** Why the wallet failed, or ''. */
  failure(): string;
  /** Opens the wallet (a device: connect, check the app, derive the default accounts). */
  open(passphrase: string): Promise<void>;
  /** Accounts known in this wallet. */
  accounts(): Account[];
  /** Derives the account at `path` (BIP-32 indices) and, with `pin`, keeps it in accounts(). */
  derive(path: number[], pin: boolean): Promise<Account>;
  signTransaction(account: Account, tx: UnsignedTxPayload, ctx: SignContext): Promise<Uint8Array>;
  /** EIP-191 personal message (text/plain): the device adds the prefix. */
  signPersonal(account: Account, message: Uint8Array, ctx: SignContext): Promise<Uint8Array>;
  /** EIP-712 by hashes: domain separator and hashStruct(message) (null when the primary type is EIP712Domain). */
  signTypedData(account: Account, domainHash: Uint8Array, messageHash: Uint8Array | null, ctx: SignContext): Promise<Uint8Array>;
  /** A bare 32-byte digest; absent where the backend cannot (devices). */
  signHash?(account: Account, digest: Uint8Array, ctx: SignContext): Promise<Uint8Array>;
}

/** Device wallets currently attached (optional: absent or empty on machines without a USB bus). */
export interface HardwareWallets {
  wallets(): Promise<Wallet[]>;
}

// ---------------------------------------------------------------------------------------------------------
// The approver: clef's UI client interface (ui-api.md §4). Console UI, stdio UI and the rules engine
// (a decorator) implement it.
// ---------------------------------------------------------------------------------------------------------

/** Request metadata, key order as clef emits it. */
export interface Meta {
  remote: string;
  local: string;
  scheme: string;
  'User-Agent': string;
  Origin: string;
}

/** `{type, message}` validation entry; type is `WARNING`, `CRITICAL` or `Info`. */
export interface ValidationInfo {
  type: 'WARNING' | 'CRITICAL' | 'Info';
  message: string;
}

/** `{name, value, type}` entry of a sign-data request's `messages`. */
export interface NameValueType {
  name: string;
  value: Json | NameValueType[];
  type: string;
}

export interface SignTxRequest {
  /** The normalised SendTxArgs in clef's JSON form (key order of ui-api.md §3.2). */
  transaction: JsonObject;
  call_info: ValidationInfo[] | null;
  meta: Meta;
}

export interface SignTxResponse {
  approved: boolean;
  /** The transaction to sign, in JSON form (the UI may have modified it). */
  transaction?: Json;
}

export interface SignDataRequest {
  content_type: string;
  /** The caller's address string (`0x` + original digits). */
  address: string;
  /** Standard base64 of the exact bytes whose keccak256 is signed. */
  raw_data: string;
  messages: NameValueType[];
  call_info: ValidationInfo[] | null;
  /** `0x` hex of keccak256(raw_data). */
  hash: string;
  meta: Meta;
}

export interface SignDataResponse {
  approved: boolean;
}

export interface ListRequest {
  accounts: Account[];
  meta: Meta;
}

export interface ListResponse {
  /** null = denied. */
  accounts: Account[] | null;
}

export interface NewAccountRequest {
  meta: Meta;
}

export interface NewAccountResponse {
  approved: boolean;
}

export interface UserInputRequest {
  title: string;
  prompt: string;
  isPassword: boolean;
}

export interface UserInputResponse {
  text: string;
}

export interface StartupInfo {
  info: Record<string, string>;
}

/** `{raw, tx}` as returned to the external caller (external-api.md §6.6). */
export interface SignTransactionResult {
  raw: string;
  tx: JsonObject;
}

/**
 * Withdraws a pending question (an AbortSignal fits; structural, so core needs no DOM or Node types): the approval
 * timed out or the daemon is shutting down. The approver stops asking and rejects with `reason`.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** clef's UIClientAPI. Approvals may reject with a SignerError (a UI error is relayed verbatim). */
export interface Approver {
  approveTx(req: SignTxRequest, signal?: CancelSignal): Promise<SignTxResponse>;
  approveSignData(req: SignDataRequest, signal?: CancelSignal): Promise<SignDataResponse>;
  approveListing(req: ListRequest, signal?: CancelSignal): Promise<ListResponse>;
  approveNewAccount(req: NewAccountRequest, signal?: CancelSignal): Promise<NewAccountResponse>;
  showError(text: string): void;
  showInfo(text: string): void;
  onApprovedTx(result: SignTransactionResult): void;
  onSignerStartup(info: StartupInfo): void;
  onInputRequired(req: UserInputRequest, signal?: CancelSignal): Promise<UserInputResponse>;
}

// ---------------------------------------------------------------------------------------------------------
// 4byte database persistence (the writable custom file)
// ---------------------------------------------------------------------------------------------------------

export interface FourByteCustomStore {
  /** Persists the whole custom map (compact JSON, mode 0600). */
  save(entries: Record<string, string>): Promise<void>;
}
