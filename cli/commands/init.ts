// `clef init` (cli.md §5.1): create <configdir>/masterseed.json from 256 random bytes, locked with a password
// that passes clef's format rule. Refuses to overwrite an existing seed (checked before asking and again before
// writing). The password comes from the terminal (two lines when piped) or from a --signersecret password file.
import type { Stats } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FatalError, errorMessage } from '../../core/errors.ts';
import { encryptMasterSeed, isMasterSeedText, MASTER_SEED_LENGTH } from '../../core/masterseed.ts';
import { validatePasswordFormat } from '../../core/password.ts';
import { GoOsError, goOsError, hasCode } from '../../adapters/fs/atomic.ts';
import { writeMasterSeedFile } from '../../adapters/vault/masterseed-file.ts';
import { FileTooLargeError, READ_LIMITS, readTextBounded } from '../../adapters/fs/bounded-read.ts';
import type { CliContext } from '../context.ts';
import { askPassword, passwordLines, warnIfExposed } from '../secrets.ts';

const PASSWORD_HEADING = 'The master seed of clef will be locked with a password.\nPlease specify a password. Do not forget this password!';

const REMINDER = `
This is required to be able to store credentials, such as:
* Passwords for keystores (used by rule engine)
* Storage for JavaScript auto-signing rules
* Hash of JavaScript rule-file

You should treat 'masterseed.json' with utmost secrecy and make a backup of it!
* The password is necessary but not enough, you need to back up the master seed too!
* The master seed does not contain your accounts, those need to be backed up separately!

`;

/** Single-level mkdir with mode 0700; an existing directory is fine (Go's os.Mkdir + IsExist). */
async function mkdirConfig(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if (hasCode(err, 'EEXIST')) return;
    throw goOsError(err, 'mkdir', dir);
  }
}

/**
 * Fails early, as clef's first mkdir would, when the configdir cannot be created (missing parent), but creates
 * nothing yet: a run that fails before the seed is written leaves the disk untouched.
 */
async function checkConfigDir(dir: string): Promise<void> {
  if (dir === '') throw new GoOsError('mkdir', dir, 'no such file or directory', 'ENOENT');
  try {
    await stat(dir);
    return; // exists (a non-directory fails later, at the write, as in clef)
  } catch (err) {
    if (!hasCode(err, 'ENOENT')) throw goOsError(err, 'mkdir', dir);
  }
  let parent: Stats;
  try {
    parent = await stat(dirname(dir));
  } catch (err) {
    throw goOsError(err, 'mkdir', dir);
  }
  if (!parent.isDirectory()) throw new GoOsError('mkdir', dir, 'not a directory', 'ENOTDIR');
}

async function refuseExisting(location: string): Promise<void> {
  let exists = true;
  try {
    await stat(location);
  } catch {
    exists = false;
  }
  if (exists) throw new Error(`master key ${location} already exists, will not overwrite`);
}

/** A master password from a `--signersecret` password file (an extension: clef ignored the flag here). */
async function passwordFromSignerSecret(ctx: CliContext): Promise<string | null> {
  const file = ctx.options.signersecret;
  if (file === null) return null;
  let text: string;
  try {
    text = await readTextBounded(file, READ_LIMITS.secret, '--signersecret file');
  } catch (err) {
    if (err instanceof FileTooLargeError) throw new FatalError(err.message);
    return null; // clef ignores --signersecret in init; so do we unless it is a readable password file
  }
  if (isMasterSeedText(text)) return null;
  ctx.logger.info('Using --signersecret as the master password file', { file });
  await warnIfExposed(file, ctx.logger);
  const password = passwordLines(text)[0];
  const problem = validatePasswordFormat(password);
  if (problem) throw new FatalError(`invalid password: ${problem}`);
  return password;
}

export async function run(ctx: CliContext): Promise<void> {
  await ctx.initialize();
  const configDir = ctx.options.configdir;
  await checkConfigDir(configDir);
  const location = join(configDir, 'masterseed.json');
  await refuseExisting(location);

  const seed = ctx.random.bytes(MASTER_SEED_LENGTH);
  try {
    if (seed.length < MASTER_SEED_LENGTH) throw new Error('failed to read enough random');
    let password = await passwordFromSignerSecret(ctx);
    while (password === null) {
      const candidate = await askPassword(ctx.terminal, PASSWORD_HEADING, true);
      const problem = validatePasswordFormat(candidate);
      if (problem) {
        ctx.stdout(`invalid password: ${problem}\n`);
        continue;
      }
      ctx.stdout('\n');
      password = candidate;
    }
    let text: string;
    try {
      text = await ctx.terminal.withProgress('Encrypting master seed', encryptMasterSeed(seed, password, ctx.scrypt, ctx.kdf, ctx.random));
    } catch (err) {
      throw new Error(`failed to encrypt master seed: ${errorMessage(err)}`);
    }
    // Create the directory now, and check again: something may have written the seed while we waited.
    await mkdirConfig(configDir);
    await refuseExisting(location);
    await writeMasterSeedFile(location, text);
  } finally {
    seed.fill(0);
  }
  ctx.stdout(`A master seed has been generated into ${location}\n`);
  ctx.stdout(REMINDER);
}
