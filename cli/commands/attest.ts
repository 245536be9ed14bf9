// `clef attest <sha256sum>` (cli.md §5.2): store the rule file's hash, verbatim, as `ruleset_sha256` in the
// vault's config.json.
import { FatalError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { prepareSeedOrFatal, storeOrFatal, unlockOrFatal } from './common.ts';

export async function run(ctx: CliContext): Promise<void> {
  if (ctx.args.length < 1) throw new FatalError('This command requires an argument.');
  await ctx.initialize();
  const hash = ctx.args[0];
  const vault = await unlockOrFatal(ctx, await prepareSeedOrFatal(ctx));
  await storeOrFatal(() => vault.config.put('ruleset_sha256', hash));
  ctx.logger.info('Ruleset attestation updated', { sha256: hash });
}
