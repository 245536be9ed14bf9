// The 4byte database's files: the writable custom map (--4bytedb-custom, default ./4byte-custom.json, rewritten
// compact with mode 0600 when a caller teaches a verified selector) and an optional extra database (--4bytedb),
// consulted before the embedded full database (adapters/fourbyte/embedded-db.ts).
import { readFile } from 'node:fs/promises';
import { FourByteDb, type LazySelectorTable } from '../../core/fourbyte.ts';
import { FatalError, errorMessage } from '../../core/errors.ts';
import type { FourByteCustomStore, Logger } from '../../core/ports.ts';
import { writeFileAtomic, hasCode } from '../fs/atomic.ts';
import { embeddedFourByteTable } from './embedded-db.ts';

/** Persists the custom map atomically (clef truncated and rewrote the file in place). */
class FourByteCustomFile implements FourByteCustomStore {
  constructor(private readonly path: string) {}
  async save(entries: Record<string, string>): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(entries), 0o600, { keepMode: true });
  }
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return null;
    throw new FatalError(errorMessage(e));
  }
}

/**
 * Loads the optional extra file and the custom map over the embedded database (decoded on first lookup);
 * invalid JSON is fatal, as in clef. `packed` null = the well-known set only (tests).
 */
export async function loadFourByteDb(
  customPath: string,
  extraPath: string | null,
  logger?: Logger,
  packed: LazySelectorTable | null = embeddedFourByteTable,
): Promise<FourByteDb> {
  let custom: Record<string, string> = {};
  const customText = await readOptional(customPath);
  if (customText !== null) {
    try {
      const parsed: unknown = JSON.parse(customText);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) custom = parsed as Record<string, string>;
      else if (parsed !== null) throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type map[string]string`);
    } catch (e) {
      throw new FatalError(errorMessage(e));
    }
  }
  const opts = {
    custom,
    store: new FourByteCustomFile(customPath),
    onPersistError: (e: unknown) => logger?.warn('Failed to save 4byte database', { file: customPath, err: errorMessage(e) }),
  };
  let extra: string | null = null;
  if (extraPath) {
    extra = await readOptional(extraPath);
    if (extra === null) throw new FatalError(`4byte database ${extraPath} not found`);
  }
  let db: FourByteDb;
  try {
    if (packed !== null) db = FourByteDb.withPacked(packed, opts, extra);
    else db = extra === null ? FourByteDb.builtin(opts) : FourByteDb.fromJson(extra, opts);
  } catch (e) {
    throw new FatalError(`4byte database ${extraPath}: ${errorMessage(e)}`);
  }
  if (db.dropped > 0) logger?.warn('Dropped unverifiable 4byte entries', { file: extraPath, count: db.dropped });
  return db;
}
