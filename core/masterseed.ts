// masterseed.json (vault-and-keystore.md §2): the 256-byte clef seed encrypted like a v3 key file's `crypto`
// object and wrapped as `{"description":"Clef seed","version":1,"params":{…}}`. Pure: no file access here.
import { goField, isJsonObject, type JsonObject } from './gojson.ts';
import { decryptSecret, encryptSecret } from './secret-storage.ts';
import type { ScryptParams } from './secret-storage.ts';
import type { Kdf, Random } from './ports.ts';

/** Standard scrypt cost of `init` (N = 2^18, p = 1; r = 8). */
export const STANDARD_SCRYPT: ScryptParams = Object.freeze({ n: 262144, p: 1 });
/** `--lightkdf` scrypt cost (N = 2^12, p = 6; r = 8). */
export const LIGHT_SCRYPT: ScryptParams = Object.freeze({ n: 4096, p: 6 });

/** Length `init` draws from the CSPRNG; shorter decrypted seeds are refused. */
export const MASTER_SEED_LENGTH = 256;

/** The one error text for every parse or decryption failure (clef hides which step failed). */
export const ERR_MASTER_SEED_DECRYPT = 'failed to decrypt the master seed of clef';

/** Encrypts `seed` into the exact text of masterseed.json (no trailing newline; 866/868 bytes for 256-byte seeds). */
export async function encryptMasterSeed(
  seed: Uint8Array,
  password: string,
  params: ScryptParams,
  kdf: Kdf,
  random: Random,
): Promise<string> {
  const crypto = await encryptSecret(seed, password, params, kdf, random);
  return JSON.stringify({ description: 'Clef seed', version: 1, params: crypto });
}

/** A decrypted master seed, plus the warning clef logs for a version other than 1. */
export interface DecryptedMasterSeed {
  seed: Uint8Array;
  warning?: string;
}

/** Error of decryptMasterSeed; `warning` carries the version warning to log even when decryption failed. */
export class MasterSeedError extends Error {
  readonly warning?: string;
  constructor(message: string, warning?: string) {
    super(message);
    this.name = 'MasterSeedError';
    if (warning !== undefined) this.warning = warning;
  }
}

interface SeedFile {
  version: number;
  params: unknown;
}

/** Go struct-field lookup (goField): case-insensitive, last match wins. */
function member(obj: Record<string, unknown>, name: string): unknown {
  return goField(obj as JsonObject, name);
}

/** Decodes the wrapper like Go's json.Unmarshal into {description string; version int; params CryptoJSON}. */
function parseSeedFile(text: string): SeedFile | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null) return { version: 0, params: null }; // Go: null into a struct is a no-op
  if (!isJsonObject(v)) return null;
  const description = member(v, 'description');
  if (description !== undefined && description !== null && typeof description !== 'string') return null;
  const version = member(v, 'version');
  if (version !== undefined && version !== null) {
    if (typeof version !== 'number' || !Number.isInteger(version) || Math.abs(version) > 2 ** 63) return null;
  }
  const params = member(v, 'params');
  if (params !== undefined && params !== null && !isJsonObject(params)) return null;
  return { version: typeof version === 'number' ? version : 0, params: params ?? null };
}

/** The warning clef logs before decrypting when `version` is not 1 (undefined otherwise or when unparsable). */
export function masterSeedWarning(text: string): string | undefined {
  const file = parseSeedFile(text);
  if (!file || file.version === 1) return undefined;
  return `unsupported encryption format of seed: ${file.version}, operation will likely fail`;
}

/** True when `text` decodes as a clef seed file (a JSON object whose `params` looks like a `crypto` object). */
export function isMasterSeedText(text: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isJsonObject(v) || parseSeedFile(text) === null) return false;
  const params = member(v, 'params');
  return isJsonObject(params) && typeof member(params, 'ciphertext') === 'string' && typeof member(params, 'kdf') === 'string';
}

/**
 * Decrypts masterseed.json text (§2.4). Every parse/decrypt failure is `failed to decrypt the master seed of
 * clef`; a seed under 256 bytes is refused with clef's message.
 */
export async function decryptMasterSeed(text: string, password: string, kdf: Kdf): Promise<DecryptedMasterSeed> {
  const file = parseSeedFile(text);
  if (!file) throw new MasterSeedError(ERR_MASTER_SEED_DECRYPT);
  const warning = masterSeedWarning(text);
  let seed: Uint8Array;
  try {
    seed = await decryptSecret(file.params, password, kdf);
  } catch {
    throw new MasterSeedError(ERR_MASTER_SEED_DECRYPT, warning);
  }
  if (seed.length < MASTER_SEED_LENGTH) {
    throw new MasterSeedError(`master seed of insufficient length, expected >255 bytes, got ${seed.length}`, warning);
  }
  return warning === undefined ? { seed } : { seed, warning };
}
