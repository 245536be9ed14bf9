// The daemon's side of the stdio UI's privileged `clef_*` methods (ui-api.md §5): what the keystore and the signer
// can do for a trusted UI without any approval prompt.
import type { Address } from '../core/bytes.ts';
import { SignerError, UnknownAccountError, toSignerError } from '../core/errors.ts';
import type { Json } from '../core/gojson.ts';
import { decryptKeyFile } from '../core/keyfile.ts';
import type { Account, HardwareWallets, Kdf, KeyStore, Wallet } from '../core/ports.ts';
import { parseDerivationPath } from '../core/hdpath.ts';
import type { Signer } from '../core/signer.ts';
import type { UiServerApi, WalletInfo } from '../adapters/ui/stdio.ts';
import { goStringify } from '../core/gojson.ts';

const noKeystore = () => new SignerError('password based accounts not supported');

/** Builds the UiServerApi over the daemon's keystore, hardware wallets and signer. */
export function uiServerApi(signer: Signer, keystore: KeyStore | null, kdf: Kdf, hardware?: HardwareWallets): UiServerApi {
  const keystoreWallets = async (): Promise<WalletInfo[]> =>
    keystore ? (await keystore.accounts()).map((a) => ({ url: a.url, status: 'Locked', accounts: [{ address: a.address, url: a.url }] })) : [];
  const devices = async (): Promise<Wallet[]> => (hardware ? await hardware.wallets().catch(() => []) : []);
  const allWallets = async (): Promise<WalletInfo[]> => {
    const out = await keystoreWallets();
    for (const w of await devices()) {
      const info: WalletInfo = { url: w.url, status: w.status() };
      if (w.failure()) info.failure = w.failure();
      if (w.accounts().length > 0) info.accounts = w.accounts();
      out.push(info);
    }
    return out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  };
  /** The wallet with exactly this URL: a device, or null for a keystore wallet. */
  const findWallet = async (url: string): Promise<Wallet | null> => {
    if (!url.includes('://') || url.startsWith('://')) throw new SignerError('protocol scheme missing');
    const device = (await devices()).find((w) => w.url === url);
    if (device) return device;
    if (!(await keystoreWallets()).some((x) => x.url === url)) throw new SignerError('unknown wallet');
    return null;
  };
  return {
    listAccounts: () => signer.accounts(),
    listWallets: allWallets,
    async deriveAccount(url: string, path: string, pin: boolean): Promise<Account> {
      const w = await findWallet(url);
      let indices: number[];
      try {
        indices = parseDerivationPath(path);
      } catch (e) {
        throw toSignerError(e);
      }
      if (!w) throw new SignerError('not supported');
      return w.derive(indices, pin).catch((e: unknown) => Promise.reject(toSignerError(e)));
    },
    async openWallet(url: string, passphrase: string): Promise<void> {
      const w = await findWallet(url); // keystore wallets need no opening
      if (w) await w.open(passphrase ?? '').catch((e: unknown) => Promise.reject(toSignerError(e)));
    },
    async importRawKey(privateKey: Uint8Array, password: string): Promise<Account> {
      if (!keystore) throw noKeystore();
      return signer.storeKey(privateKey, password);
    },
    hasKeystore: () => keystore !== null,
    chainId: () => signer.chainId,
    setChainId: (id: bigint) => {
      signer.chainId = id;
    },
    async exportKey(address: Address): Promise<string> {
      if (!keystore) throw new UnknownAccountError();
      const entry = await keystore.find(address);
      return keystore.read(entry.path);
    },
    async importKey(keyJson: Json, oldPassword: string, newPassword: string): Promise<Account> {
      if (!keystore) throw noKeystore();
      const priv = await decryptKeyFile(goStringify(keyJson), oldPassword, kdf);
      try {
        return await signer.storeKey(priv, newPassword);
      } finally {
        priv.fill(0);
      }
    },
    newAccount: () => signer.newAccountUnapproved(),
  };
}
