// The daemon's side of the stdio UI's privileged `clef_*` methods (ui-api.md §5): what the keystore and the signer
// can do for a trusted UI without any approval prompt.
import { type Address } from '../core/bytes.ts';
import { SignerError, UnknownAccountError } from '../core/errors.ts';
import type { Json } from '../core/gojson.ts';
import { decryptKeyFile } from '../core/keyfile.ts';
import type { Account, Kdf, KeyStore } from '../core/ports.ts';
import type { Signer } from '../core/signer.ts';
import type { UiServerApi, WalletInfo } from '../adapters/ui/stdio.ts';
import { goStringify } from '../core/gojson.ts';

const noKeystore = () => new SignerError('password based accounts not supported');

/** Builds the UiServerApi over the daemon's keystore and signer. */
export function uiServerApi(signer: Signer, keystore: KeyStore | null, kdf: Kdf): UiServerApi {
  const keystoreWallets = async (): Promise<WalletInfo[]> =>
    keystore ? (await keystore.accounts()).map((a) => ({ url: a.url, status: 'Locked', accounts: [{ address: a.address, url: a.url }] })) : [];
  const findWallet = async (url: string): Promise<WalletInfo> => {
    if (!url.includes('://') || url.startsWith('://')) throw new SignerError('protocol scheme missing');
    const w = (await keystoreWallets()).find((x) => x.url === url);
    if (!w) throw new SignerError('unknown wallet');
    return w;
  };
  return {
    listAccounts: () => signer.accounts(),
    listWallets: keystoreWallets,
    async deriveAccount(url: string): Promise<Account> {
      await findWallet(url);
      throw new SignerError('not supported');
    },
    async openWallet(url: string): Promise<void> {
      await findWallet(url); // keystore wallets need no opening
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
