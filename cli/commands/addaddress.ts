// `clef addaddress <keyfile>` (new): key files written without an `address` member (Foundry's cast writes them)
// are invisible to geth's scanner. This asks the file's password, decrypts it to learn the address and records
// it in the file (atomically, every other byte unchanged), so clef and geth can use the key.
import { resolve } from 'node:path';
import { toChecksumAddress, wipe } from '../../core/bytes.ts';
import { errorMessage } from '../../core/errors.ts';
import { decryptKeyFile, looksLikeUnaddressedKeyFile, scanAddress } from '../../core/keyfile.ts';
import { addressOfPrivateKey } from '../../core/secp256k1.ts';
import { READ_LIMITS, readTextBounded } from '../../adapters/fs/bounded-read.ts';
import { ConsoleUI } from '../../adapters/ui/console.ts';
import type { CliContext } from '../context.ts';
import { passwordFromFile } from '../secrets.ts';
import { openKeystore } from './common.ts';

export async function run(ctx: CliContext): Promise<void> {
  if (ctx.args.length !== 1) throw new Error('<keyfile> must be given as first argument');
  await ctx.initialize();
  const path = resolve(ctx.args[0]);
  const text = await readTextBounded(ctx.args[0], READ_LIMITS.secret, 'key file');
  const present = scanAddress(text);
  if (present !== null) {
    // Nothing to do: running the command twice is harmless.
    ctx.stdout(`Key file ${path} already has address ${toChecksumAddress(present)}\n`);
    return;
  }
  if (!looksLikeUnaddressedKeyFile(text)) throw new Error(`${path} is not a key file (no "crypto" object found)`);

  let password: string;
  if (ctx.options.password !== null) password = await passwordFromFile(ctx.options.password);
  else {
    const ui = new ConsoleUI(ctx.terminal, { logger: ctx.logger, identicons: false });
    try {
      ({ text: password } = await ui.onInputRequired({
        title: 'Password',
        prompt: `Please enter the password for the key file ${path}`,
        isPassword: true,
      }));
    } catch (err) {
      throw new Error(`Failed to read password: ${errorMessage(err)}`);
    }
  }
  const priv = await ctx.terminal.withProgress('Decrypting key file', decryptKeyFile(text, password, ctx.kdf));
  const address = addressOfPrivateKey(priv);
  wipe(priv);

  const keystore = openKeystore(ctx);
  try {
    const entry = await keystore.setAddress(path, address);
    const checksummed = toChecksumAddress(entry.address);
    ctx.logger.info('Key file address added', { address: checksummed, path: entry.path });
    ctx.stdout(`Added address ${checksummed} to ${entry.path}\n`);
  } finally {
    keystore.close();
  }
}
