// The use cases of clef's external API: what happens on account_list, account_new, account_signTransaction,
// account_signData, account_signTypedData, account_signGnosisSafeTx, account_ecRecover and account_version.
// Everything the world provides arrives through ports; the approver is clef's UI interface (console, stdio UI,
// or the rules engine in front of either).
import { base64 } from '@scure/base';
import { concatBytes, equalBytes, fromUtf8, toChecksumAddress, toHex, keccak256, utf8, type Address } from './bytes.ts';
import { RequestDeniedError, SignerError, UnknownAccountError, errorMessage, toSignerError } from './errors.ts';
import type { Json, MixedcaseAddress } from './gojson.ts';
import { KeystoreKeys, KeystoreWallet } from './keystore-wallet.ts';
import { createAccount, storeKey, type KeyWriter } from './accounts.ts';
import type {
  Account,
  Approver,
  HardwareWallets,
  Kdf,
  KeyStore,
  Logger,
  Meta,
  NameValueType,
  Random,
  SecretStore,
  SignContext,
  SignTransactionResult,
  ValidationInfo,
  Wallet,
} from './ports.ts';
import { recoverAddress } from './secp256k1.ts';
import { decodeSendTxArgs, encodeSendTxArgs, signTransaction, type SendTxArgs } from './tx.ts';
import { rejectIfWarnings, validateTransaction } from './validate.ts';
import type { FourByteDb } from './fourbyte.ts';
import { ecRecover, prepareSignData, type PreparedSignData, type TypedDataHandler } from './signdata.ts';
import { formatTypedData, hashTypedData, parseTypedData, type TypedData } from './eip712.ts';
import { gnosisResultJson, gnosisValidationArgs, resolveGnosisDigest, type GnosisSafeTx } from './gnosis.ts';
import type { CliqueProtection } from './clique-guard.ts';

/** External API version served as `account_version`. */
export const EXTERNAL_API_VERSION = '6.1.0';
/** Internal (UI) API version announced at start-up. */
export const INTERNAL_API_VERSION = '7.0.1';

/** The external API, after parameter decoding. */
export interface ExternalApi {
  version(meta: Meta): Promise<string>;
  list(meta: Meta): Promise<Address[]>;
  newAccount(meta: Meta): Promise<Address>;
  signTransaction(meta: Meta, args: SendTxArgs, methodSelector: string | null): Promise<SignTransactionResult>;
  signData(meta: Meta, contentType: string, addr: MixedcaseAddress, data: Json): Promise<Uint8Array>;
  signTypedData(meta: Meta, addr: MixedcaseAddress, typedData: TypedData): Promise<Uint8Array>;
  signGnosisSafeTx(meta: Meta, addr: MixedcaseAddress, safeTx: GnosisSafeTx, methodSelector: string | null): Promise<Json>;
  ecRecover(meta: Meta, data: Uint8Array, sig: Uint8Array): Promise<Address>;
}

export interface SignerPorts {
  /** Absent when no keystore backend is configured. */
  keystore: KeyStore | null;
  kdf: Kdf;
  random: Random;
  approver: Approver;
  /** The vault's credential store; null without an unlocked master seed. */
  credentials: SecretStore | null;
  fourByte: FourByteDb;
  logger: Logger;
  hardware?: HardwareWallets;
  /** Built-in clique double-sign protection (--clique-protect); absent when off. */
  cliqueGuard?: CliqueProtection;
}

export interface SignerConfig {
  chainId: bigint;
  /** Warn instead of reject on validation findings. */
  advanced: boolean;
  /** scrypt parameters for new key files. */
  keyParams: { n: number; p: number };
  /** Keep keys unlocked by vault passwords in memory (default on). */
  cacheKeys: boolean;
}

/** Password prompts of clef, per request kind. */
const passwordPrompt = {
  tx: (a: string) => ({ title: 'Account password', prompt: `Please enter the password for account ${a}`, isPassword: true }),
  data: (a: string) => ({ title: 'Password for signing', prompt: `Please enter password for signing data with account ${a}`, isPassword: true }),
};

/** The signer: clef's SignerAPI. */
export class Signer implements ExternalApi {
  private readonly keys: KeystoreKeys | null;

  constructor(
    private readonly ports: SignerPorts,
    private readonly config: SignerConfig,
  ) {
    const { keystore, kdf, approver, credentials } = ports;
    this.keys = keystore ? new KeystoreKeys({ keystore, kdf, approver, credentials }, () => this.config.cacheKeys) : null;
  }

