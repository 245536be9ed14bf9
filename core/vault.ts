// Names and keys derived from the decrypted master seed (vault-and-keystore.md §3). The password plays no part.
import { concatBytes, keccak256, toHexRaw, utf8 } from './bytes.ts';

/** The vault directory name and the three AES-256 store keys of one seed. */
export interface VaultKeys {
  /** `hex(Keccak256("vault" ‖ S)[0:10])`, 20 lowercase hex characters. */
  name: string;
  /** Key of credentials.json: `Keccak256("credentials" ‖ S)`. */
  credentialsKey: Uint8Array;
  /** Key of jsstorage.json: `Keccak256("jsstorage" ‖ S)`. */
  jsStorageKey: Uint8Array;
  /** Key of config.json: `Keccak256("config" ‖ S)`. */
  configKey: Uint8Array;
}

function tagged(tag: string, seed: Uint8Array): Uint8Array {
  return keccak256(concatBytes(utf8(tag), seed));
}

/** Derives the vault name and store keys from the complete seed. */
export function deriveVault(seed: Uint8Array): VaultKeys {
  return {
    name: toHexRaw(tagged('vault', seed).subarray(0, 10)),
    credentialsKey: tagged('credentials', seed),
    jsStorageKey: tagged('jsstorage', seed),
    configKey: tagged('config', seed),
  };
}
