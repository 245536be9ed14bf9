// Helpers shared by the provisioning commands: the keystore they open, account passwords (--password file or
// terminal), clef's address check and the master-seed unlock with the command-line prompt.
import type { Address } from '../../core/bytes.ts';
import { FatalError, errorMessage } from '../../core/errors.ts';
import type { Vault } from '../../core/ports.ts';
import { DirKeyStore } from '../../adapters/keystore/dir-keystore.ts';
import type { CliContext } from '../context.ts';
import {
  askPassword,
  commandLineMasterPrompt,
  passwordFromFile,
  prepareMasterSeed,
  unlockPrepared,
  type PreparedMasterSeed,
} from '../secrets.ts';
import { join } from 'node:path';

/** The keystore at `--keystore` (made absolute), without a directory watcher: commands are short-lived. */
export function openKeystore(ctx: CliContext): DirKeyStore {
  return new DirKeyStore(ctx.options.keystore, { logger: ctx.logger, watch: false });
}

/** go-ethereum's common.IsHexAddress: 40 hex digits, optional `0x`/`0X` prefix, any case. */
export function parseHexAddress(s: string): Address | null {
  const body = /^0[xX]/.test(s) ? s.slice(2) : s;
  if (!/^[0-9a-fA-F]{40}$/.test(body)) return null;
  return `0x${body.toLowerCase()}` as Address;
}

/**
 * An account password: the first line of `--password FILE` when given (no confirmation then), else clef's
 * terminal prompt (`heading`, `Password: ` and with `confirm` `Repeat password: `).
 */
export async function accountPassword(ctx: CliContext, heading: string | null, confirm: boolean): Promise<string> {
  if (ctx.options.password !== null) return passwordFromFile(ctx.options.password);
  return askPassword(ctx.terminal, heading, confirm);
}

/** Locates and reads the master seed before anything is asked; any failure is `Fatal: <clef's message>`. */
export async function prepareSeedOrFatal(ctx: CliContext): Promise<PreparedMasterSeed> {
  try {
    return await prepareMasterSeed({ configdir: ctx.options.configdir, signersecret: ctx.options.signersecret, logger: ctx.logger });
  } catch (err) {
    if (err instanceof FatalError) throw err;
    // The configdir's seed is missing (not a mistyped --signersecret): say what creates it.
    const message = errorMessage(err);
    const noSeed = message.startsWith(`failed stat on ${join(ctx.options.configdir, 'masterseed.json')}:`);
    throw new FatalError(noSeed ? `${message} (run \`clef init\` first)` : message);
  }
}

/** Unlocks a prepared seed (prompting `Decrypt master seed of clef` unless a password file gave it) and opens its vault. */
export async function unlockOrFatal(ctx: CliContext, prepared: PreparedMasterSeed): Promise<Vault> {
  try {
    return await unlockPrepared(prepared, {
      configdir: ctx.options.configdir,
      signersecret: ctx.options.signersecret,
      logger: ctx.logger,
      kdf: ctx.kdf,
      ask: commandLineMasterPrompt(ctx.terminal),
      progress: (label, work) => ctx.terminal.withProgress(label, work),
    });
  } catch (err) {
    throw err instanceof FatalError ? err : new FatalError(errorMessage(err));
  }
}

/** Stores a value; clef only logged storage failures and reported success, we fail loudly instead. */
export async function storeOrFatal(what: () => Promise<void>): Promise<void> {
  try {
    await what();
  } catch (err) {
    throw new FatalError(`Failed to update the vault: ${errorMessage(err)}`);
  }
}


export { rejectExtraArgs } from '../args.ts';
