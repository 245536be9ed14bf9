// The use cases of clef's external API: what happens on account_list, account_new, account_signTransaction,
// account_signData, account_signTypedData, account_signGnosisSafeTx, account_ecRecover and account_version.
// Everything the world provides arrives through ports; the approver is clef's UI interface (console, stdio UI,
// or the rules engine in front of either).
import { toChecksumAddress, toHex, toHexRaw, wipe, keccak256, type Address } from './bytes.ts';
import { InternalError, RequestDeniedError, SignerError, UnknownAccountError, errorMessage } from './errors.ts';
import type { Json, MixedcaseAddress } from './gojson.ts';
import { KeyCache } from './key-cache.ts';
import { decryptKeyFile } from './keyfile.ts';
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
  SignTransactionResult,
  ValidationInfo,
} from './ports.ts';
import { signDigest } from './secp256k1.ts';
import { decodeSendTxArgs, encodeSendTxArgs, signTransaction, type SendTxArgs } from './tx.ts';
import { rejectIfWarnings, validateTransaction } from './validate.ts';
import type { FourByteDb } from './fourbyte.ts';
import { ecRecover, prepareSignData, type PreparedSignData, type TypedDataHandler } from './signdata.ts';
import { formatTypedData, hashTypedData, parseTypedData, type TypedData } from './eip712.ts';
import { gnosisResultJson, gnosisValidationArgs, resolveGnosisDigest, type GnosisSafeTx } from './gnosis.ts';
import type { CliqueProtection } from './clique-guard.ts';
import { base64 as scureBase64 } from '@scure/base';

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
  private readonly cache = new KeyCache();

  constructor(
    private readonly ports: SignerPorts,
    private readonly config: SignerConfig,
  ) {}

  /** Current chain id (the stdio UI may change it with clef_setChainId). */
  get chainId(): bigint {
    return this.config.chainId;
  }

  set chainId(id: bigint) {
    this.config.chainId = id;
  }

  /** Zeroes every cached key (shutdown, or when the vault goes away). */
  close(): void {
    this.cache.clear();
  }

  /** Number of keys held decrypted in memory (for readiness reporting). */
  get cachedKeys(): number {
    return this.cache.size;
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
    const checksummed = toChecksumAddress(from);
    const result = await this.withKey(from, passwordPrompt.tx(checksummed), async (priv) => {
      try {
        return await signTransaction(tx, this.config.chainId, async (digest) => signDigest(priv, digest));
      } catch (e) {
        this.ports.approver.showError(errorMessage(e));
        throw e instanceof SignerError ? e : new SignerError(errorMessage(e));
      }
    }, true);
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
      throw e instanceof SignerError ? e : new SignerError(errorMessage(e));
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
        raw_data: base64(p.rawData),
        messages: p.messages,
        call_info: callInfo,
        hash: toHex(p.hash),
        meta,
      });
      if (!res.approved) throw new RequestDeniedError();
      const checksummed = addr.checksummed();
      if (p.clique && this.ports.cliqueGuard) await this.ports.cliqueGuard.admit(addr.address, p);
      return await this.withKey(addr.address, passwordPrompt.data(checksummed), async (priv) => {
        const sig = signDigest(priv, p.hash);
        if (!p.clique) sig[64] += 27;
        return sig;
      });
    } catch (e) {
      approver.showError(errorMessage(e));
      throw e instanceof SignerError ? e : new SignerError(errorMessage(e));
    }
  }

  /**
   * Finds the account's key file, obtains its password (vault first, then the approver) and runs `use` with the
   * decrypted key. Keys unlocked with a vault password stay cached; typed passwords never are.
   */
  private async withKey<T>(
    address: Address,
    ask: { title: string; prompt: string; isPassword: boolean },
    use: (priv: Uint8Array) => Promise<T>,
    showDecryptError = false,
  ): Promise<T> {
    const ks = this.ports.keystore;
    if (!ks) throw new UnknownAccountError();
    const entry = await ks.find(address);
    const cached = this.config.cacheKeys ? this.cache.get(address, entry.path) : undefined;
    if (cached) return use(cached);

    const stored = await this.storedPassword(address);
    const decrypt = async (password: string) => {
      try {
        return await decryptKeyFile(await ks.read(entry.path), password, this.ports.kdf, address);
      } catch (e) {
        if (showDecryptError) this.ports.approver.showError(errorMessage(e));
        throw e instanceof SignerError ? e : new SignerError(errorMessage(e));
      }
    };
    if (stored !== null && this.config.cacheKeys) {
      const key = await this.cache.load(address, entry.path, () => decrypt(stored));
      return use(key);
    }
    let password = stored;
    if (password === null) {
      try {
        ({ text: password } = await this.ports.approver.onInputRequired(ask));
      } catch {
        throw new InternalError();
      }
    }
    const priv = await decrypt(password);
    try {
      return await use(priv);
    } finally {
      wipe(priv);
    }
  }

  /** The vault's password for an account: checksummed key, then the pre-1.9 lowercase key (compatible extension). */
  private async storedPassword(address: Address): Promise<string | null> {
    const store = this.ports.credentials;
    if (!store) return null;
    for (const key of [toChecksumAddress(address), address]) {
      try {
        return await store.get(key);
      } catch {
        // not stored (or unreadable): fall back to asking
      }
    }
    return null;
  }
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

/** Standard base64 with padding (Go's encoding of a byte slice in JSON); linear, one output string. */
function base64(b: Uint8Array): string {
  return scureBase64.encode(b);
}

export { toHexRaw };
