// `clef setpw <address>` and `clef delpw <address>` (cli.md §5.3–5.4): store or remove a keystore password in
// the vault's credentials.json, keyed by the checksummed address. The seed file is checked before any prompt.
import { toChecksumAddress } from '../../core/bytes.ts';
import { FatalError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { accountPassword, parseHexAddress, prepareSeedOrFatal, rejectExtraArgs, storeOrFatal, unlockOrFatal } from './common.ts';

function addressArgument(ctx: CliContext): string {
  const addr = parseHexAddress(ctx.args[0]);
  if (!addr) throw new FatalError(`Invalid address specified: ${ctx.args[0]}`);
  return toChecksumAddress(addr);
}

/** setpw: account password (twice, or from --password), then the master password. */
export async function run(ctx: CliContext): Promise<void> {
  if (ctx.args.length < 1) throw new FatalError('This command requires an address to be passed as an argument');
  rejectExtraArgs(ctx.args, 1);
  await ctx.initialize();
  const address = addressArgument(ctx);
  const prepared = await prepareSeedOrFatal(ctx);
  const password = await accountPassword(ctx, 'Please enter a password to store for this address:', true);
  ctx.stdout('\n');
  const vault = await unlockOrFatal(ctx, prepared);
  await storeOrFatal(() => vault.credentials.put(address, password));
  ctx.logger.info('Credential store updated', { set: address });
}

/** delpw: only the master password. */
export async function runDelete(ctx: CliContext): Promise<void> {
  if (ctx.args.length < 1) throw new FatalError('This command requires an address to be passed as an argument');
  rejectExtraArgs(ctx.args, 1);
  await ctx.initialize();
  const address = addressArgument(ctx);
  const vault = await unlockOrFatal(ctx, await prepareSeedOrFatal(ctx));
  // clef said "updated" for an address it had no password for; name the mistake instead.
  let stored: string[];
  try {
    stored = await vault.credentials.keys();
  } catch (err) {
    throw new FatalError(`Failed to read the vault: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!stored.includes(address)) throw new FatalError(`No password stored for ${address}`);
  await storeOrFatal(() => vault.credentials.del(address));
  ctx.logger.info('Credential store updated', { unset: address });
}
