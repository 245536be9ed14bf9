// `clef newaccount` (cli.md §5.5): up to three password attempts through the console UI (no confirmation), then a
// fresh key written to the keystore with geth's write-verify-rename. `--password FILE` gives the password instead
// (one attempt: the file will not change between attempts).
import { toChecksumAddress } from '../../core/bytes.ts';
import { createAccount, type KeyWriter } from '../../core/accounts.ts';
import { ConsoleUI } from '../../adapters/ui/console.ts';
import type { Kdf } from '../../core/ports.ts';
import type { DirKeyStore } from '../../adapters/keystore/dir-keystore.ts';
import type { CliContext } from '../context.ts';
import { passwordFromFile } from '../secrets.ts';
import { openKeystore, rejectExtraArgs } from './common.ts';

/** The key writer of the commands: the keystore, and a scrypt that shows progress on a terminal. */
export function commandKeyWriter(ctx: CliContext, keystore: DirKeyStore): KeyWriter {
  const kdf: Kdf = {
    scrypt: (...args) => ctx.terminal.withProgress('Running scrypt', ctx.kdf.scrypt(...args)),
    pbkdf2Sha256: (...args) => ctx.kdf.pbkdf2Sha256(...args),
  };
  return { keystore, kdf, random: ctx.random, params: ctx.scrypt };
}

export async function run(ctx: CliContext): Promise<void> {
  rejectExtraArgs(ctx.args, 0);
  await ctx.initialize();
  const keystore = openKeystore(ctx);
  ctx.logger.info('Starting clef', { keystore: ctx.options.keystore, 'light-kdf': ctx.options.lightkdf });
  const ui = new ConsoleUI(ctx.terminal, { logger: ctx.logger, identicons: false });
  try {
    let entry: Awaited<ReturnType<typeof createAccount>>;
    if (ctx.options.password !== null) {
      // One attempt: the file will not change between attempts.
      const fromFile = await passwordFromFile(ctx.options.password);
      const filePassword = { onInputRequired: async () => ({ text: fromFile }), showError: (t: string) => ui.showError(t) };
      entry = await createAccount(commandKeyWriter(ctx, keystore), filePassword, ctx.logger, 1);
    } else {
      entry = await createAccount(commandKeyWriter(ctx, keystore), ui, ctx.logger);
    }
    ctx.logger.warn('Please backup your key file!', { path: entry.path });
    ctx.logger.warn('Please remember your password!');
    ctx.stdout(`Generated account ${toChecksumAddress(entry.address)}\n`);
  } finally {
    keystore.close();
  }
}
