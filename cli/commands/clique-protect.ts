// `clef clique-protect show [<address>…]` / `clef clique-protect reset <address>` (new): the record kept by
// --clique-protect in the vault, for the rare rollback where a sealer must sign a lower height again.
import { toChecksumAddress, type Address } from '../../core/bytes.ts';
import { CliqueGuard } from '../../core/clique-guard.ts';
import { FatalError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { openKeystore, parseHexAddress, prepareSeedOrFatal, storeOrFatal, unlockOrFatal } from './common.ts';

const USAGE = 'usage: clef clique-protect show [<address>…] | clef clique-protect reset <address>';

function addressesOf(args: readonly string[]): Address[] {
  return args.map((a) => {
    const addr = parseHexAddress(a);
    if (!addr) throw new FatalError(`Invalid address specified: ${a}`);
    return addr;
  });
}

export async function run(ctx: CliContext): Promise<void> {
  const [action, ...rest] = ctx.args;
  if (action !== 'show' && action !== 'reset') throw new FatalError(USAGE);
  const targets = addressesOf(rest);
  if (action === 'reset' && targets.length !== 1) throw new FatalError(USAGE);
  await ctx.initialize();
  const vault = await unlockOrFatal(ctx, await prepareSeedOrFatal(ctx));
  const guard = new CliqueGuard(vault.config);
  if (action === 'reset') {
    const before = await guard.record(targets[0]);
    await storeOrFatal(() => guard.reset(targets[0]));
    ctx.logger.info('Clique protection record reset', {
      address: toChecksumAddress(targets[0]),
      was: before ? `${before.number} ${before.sealHash}` : 'none',
    });
    return;
  }
  const list = targets.length > 0 ? targets : [...new Set((await openKeystore(ctx).accounts()).map((a) => a.address))];
  if (list.length === 0) ctx.stdout('\nNo accounts given and the keystore is empty.\n');
  for (const a of list) {
    const r = await guard.record(a);
    ctx.stdout(`${toChecksumAddress(a)} ${r ? `last sealed height ${r.number} seal hash ${r.sealHash}` : 'never sealed under --clique-protect'}\n`);
  }
}
