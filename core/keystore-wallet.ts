// The keystore as a Wallet: one key file per wallet (clef lists them that way), signing any payload through its
// digest. Passwords come from the vault first (and such keys stay cached), else from the approver with the
// request's prompt; typed passwords are never cached and their keys are wiped after use.
import { toChecksumAddress, wipe, type Address } from './bytes.ts';
import { InternalError, SignerError, UnknownAccountError, errorMessage, toSignerError } from './errors.ts';
import { KeyCache } from './key-cache.ts';
import { decryptKeyFile } from './keyfile.ts';
import type { Account, Approver, Kdf, KeyFileEntry, KeyStore, SecretStore, SignContext, UnsignedTxPayload, Wallet } from './ports.ts';
import { signDigest } from './secp256k1.ts';
import { concatBytes, keccak256, utf8 } from './bytes.ts';

export interface KeystoreKeysPorts {
  keystore: KeyStore;
  kdf: Kdf;
  approver: Approver;
  credentials: SecretStore | null;
}

/** Key-file decryption shared by every keystore wallet: vault passwords, prompts and the key cache. */
export class KeystoreKeys {
  readonly cache = new KeyCache();

  constructor(
    private readonly ports: KeystoreKeysPorts,
    private readonly cacheKeys: () => boolean,
  ) {}

  /** Runs `use` with the decrypted key of `address` (keystore lookup errors propagate: unknown / multiple). */
  async withKey<T>(address: Address, ctx: SignContext, use: (priv: Uint8Array) => Promise<T> | T): Promise<T> {
    const ks = this.ports.keystore;
    const entry = await ks.find(address);
    const cacheKeys = this.cacheKeys();
    const cached = cacheKeys ? this.cache.get(address, entry.path) : undefined;
    if (cached) return use(cached);

    const stored = await this.storedPassword(address);
    const decrypt = async (password: string) => {
      try {
        return await decryptKeyFile(await ks.read(entry.path), password, this.ports.kdf, address);
      } catch (e) {
        if (ctx.showDecryptError) this.ports.approver.showError(errorMessage(e));
        throw toSignerError(e);
      }
    };
    if (stored !== null && cacheKeys) {
      const key = await this.cache.load(address, entry.path, () => decrypt(stored));
      return use(key);
    }
    let password = stored;
    if (password === null) {
      try {
        ({ text: password } = await this.ports.approver.onInputRequired(ctx.prompt));
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

/** One key file as a wallet. */
export class KeystoreWallet implements Wallet {
  readonly scheme = 'keystore' as const;
  readonly url: string;

  constructor(
    private readonly entry: KeyFileEntry,
    private readonly keys: KeystoreKeys,
  ) {
    this.url = entry.url;
  }

  status(): string {
    return 'Locked';
  }
  failure(): string {
    return '';
  }
  async open(): Promise<void> {}
  accounts(): Account[] {
    return [{ address: this.entry.address, url: this.entry.url }];
  }
  async derive(): Promise<Account> {
    throw new SignerError('not supported');
  }

  private own(account: Account): Address {
    if (account.address !== this.entry.address) throw new UnknownAccountError();
    return account.address;
  }

  async signHash(account: Account, digest: Uint8Array, ctx: SignContext): Promise<Uint8Array> {
    return this.keys.withKey(this.own(account), ctx, (priv) => signDigest(priv, digest));
  }
  async signTransaction(account: Account, tx: UnsignedTxPayload, ctx: SignContext): Promise<Uint8Array> {
    return this.signHash(account, tx.digest, ctx);
  }
  async signPersonal(account: Account, message: Uint8Array, ctx: SignContext): Promise<Uint8Array> {
    return this.signHash(account, keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${message.length}`), message)), ctx);
  }
  async signTypedData(account: Account, domainHash: Uint8Array, messageHash: Uint8Array | null, ctx: SignContext): Promise<Uint8Array> {
    const parts = [Uint8Array.of(0x19, 0x01), domainHash];
    if (messageHash) parts.push(messageHash);
    return this.signHash(account, keccak256(concatBytes(...parts)), ctx);
  }
}