  /** Current chain id (the stdio UI may change it with clef_setChainId). */
  get chainId(): bigint {
    return this.config.chainId;
  }

  set chainId(id: bigint) {
    this.config.chainId = id;
  }

  /** Zeroes every cached key (shutdown, or when the vault goes away). */
  close(): void {
    this.keys?.cache.clear();
  }

  /** Number of keys held decrypted in memory (for readiness reporting). */
  get cachedKeys(): number {
    return this.keys?.cache.size ?? 0;
  }

  async version(_meta: Meta): Promise<string> {
    return EXTERNAL_API_VERSION;
  }

  /** Every account of every wallet, in URL order. */
  async accounts(): Promise<Account[]> {
    const out: Account[] = [];
    if (this.ports.keystore) for (const e of await this.ports.keystore.accounts()) out.push({ address: e.address, url: e.url });
    if (this.ports.hardware) {
      try {
        for (const w of await this.ports.hardware.wallets()) for (const a of w.accounts()) out.push(a);
      } catch (e) {
        this.ports.logger.debug('Hardware wallets unavailable', { err: errorMessage(e) });
      }
    }
    return out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  async list(meta: Meta): Promise<Address[]> {
    const accounts = await this.accounts();
    const res = await this.ports.approver.approveListing({ accounts, meta });
    if (!res.accounts) throw new RequestDeniedError();
    return res.accounts.map((a) => a.address.toLowerCase() as Address);
  }

  async newAccount(meta: Meta): Promise<Address> {
    this.keyWriter(); // no keystore: fail before asking anyone
    const { approved } = await this.ports.approver.approveNewAccount({ meta });
    if (!approved) throw new RequestDeniedError();
    return this.newAccountUnapproved();
  }

  /** account_new without the approval (the stdio UI's clef_new): three password attempts under clef's rule. */
  async newAccountUnapproved(): Promise<Address> {
    return (await createAccount(this.keyWriter(), this.ports.approver, this.ports.logger)).address;
  }

  /** Encrypts a given key into a new key file (clef_importRawKey, clef_import). The caller keeps `priv`. */
  async storeKey(priv: Uint8Array, password: string): Promise<Account> {
    const { address, url } = await storeKey(this.keyWriter(), priv, password);
    return { address, url };
  }

  private keyWriter(): KeyWriter {
    const keystore = this.ports.keystore;
    if (!keystore) throw new SignerError('password based accounts not supported');
    return { keystore, kdf: this.ports.kdf, random: this.ports.random, params: this.config.keyParams };
  }

  async signTransaction(meta: Meta, args: SendTxArgs, methodSelector: string | null): Promise<SignTransactionResult> {
    const { messages } = validateTransaction(args, methodSelector, this.ports.fourByte);
    const callInfo = this.admitValidation(messages);
    if (args.chainId !== undefined && args.chainId !== this.config.chainId) {
      throw new SignerError(`requested chainid ${args.chainId} does not match the configuration of the signer`);
    }
    const res = await this.ports.approver.approveTx({ transaction: encodeSendTxArgs(args), call_info: callInfo, meta });
    // A denial that carries a transaction still decodes it: a malformed one replaces the denial (clef quirk).
    let approvedArgs: SendTxArgs | null = null;
    if (res.transaction !== undefined && res.transaction !== null) {
      try {
        approvedArgs = decodeSendTxArgs(res.transaction);
      } catch (e) {
        throw new SignerError(errorMessage(e));
      }
    }
    if (!res.approved) throw new RequestDeniedError();
    const tx = approvedArgs ?? decodeSendTxArgs({});
    const from = tx.from.address;
    const ctx: SignContext = { prompt: passwordPrompt.tx(toChecksumAddress(from)), showDecryptError: true };
    const { wallet, account } = await this.findWallet(from);
    // Key-file errors were shown (or, for a failed prompt, deliberately not) where they arose, as clef does.
    let keystoreError: unknown = null;
    const result = await signTransaction(tx, this.config.chainId, async (digest, payload) => {
      try {
        return checkDeviceSignature(wallet, account.address, digest, await wallet.signTransaction(account, payload, ctx));
      } catch (e) {
        if (wallet.scheme === 'keystore') keystoreError = e;
        throw e;
      }
    }).catch((e: unknown) => {
      if (e !== keystoreError) this.ports.approver.showError(errorMessage(e));
      throw toSignerError(e);
    });
    this.ports.approver.onApprovedTx(result);
    return result;
  }

  async signData(meta: Meta, contentType: string, addr: MixedcaseAddress, data: Json): Promise<Uint8Array> {
    const prepared = prepareSignData(contentType, data, typedDataHandler);
    return this.signPrepared(meta, addr, prepared, null);
  }

  async signTypedData(meta: Meta, addr: MixedcaseAddress, typedData: TypedData): Promise<Uint8Array> {
    const messages = formatTypedData(typedData);
    const { rawData } = hashTypedData(typedData);
    return this.signPrepared(meta, addr, typedPrepared(rawData, messages), null);
  }

  async signGnosisSafeTx(meta: Meta, addr: MixedcaseAddress, safeTx: GnosisSafeTx, methodSelector: string | null): Promise<Json> {
    const g = gnosisValidationArgs(safeTx);
    const vArgs: SendTxArgs = { from: g.from, to: g.to, gas: g.gas, gasPrice: g.gasPrice, value: g.value, nonce: g.nonce };
    if (g.data !== null) vArgs.data = g.data;
    if (g.chainId !== undefined) vArgs.chainId = g.chainId;
    const { messages } = validateTransaction(vArgs, methodSelector, this.ports.fourByte);
    const callInfo = this.admitValidation(messages);
    const { typedData, digest, chainIdUsed } = resolveGnosisDigest(safeTx, this.config.chainId);
    const formatted = formatTypedData(typedData);
    const { rawData } = hashTypedData(typedData);
    const sig = await this.signPrepared(meta, addr, typedPrepared(rawData, formatted), callInfo);
    return gnosisResultJson(safeTx, sig, digest, addr.checksummed(), chainIdUsed);
  }

  async ecRecover(_meta: Meta, data: Uint8Array, sig: Uint8Array): Promise<Address> {
    try {
      return ecRecover(data, sig);
    } catch (e) {
      throw toSignerError(e);
    }
  }

  /** Default mode rejects WARNING/CRITICAL findings before anyone is asked; returns what the UI sees. */
  private admitValidation(messages: ValidationInfo[]): ValidationInfo[] | null {
    try {
      rejectIfWarnings(messages, this.config.advanced);
    } catch (e) {
      this.ports.logger.info("Signing aborted due to warnings. In order to continue despite warnings, please use the flag '--advanced'.");
      throw e;
    }
    return messages.length === 0 ? null : messages;
  }

  /** The flow shared by every sign-data kind (external-api.md §7.6). */
  private async signPrepared(meta: Meta, addr: MixedcaseAddress, p: PreparedSignData, callInfo: ValidationInfo[] | null): Promise<Uint8Array> {
    const approver = this.ports.approver;
    try {
      const res = await approver.approveSignData({
        content_type: p.contentType,
        address: addr.toJSON(),
        raw_data: base64.encode(p.rawData), // standard, padded: Go's JSON encoding of []byte
        messages: p.messages,
        call_info: callInfo,
        hash: toHex(p.hash),
        meta,
      });
      if (!res.approved) throw new RequestDeniedError();
      const ctx: SignContext = { prompt: passwordPrompt.data(addr.checksummed()) };
      const sign = async () => withVOffset(await this.signPayload(addr.address, p, ctx), vOffsetOf(p));
      // --clique-protect wraps the signing itself: a failed signing records nothing, a made one is recorded first
      if (p.clique && this.ports.cliqueGuard) return await this.ports.cliqueGuard.admit(addr.address, p, sign);
      return await sign();
    } catch (e) {
      approver.showError(errorMessage(e));
      throw toSignerError(e);
    }
  }

  /** The wallet holding `address`: the keystore first (its errors name duplicates), then attached devices. */
  private async findWallet(address: Address): Promise<{ wallet: Wallet; account: Account }> {
    const ks = this.ports.keystore;
    if (ks && this.keys && (await ks.accounts()).some((e) => e.address === address)) {
      const entry = await ks.find(address);
      return { wallet: new KeystoreWallet(entry, this.keys), account: { address, url: entry.url } };
    }
    if (this.ports.hardware) {
      let wallets: Wallet[] = [];
      try {
        wallets = await this.ports.hardware.wallets();
      } catch (e) {
        this.ports.logger.debug('Hardware wallets unavailable', { err: errorMessage(e) });
      }
      for (const wallet of wallets) {
        const account = wallet.accounts().find((a) => a.address === address);
        if (account) return { wallet, account };
      }
    }
    if (ks && this.keys) {
      const entry = await ks.find(address); // throws unknown account (or a fresh file appeared)
      return { wallet: new KeystoreWallet(entry, this.keys), account: { address, url: entry.url } };
    }
    throw new UnknownAccountError();
  }

  /** Signs a prepared sign-data payload with the wallet of `address`, by the payload kind the wallet understands. */
  private async signPayload(address: Address, p: PreparedSignData, ctx: SignContext): Promise<Uint8Array> {
    const { wallet, account } = await this.findWallet(address);
    let sig: Uint8Array;
    const personal = p.contentType === 'text/plain' ? personalMessage(p.rawData) : null;
    const typed = p.contentType === 'data/typed' ? typedHashes(p.rawData) : null;
    if (personal) sig = await wallet.signPersonal(account, personal, ctx);
    else if (typed) sig = await wallet.signTypedData(account, typed.domain, typed.message, ctx);
    else if (wallet.signHash) sig = await wallet.signHash(account, p.hash, ctx);
    else throw new SignerError(`${wallet.scheme} wallets cannot sign ${p.contentType} data: the device signs only transactions, text/plain and data/typed`);
    return checkDeviceSignature(wallet, address, p.hash, sig);
  }
}

/** The V offset a prepared payload carries: clique signatures keep V 0/1, every other kind gets V + 27. */
function vOffsetOf(p: PreparedSignData): number {
  return p.clique ? 0 : 27;
}

function withVOffset(sig: Uint8Array, offset: number): Uint8Array {
  const out = sig.slice();
  out[64] += offset;
  return out;
}

/**
 * A device's signature must recover to the account; a device reporting the wrong parity is corrected (some
 * app versions send V truncated to one byte). The keystore signs locally and is trusted as before.
 */
function checkDeviceSignature(wallet: Wallet, address: Address, digest: Uint8Array, sig: Uint8Array): Uint8Array {
  if (wallet.scheme === 'keystore') return sig;
  if (sig.length !== 65) throw new SignerError(`${wallet.scheme}: invalid signature length ${sig.length}`);
  for (const parity of [sig[64] & 1, (sig[64] & 1) ^ 1]) {
    const candidate = concatBytes(sig.subarray(0, 64), Uint8Array.of(parity));
    try {
      if (recoverAddress(digest, candidate) === address) return candidate;
    } catch {
      // not a valid signature with this parity
    }
  }
  throw new SignerError(`${wallet.scheme}: the device returned a signature that does not recover to ${toChecksumAddress(address)}`);
}

const PERSONAL_PREFIX = utf8('\x19Ethereum Signed Message:\n');

/** The message inside text/plain raw data (`\x19Ethereum Signed Message:\n<len><message>`), or null. */
function personalMessage(raw: Uint8Array): Uint8Array | null {
  if (raw.length < PERSONAL_PREFIX.length || !equalBytes(raw.subarray(0, PERSONAL_PREFIX.length), PERSONAL_PREFIX)) return null;
  const rest = raw.subarray(PERSONAL_PREFIX.length);
  for (let digits = 1; digits <= Math.min(10, rest.length); digits++) {
    const len = fromUtf8(rest.subarray(0, digits));
    if (!/^(0|[1-9][0-9]*)$/.test(len)) break;
    if (Number(len) === rest.length - digits) return rest.slice(digits);
  }
  return null;
}

/** Domain and message hashes of EIP-712 raw data (`0x19 0x01 ‖ domain ‖ message?`), or null. */
function typedHashes(raw: Uint8Array): { domain: Uint8Array; message: Uint8Array | null } | null {
  if ((raw.length !== 66 && raw.length !== 34) || raw[0] !== 0x19 || raw[1] !== 0x01) return null;
  return { domain: raw.slice(2, 34), message: raw.length === 66 ? raw.slice(34, 66) : null };
}

/** EIP-712 through the data/typed content type. */
const typedDataHandler: TypedDataHandler = {
  prepare(json: Json) {
    const td = parseTypedData(json);
    const messages = formatTypedData(td);
    return { rawData: hashTypedData(td).rawData, messages };
  },
};

function typedPrepared(rawData: Uint8Array, messages: NameValueType[]): PreparedSignData {
  return { contentType: 'data/typed', rawData, hash: keccak256(rawData), messages, clique: false };
}


