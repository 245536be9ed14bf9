// Keys of the test mnemonic for device emulators: standard BIP-39 seed and BIP-32 derivation (m/44'/60'/0'/0/0 of
// "test … junk" is 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, as cast and anvil say).
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { addressOfPrivateKey } from '../../../core/secp256k1.ts';

export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';

export const HARDENED = 0x80000000;

/** Derives the key at `path` (indices with the hardened bit set where hardened). */
export class HdKeys {
  private readonly root: HDKey;
  constructor(mnemonic = TEST_MNEMONIC, passphrase = '') {
    this.root = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic, passphrase));
  }
  key(path: readonly number[]): { priv: Uint8Array; publicKey: Uint8Array; address: string } {
    let k = this.root;
    for (const i of path) k = k.deriveChild(i >>> 0);
    const priv = k.privateKey!;
    const address = addressOfPrivateKey(priv);
    return { priv, publicKey: k.publicKey!, address };
  }
}
