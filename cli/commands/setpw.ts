// `clef setpw <address>` and `clef delpw <address>` (cli.md §5.3–5.4): store or remove a keystore password in
// the vault's credentials.json, keyed by the checksummed address. The seed file is checked before any prompt;
// setpw warns when the password does not open the account's key file (in the --keystore given before `setpw`).
import { FatalError, errorMessage } from '../../core/errors.ts';
import { toChecksumAddress, wipe, type Address } from '../../core/bytes.ts';
import { decryptKeyFile } from '../../core/keyfile.ts';
import type { CliContext } from '../context.ts';
import { accountPassword, openKeystore, parseHexAddress, prepareSeedOrFatal, rejectExtraArgs, storeOrFatal, unlockOrFatal } from './common.ts';

function addressArgument(ctx: CliContext): string {
  const addr = parseHexAddress(ctx.args[0]);
  if (!addr) throw new FatalError(`Invalid address specified: ${ctx.args[0]}`);
  return toChecksumAddress(addr);
}

/**
 * clef stored any password unchecked; a typo surfaced only when the first block needed a signature. Warn now when
 * the password does not decrypt the account's key file (or there is none): the password is still stored, as in
 * clef, since the key file may live elsewhere or arrive later.
 */
async function checkAgainstKeyFile(ctx: CliContext, address: string, password: string): Promise<void> {
  const keystore = openKeystore(ctx);
  try {
    let entry: Awaited<ReturnType<typeof keystore.find>>;
    try {
      entry = await keystore.find(address.toLowerCase() as Address);
    } catch (err) {
      ctx.logger.warn('No usable key file for this address in the keystore; the password is not checked', {
        address,
        keystore: keystore.dir,
        err: errorMessage(err),
      });
      return;
    }
    try {
      const text = await keystore.read(entry.path);
      wipe(await ctx.terminal.withProgress('Checking the password', decryptKeyFile(text, password, ctx.kdf, entry.address)));
    } catch (err) {
      ctx.logger.warn('The password does not decrypt the key file of this address: signing with it will fail', {
        address,
        path: entry.path,
        err: errorMessage(err),
      });
    }
  } finally {
    keystore.close();
  }
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
  // After clef's prompts and output, so a script driving them sees the same sequence.
  await checkAgainstKeyFile(ctx, address, password);
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
    throw new FatalError(`Failed to read the vault: ${errorMessage(err)}`);
  }
  if (!stored.includes(address)) throw new FatalError(`No password stored for ${address}`);
  await storeOrFatal(() => vault.credentials.del(address));
  ctx.logger.info('Credential store updated', { unset: address });
}
