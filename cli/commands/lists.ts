// `clef list-accounts` and `clef list-wallets` (cli.md §5.7–5.8): the keystore's accounts sorted by URL. Key files
// that lack an `address` member are not silently skipped: a warning names them and the command that fixes them.
// With --json the lists print in the shape of the UI API's clef_listAccounts / clef_listWallets results (logs then
// go to stderr, as they do whenever stdout is not a terminal).
import { statSync } from 'node:fs';
import { toChecksumAddress } from '../../core/bytes.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Account, KeyFileEntry } from '../../core/ports.ts';
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

interface WalletLine {
  url: string;
  status: string;
  failure: string;
  accounts: Account[];
}

/** Attached hardware wallets, opened (accounts derived); none with --nousb or without a usable USB bus. */
async function devices(ctx: CliContext): Promise<WalletLine[]> {
  if (ctx.options.nousb) return [];
  const { UsbWallets } = await import('../../adapters/usb/usb-wallets.ts');
  const usb = new UsbWallets(ctx.logger);
  try {
    return (await usb.wallets()).map((w) => ({ url: w.url, status: w.status(), failure: w.failure(), accounts: w.accounts() }));
  } catch (e) {
    ctx.logger.debug('USB hardware wallets unavailable', { err: errorMessage(e) });
    return [];
  } finally {
    usb.close();
  }
}

const byUrl = <T extends { url: string }>(a: T, b: T) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0);

/**
 * list-accounts: `<checksummed address> (<url>)` per account of every wallet (keystore and hardware);
 * --json: `[{"address","url"}…]` (lowercase address).
 */
export async function runAccounts(ctx: CliContext): Promise<void> {
  rejectExtraArgs(ctx.args, 0);
  await ctx.initialize();
  const accounts: Account[] = (await scan(ctx)).map((a) => ({ address: a.address, url: a.url }));
  for (const w of await devices(ctx)) accounts.push(...w.accounts);
  accounts.sort(byUrl);
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
 * list-wallets: one keystore wallet per key file (status `Locked`, empty failure), then attached devices;
 * --json: `[{"url","status","accounts":[{"address","url"}]}…]` (plus `failure` where a device has one).
 */
export async function runWallets(ctx: CliContext): Promise<void> {
  rejectExtraArgs(ctx.args, 0);
  await ctx.initialize();
  const wallets: WalletLine[] = (await scan(ctx)).map((a) => ({ url: a.url, status: 'Locked', failure: '', accounts: [{ address: a.address, url: a.url }] }));
  wallets.push(...(await devices(ctx)));
  wallets.sort(byUrl);
  if (ctx.options.json) {
    const json = wallets.map((w) => ({ url: w.url, status: w.status, ...(w.failure ? { failure: w.failure } : {}), accounts: w.accounts }));
    ctx.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  let out = wallets.length === 0 ? '\nThere are no wallets.\n' : '';
  out += '\n';
  wallets.forEach((w, i) => {
    out += `- Wallet ${i} at ${w.url} (${w.status} ${w.failure})\n`;
    w.accounts.forEach((a, j) => { out += `  -Account ${j}: ${toChecksumAddress(a.address)} (${a.url})\n`; });
    out += '\n';
  });
  ctx.stdout(out);
}
