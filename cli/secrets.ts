// Where secrets come from: geth's `--password` file (one password per line), `--signersecret` (an encrypted master
// seed file, as clef's code meant, or a file holding the master password, as clef's tutorial used it — decided by
// content), and the terminal (clef's "ask + confirm" helper, one line per prompt when stdin is a pipe).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FatalError, errorMessage } from '../core/errors.ts';
import { decryptMasterSeed, isMasterSeedText, MasterSeedError } from '../core/masterseed.ts';
import { deriveVault } from '../core/vault.ts';
import type { Kdf, Logger, Vault } from '../core/ports.ts';
import { goFileModeString, goOsError } from '../adapters/fs/atomic.ts';
import { READ_LIMITS, readTextBounded } from '../adapters/fs/bounded-read.ts';
import { openVault, readMasterSeedFile } from '../adapters/vault/masterseed-file.ts';
import type { Terminal } from '../adapters/terminal/terminal.ts';

/** Lines of a password file as geth reads them: split on `\n`, a trailing `\r` dropped from each line. */
export function passwordLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r+$/, ''));
}

/** The first password of a `--password` file; `Fatal: Failed to read password file: <os error>` when unreadable. */
export async function passwordFromFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readTextBounded(path, READ_LIMITS.secret, 'password file');
  } catch (err) {
    throw new FatalError(`Failed to read password file: ${errorMessage(err)}`);
  }
  return passwordLines(text)[0];
}

/**
 * clef's GetPassPhrase: prints `heading` (if any), asks `Password: ` and, with `confirm`, `Repeat password: `.
 * Failures are clef's Fatal texts.
 */
export async function askPassword(terminal: Terminal, heading: string | null, confirm: boolean): Promise<string> {
  if (heading) terminal.write(`${heading}\n`);
  let password: string;
  try {
    password = await terminal.readPassword('Password: ');
  } catch (err) {
    throw new FatalError(`Failed to read password: ${errorMessage(err)}`);
  }
  if (confirm) {
    let again: string;
    try {
      again = await terminal.readPassword('Repeat password: ');
    } catch (err) {
      throw new FatalError(`Failed to read password confirmation: ${errorMessage(err)}`);
    }
    if (again !== password) throw new FatalError('Passwords do not match');
  }
  return password;
}

/** Where the master seed and its password come from. */
interface MasterSeedSource {
  /** The encrypted seed file to unlock. */
  seedPath: string;
  /** The master password from a `--signersecret` password file; null = ask. */
  password: string | null;
  /** How `--signersecret` was understood (none when not given). */
  signerSecret: 'none' | 'seed-file' | 'password-file';
}

/** Inputs of the master-seed helpers. */
export interface SeedSettings {
  configdir: string;
  signersecret: string | null;
  logger: Logger;
}

/**
 * Resolves `--signersecret` (cli.md §6 step 1): by its content an encrypted seed file (used instead of
 * `<configdir>/masterseed.json`) or a master-password file (first line; the seed stays in the configdir). Logs
 * which at INFO. An unreadable file fails as clef's stat check does: `failed stat on <file>: <os error>`.
 */
async function masterSeedSource(s: SeedSettings): Promise<MasterSeedSource> {
  const defaultSeed = join(s.configdir, 'masterseed.json');
  if (s.signersecret === null) return { seedPath: defaultSeed, password: null, signerSecret: 'none' };
  const file = s.signersecret;
  try {
    await stat(file);
  } catch (err) {
    throw new Error(`failed stat on ${file}: ${goOsError(err, 'stat', file).message}`);
  }
  const text = await readTextBounded(file, READ_LIMITS.secret, '--signersecret file');
  if (isMasterSeedText(text)) {
    s.logger.info('Using --signersecret as the encrypted master seed', { file });
    return { seedPath: file, password: null, signerSecret: 'seed-file' };
  }
  s.logger.info('Using --signersecret as the master password file', { file, seed: defaultSeed });
  await warnIfExposed(file, s.logger);
  return { seedPath: defaultSeed, password: passwordLines(text)[0], signerSecret: 'password-file' };
}

/**
 * The permission rule for a master-password file (decided here; clef only had one for the seed file, which must
 * be 0400): group or other access is warned about, not refused, since the password file is our extension and
 * scripts write it with the umask's mode. The warning names the fix.
 */
export async function warnIfExposed(file: string, logger: Logger, platform: string = process.platform): Promise<void> {
  if (platform === 'win32') return;
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch {
    return;
  }
  if ((mode & 0o077) !== 0) {
    logger.warn('Master password file is accessible to other users: restrict it with chmod 600', { file, mode: goFileModeString(mode) });
  }
}

/** A master seed located and read, its password possibly known: what remains is decryption. */
export interface PreparedMasterSeed extends MasterSeedSource {
  /** The text of the seed file (stat- and permission-checked). */
  seedText: string;
}

/**
 * Locates and reads the seed file (permission check of §6 step 3) before anything is asked, so a missing or
 * insecure seed fails before the user types a password.
 */
export async function prepareMasterSeed(s: SeedSettings): Promise<PreparedMasterSeed> {
  const source = await masterSeedSource(s);
  const seedText = await readMasterSeedFile(source.seedPath);
  return { ...source, seedText };
}

/** What unlocking needs beyond the settings. */
export interface UnlockTools extends SeedSettings {
  kdf: Kdf;
  /** Asks the master password (commands: `Decrypt master seed of clef` + `Password: `; daemon: UI request). */
  ask: () => Promise<string>;
  /** Wraps the scrypt run (a spinner on a TTY). */
  progress?: <T>(label: string, work: Promise<T>) => Promise<T>;
}

/** An unlocked vault as the daemon needs it: the rules engine also reads jsstorage.json synchronously, by path and key. */
export interface UnlockedVault {
  vault: Vault;
  storagePath: string;
  storageKey: Uint8Array;
}

/**
 * Decrypts a prepared seed and opens its vault (§6 steps 4–7). Errors carry clef's texts
 * (`failed to decrypt the master seed of clef`, `master seed of insufficient length, …`); the version warning is
 * logged first. The decrypted seed is wiped once the vault keys are derived.
 */
export async function unlockPreparedVault(prepared: PreparedMasterSeed, t: UnlockTools): Promise<UnlockedVault> {
  const password = prepared.password ?? (await t.ask());
  const work = decryptMasterSeed(prepared.seedText, password, t.kdf);
  let seed: Uint8Array;
  try {
    ({ seed } = await (t.progress ? t.progress('Decrypting master seed', work) : work).then((r) => {
      if (r.warning) t.logger.warn(r.warning);
      return r;
    }));
  } catch (err) {
    if (err instanceof MasterSeedError && err.warning) t.logger.warn(err.warning);
    throw err;
  }
  try {
    const vault = await openVault(t.configdir, seed, t.logger);
    return { vault, storagePath: join(t.configdir, vault.name, 'jsstorage.json'), storageKey: deriveVault(seed).jsStorageKey };
  } finally {
    seed.fill(0);
  }
}

/** unlockPreparedVault for the commands: only the vault (its stores keep their own keys). */
export async function unlockPrepared(prepared: PreparedMasterSeed, t: UnlockTools): Promise<Vault> {
  const { vault, storageKey } = await unlockPreparedVault(prepared, t);
  storageKey.fill(0);
  return vault;
}

/** The command-line master-password prompt: `Decrypt master seed of clef`, `Password: `. */
export function commandLineMasterPrompt(terminal: Terminal): () => Promise<string> {
  return () => askPassword(terminal, 'Decrypt master seed of clef', false);
}
