// Creating keystore accounts, shared by account_new, clef_new/clef_importRawKey/clef_import and the newaccount /
// importraw commands: key generation, encryption, geth's write-verify-rename, and clef's three password attempts.
import { toChecksumAddress, wipe } from './bytes.ts';
import { SignerError } from './errors.ts';
import { decryptKeyFile, encryptKeyFile } from './keyfile.ts';
import { validatePasswordFormat } from './password.ts';
import type { Approver, Kdf, KeyFileEntry, KeyStore, Logger, Random } from './ports.ts';
import { addressOfPrivateKey, privateKeyError } from './secp256k1.ts';

/** What writing a key file needs. */
export interface KeyWriter {
  keystore: KeyStore;
  kdf: Kdf;
  random: Random;
  /** scrypt cost of new files (standard, or light with --lightkdf). */
  params: { n: number; p: number };
}

/** A uniformly random valid secp256k1 private key (the caller wipes it). */
function freshPrivateKey(random: Random): Uint8Array {
  for (;;) {
    const priv = random.bytes(32);
    if (priv.length === 32 && privateKeyError(priv) === null) return priv;
    wipe(priv);
  }
}

/** Encrypts `priv` into a new key file, verified by decrypting the temporary file before the rename. */
export async function storeKey(w: KeyWriter, priv: Uint8Array, password: string): Promise<KeyFileEntry> {
  const address = addressOfPrivateKey(priv);
  const json = await encryptKeyFile(priv, password, w.params, w.kdf, w.random);
  return w.keystore.write(address, json, async (text) => {
    wipe(await decryptKeyFile(text, password, w.kdf, address));
  });
}

/**
 * clef's account creation: up to `attempts` password requests (`New account password`, zero-based attempt in the
 * prompt), each checked against the password rule (failures shown through `showError`), then a fresh key stored.
 * Throws `account creation failed` when no attempt produced a valid password.
 */
export async function createAccount(
  w: KeyWriter,
  ui: Pick<Approver, 'onInputRequired' | 'showError'>,
  logger: Logger,
  attempts = 3,
): Promise<KeyFileEntry> {
  for (let i = 0; i < attempts; i++) {
    let password: string;
    try {
      ({ text: password } = await ui.onInputRequired({
        title: 'New account password',
        prompt: `Please enter a password for the new account to be created (attempt ${i} of ${attempts})`,
        isPassword: true,
      }));
    } catch {
      logger.warn('error obtaining password', { attempt: i });
      continue;
    }
    const problem = validatePasswordFormat(password);
    if (problem) {
      ui.showError(`Account creation attempt #${i + 1} failed due to password requirements: ${problem}`);
      continue;
    }
    const priv = freshPrivateKey(w.random);
    try {
      const entry = await storeKey(w, priv, password);
      logger.info('Your new key was generated', { address: toChecksumAddress(entry.address) });
      return entry;
    } finally {
      wipe(priv);
    }
  }
  throw new SignerError('account creation failed');
}
