// `clef list-accounts` and `clef list-wallets` (cli.md §5.7–5.8): the keystore's accounts sorted by URL. Key files
// that lack an `address` member are not silently skipped: a warning names them and the command that fixes them.
// With --json the lists print in the shape of the UI API's clef_listAccounts / clef_listWallets results (logs then
// go to stderr, as they do whenever stdout is not a terminal).
import { statSync } from 'node:fs';
import { toChecksumAddress } from '../../core/bytes.ts';
import type { KeyFileEntry } from '../../core/ports.ts';
import type { CliContext } from '../context.ts';
import { openKeystore, rejectExtraArgs } from './common.ts';

async function scan(ctx: CliContext): Promise<KeyFileEntry[]> {
  const keystore = openKeystore(ctx);
  try {
    if (!statSync(keystore.dir, { throwIfNoEntry: false })?.isDirectory()) {
      // clef just said the keystore is empty; a mistyped --keystore deserves a name.
      ctx.logger.warn('Keystore directory does not exist', { keystore: keystore.dir });
    }
    const accounts = await keystore.accounts();
    for (const f of await keystore.unaddressed()) {
      ctx.logger.warn("Key file has no address, run 'clef addaddress <file>' to use it", { path: f.path });
    }
    return accounts;
  } finally {
    keystore.close();
  }
}

/** list-accounts: `<checksummed address> (<url>)` per account; --json: `[{"address","url"}…]` (lowercase address). */
export async function runAccounts(ctx: CliContext): Promise<void> {
  rejectExtraArgs(ctx.args, 0);
  await ctx.initialize();
  const accounts = await scan(ctx);
  if (ctx.options.json) {
    ctx.stdout(`${JSON.stringify(accounts.map((a) => ({ address: a.address, url: a.url })), null, 2)}\n`);
    return;
  }
  let out = accounts.length === 0 ? '\nThe keystore is empty.\n' : '';
  out += '\n';
  for (const a of accounts) out += `${toChecksumAddress(a.address)} (${a.url})\n`;
  ctx.stdout(out);
}

/**
 * list-wallets: one keystore wallet per key file, status `Locked` and an empty failure;
 * --json: `[{"url","status","accounts":[{"address","url"}]}…]`.
 */
export async function runWallets(ctx: CliContext): Promise<void> {
  rejectExtraArgs(ctx.args, 0);
  await ctx.initialize();
  const accounts = await scan(ctx);
  if (ctx.options.json) {
    const wallets = accounts.map((a) => ({ url: a.url, status: 'Locked', accounts: [{ address: a.address, url: a.url }] }));
    ctx.stdout(`${JSON.stringify(wallets, null, 2)}\n`);
    return;
  }
  let out = accounts.length === 0 ? '\nThere are no wallets.\n' : '';
  out += '\n';
  accounts.forEach((a, i) => {
    out += `- Wallet ${i} at ${a.url} (Locked )\n`;
    out += `  -Account 0: ${toChecksumAddress(a.address)} (${a.url})\n\n`;
  });
  ctx.stdout(out);
}
