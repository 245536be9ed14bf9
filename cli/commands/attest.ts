// `clef attest <sha256sum>` (cli.md §5.2): store the rule file's hash, verbatim, as `ruleset_sha256` in the
// vault's config.json. Only a 64-hex-digit hash is accepted (clef took any text).
import { FatalError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import { goQuote } from '../../core/gojson.ts';
import { prepareSeedOrFatal, rejectExtraArgs, storeOrFatal, unlockOrFatal } from './common.ts';

/**
 * The hash as the daemon compares it: 64 hex digits (an optional `0x` is dropped, upper case folded), else null.
 * clef stored any text, and a typo then silently disabled the rules at the next start.
 */
export function parseRulesetHash(arg: string): string | null {
  const body = /^0[xX]/.test(arg) ? arg.slice(2) : arg;
  return /^[0-9a-fA-F]{64}$/.test(body) ? body.toLowerCase() : null;
}

export async function run(ctx: CliContext): Promise<void> {
  if (ctx.args.length < 1) throw new FatalError('This command requires an argument.');
  rejectExtraArgs(ctx.args, 1);
  const hash = parseRulesetHash(ctx.args[0]);
  if (hash === null) {
    throw new FatalError(`Invalid sha256 hash specified: ${goQuote(ctx.args[0])} (want the 64 hex characters sha256sum prints)`);
  }
  await ctx.initialize();
  const vault = await unlockOrFatal(ctx, await prepareSeedOrFatal(ctx));
  await storeOrFatal(() => vault.config.put('ruleset_sha256', hash));
  ctx.logger.info('Ruleset attestation updated', { sha256: hash });
}
