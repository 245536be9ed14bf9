// `clef newaccount` (cli.md §5.5): up to three password attempts through the console UI (no confirmation), then a
// fresh key written to the keystore with geth's write-verify-rename. `--password FILE` gives the password instead
// (one attempt: the file will not change between attempts).
import { toChecksumAddress, wipe, type Address } from '../../core/bytes.ts';
import { errorMessage } from '../../core/errors.ts';
import { decryptKeyFile, encryptKeyFile } from '../../core/keyfile.ts';
import { validatePasswordFormat } from '../../core/password.ts';
import { addressOfPrivateKey, privateKeyError } from '../../core/secp256k1.ts';
import { ConsoleUI } from '../../adapters/ui/console.ts';
import type { KeyFileEntry } from '../../core/ports.ts';
import type { DirKeyStore } from '../../adapters/keystore/dir-keystore.ts';
import type { CliContext } from '../context.ts';
import { passwordFromFile } from '../secrets.ts';
import { openKeystore } from './common.ts';

const ATTEMPTS = 3;

/** A uniformly random valid secp256k1 private key. */
function generateKey(ctx: CliContext): Uint8Array {
  for (;;) {
    const priv = ctx.random.bytes(32);
    if (priv.length === 32 && privateKeyError(priv) === null) return priv;
    wipe(priv);
  }
}

/** Encrypts `priv` and writes it, verifying the temporary file decrypts to the same account (geth's storeNewKey). */
export async function storeNewKey(ctx: CliContext, keystore: DirKeyStore, priv: Uint8Array, password: string): Promise<KeyFileEntry> {
  const address: Address = addressOfPrivateKey(priv);
  const json = await ctx.terminal.withProgress('Encrypting key', encryptKeyFile(priv, password, ctx.scrypt, ctx.kdf, ctx.random));
  return keystore.write(address, json, async (text) => {
    wipe(await ctx.terminal.withProgress('Verifying key file', decryptKeyFile(text, password, ctx.kdf, address)));
  });
}

export async function run(ctx: CliContext): Promise<void> {
  await ctx.initialize();
  const keystore = openKeystore(ctx);
  ctx.logger.info('Starting clef', { keystore: ctx.options.keystore, 'light-kdf': ctx.options.lightkdf });
  const ui = new ConsoleUI(ctx.terminal, { logger: ctx.logger, identicons: false });
  const fromFile = ctx.options.password !== null ? await passwordFromFile(ctx.options.password) : null;
  try {
    for (let i = 0; i < (fromFile !== null ? 1 : ATTEMPTS); i++) {
      let password: string;
      if (fromFile !== null) password = fromFile;
      else {
        try {
          ({ text: password } = await ui.onInputRequired({
            title: 'New account password',
            prompt: `Please enter a password for the new account to be created (attempt ${i} of ${ATTEMPTS})`,
            isPassword: true,
          }));
        } catch (err) {
          ctx.logger.warn('error obtaining password', { attempt: i, error: errorMessage(err) });
          continue;
        }
      }
      const problem = validatePasswordFormat(password);
      if (problem) {
        ui.showError(`Account creation attempt #${i + 1} failed due to password requirements: ${problem}`);
        continue;
      }
      const priv = generateKey(ctx);
      let entry: KeyFileEntry;
      try {
        entry = await storeNewKey(ctx, keystore, priv, password);
      } finally {
        wipe(priv);
      }
      const checksummed = toChecksumAddress(entry.address);
      ctx.logger.info('Your new key was generated', { address: checksummed });
      ctx.logger.warn('Please backup your key file!', { path: entry.path });
      ctx.logger.warn('Please remember your password!');
      ctx.stdout(`Generated account ${checksummed}\n`);
      return;
    }
  } finally {
    keystore.close();
  }
  throw new Error('account creation failed');
}
