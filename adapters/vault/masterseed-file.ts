// masterseed.json on disk (vault-and-keystore.md §2.3, cli.md §6): the permission check before every read,
// the write-once creation by `init`, and opening the vault directory of an unlocked seed.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { wipe } from '../../core/bytes.ts';
import type { Logger, Random, Vault } from '../../core/ports.ts';
import { deriveVault } from '../../core/vault.ts';
import { goFileModeString, goOsError, hasCode, writeFileAtomic } from '../fs/atomic.ts';
import { FileSecretStore } from './file-store.ts';

/** Mode of masterseed.json: owner-read only. */
const MASTER_SEED_FILE_MODE = 0o400;
/** Mode of the vault directory. */
const VAULT_DIR_MODE = 0o700;

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Reads a master-seed file after clef's checks: `failed stat on <file>: <os error>`, and (except on Windows)
 * `file (<file>) has insecure file permissions (<mode>)` when any bit of 0o377 is set.
 */
export async function readMasterSeedFile(path: string): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (e) {
    throw new Error(`failed stat on ${path}: ${goOsError(e, 'stat', path).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o377) !== 0) {
    throw new Error(`file (${path}) has insecure file permissions (${goFileModeString(mode)})`);
  }
  try {
    return utf8Decoder.decode(await readFile(path));
  } catch (e) {
    throw goOsError(e, hasCode(e, 'EISDIR') ? 'read' : 'open', path);
  }
}

/** The error `init` gives when the seed file is already there. */
function alreadyExists(path: string): Error {
  return new Error(`master key ${path} already exists, will not overwrite`);
}

/** Creates the seed file with mode 0400, atomically, never replacing an existing file (checked before and at publish). */
export async function writeMasterSeedFile(path: string, text: string): Promise<void> {
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) throw alreadyExists(path);
  try {
    await writeFileAtomic(path, text, MASTER_SEED_FILE_MODE, { noOverwrite: true });
  } catch (e) {
    if (hasCode(e, 'EEXIST')) throw alreadyExists(path);
    throw e;
  }
}

/** Options of openVault. */
export interface OpenVaultOptions {
  /** Nonce source for the stores (default: the OS CSPRNG). */
  random?: Random;
}

/**
 * Opens the vault of a decrypted seed: creates `<configdir>/<vault>` (0700, single level, existing is fine) and
 * returns its three stores. Errors read like Go's (`mkdir /x/<vault>: no such file or directory`).
 */
export async function openVault(configdir: string, seed: Uint8Array, logger?: Logger, options: OpenVaultOptions = {}): Promise<Vault> {
  const keys = deriveVault(seed);
  const dir = join(configdir, keys.name);
  try {
    await mkdir(dir, { mode: VAULT_DIR_MODE });
  } catch (e) {
    if (!hasCode(e, 'EEXIST')) throw goOsError(e, 'mkdir', dir);
  }
  const opts = { logger, random: options.random };
  const stores = {
    credentials: new FileSecretStore(join(dir, 'credentials.json'), keys.credentialsKey, opts),
    config: new FileSecretStore(join(dir, 'config.json'), keys.configKey, opts),
    jsStorage: new FileSecretStore(join(dir, 'jsstorage.json'), keys.jsStorageKey, opts),
  };
  wipe(keys.credentialsKey); // the stores keep their own copies
  wipe(keys.configKey);
  wipe(keys.jsStorageKey);
  // A writer killed mid-write leaves `.credentials.json.tmpN` and the like: clear them (never other files).
  for (const store of Object.values(stores)) {
    const removed = await store.removeLeftoverTemps().catch(() => [] as string[]);
    for (const file of removed) logger?.info('Removed a temp file left by an interrupted write', { file });
  }
  return { name: keys.name, ...stores };
}
