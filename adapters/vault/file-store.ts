// One encrypted store file of the vault (credentials.json, config.json, jsstorage.json) with clef's semantics
// (vault-and-keystore.md §4.3), made crash-safe: every write replaces the file atomically, an unreadable or
// corrupt file is never overwritten, and every read-modify-write runs under an inter-process lock
// (`.<file>.lock`), reading the file fresh under it, so no process loses another's update.
import { readFile } from 'node:fs/promises';
import { decryptEntry, encryptEntry, ERR_AUTH, NONCE_LENGTH, parseStore, serializeStore, storeKey } from '../../core/kvstore.ts';
import type { StoreEntries } from '../../core/kvstore.ts';
import type { Logger, Random, SecretStore } from '../../core/ports.ts';
import { systemRandom } from '../crypto/system.ts';
import { goOsError, hasCode, removeLeftoverTemps, writeFileAtomic } from '../fs/atomic.ts';
import { lockPathFor, tryLock, withLock } from '../fs/lock.ts';
import { errorMessage } from '../../core/errors.ts';

/** Store files are created owner-only; an existing file keeps its mode. */
const STORE_FILE_MODE = 0o600;

/** Options of FileSecretStore. */
export interface FileSecretStoreOptions {
  /** Receives clef's warnings (`Failed to read encrypted storage`, `Key does not exist`, …). */
  logger?: Logger;
  /** Source of the 12-byte GCM nonces (default: the OS CSPRNG). */
  random?: Random;
  /** Replaces the atomic file writer (tests use it to simulate a failing disk). */
  write?: (path: string, text: string) => Promise<void>;
  /** Longest wait for another process's lock before failing (default 10 s). */
  lockTimeoutMs?: number;
}

/** The store file exists but could not be read or decoded (the message is the OS or JSON reason). */
class StoreUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnreadableError';
  }
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true }); // Go does not strip a BOM either

/** SecretStore over one JSON store file, sealed with a 32-byte AES-256-GCM key. */
export class FileSecretStore implements SecretStore {
  readonly path: string;
  readonly #key: Uint8Array;
  readonly #logger?: Logger;
  readonly #random: Random;
  readonly #write: (path: string, text: string) => Promise<void>;
  readonly #lockTimeoutMs?: number;

  constructor(path: string, key: Uint8Array, options: FileSecretStoreOptions = {}) {
    if (key.length !== 32) throw new Error('store key must be 32 bytes');
    this.path = path;
    this.#key = key.slice();
    this.#logger = options.logger;
    this.#random = options.random ?? systemRandom;
    this.#write = options.write ?? ((p, text) => writeFileAtomic(p, text, STORE_FILE_MODE, { keepMode: true }));
    this.#lockTimeoutMs = options.lockTimeoutMs;
  }

  /**
   * Removes temp files a killed writer left (`.<file>.tmp<digits>`). Only while no one holds the store's lock —
   * every writer holds it while its temp file exists — so a live write is never disturbed; busy → skipped.
   */
  async removeLeftoverTemps(): Promise<string[]> {
    const lock = tryLock(lockPathFor(this.path));
    if (!('release' in lock)) return [];
    try {
      return await removeLeftoverTemps(this.path);
    } finally {
      lock.release();
    }
  }

  /** The plaintext stored under `key`; throws `0-length key`, `not found` or `cipher: message authentication failed`. */
  async get(key: string): Promise<string> {
    if (key.length === 0) throw new Error('0-length key');
    const entries = await this.#readForOperation();
    const name = storeKey(key);
    const entry = entries.get(name);
    if (!entry) {
      this.#logger?.warn('Key does not exist', { key: name });
      throw new Error('not found');
    }
    try {
      return decryptEntry(this.#key, name, entry);
    } catch {
      this.#logger?.warn('Failed to decrypt key', { key: name });
      throw new Error(ERR_AUTH);
    }
  }

  /** Stores `value` under `key` (an empty key is ignored, as in clef); rejects if the file is unreadable or the write fails. */
  put(key: string, value: string): Promise<void> {
    if (key.length === 0) return Promise.resolve();
    return this.#mutate((entries) => {
      const name = storeKey(key);
      entries.set(name, encryptEntry(this.#key, name, value, this.#random.bytes(NONCE_LENGTH)));
    });
  }

  /** Puts (a value; an empty key is ignored) and deletions (null) applied in order, with one read and one write. */
  update(changes: ReadonlyArray<readonly [key: string, value: string | null]>): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return this.#mutate((entries) => {
      for (const [key, value] of changes) {
        const name = storeKey(key);
        if (value === null) entries.delete(name);
        else if (key.length !== 0) entries.set(name, encryptEntry(this.#key, name, value, this.#random.bytes(NONCE_LENGTH)));
      }
    });
  }

  /** Entry names, from one read of the file (no per-key lookups, no warnings). */
  async keys(): Promise<string[]> {
    return [...(await this.#readForOperation()).keys()];
  }

  /** Removes `key` (absent is fine; a missing file is created as `{}`, as in clef). */
  del(key: string): Promise<void> {
    return this.#mutate((entries) => {
      entries.delete(storeKey(key));
    });
  }

  /** Runs read-modify-write under the store's inter-process lock, on a fresh read, so no update is lost. */
  #mutate(change: (entries: StoreEntries) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const entries = await this.#readForOperation().catch((e: unknown) => {
        // clef's Put/Del only log and return; we also fail loudly and, above all, never overwrite the file.
        const reason = errorMessage(e);
        throw new Error(`encrypted storage ${this.path} is unreadable, not overwriting it: ${reason}`);
      });
      change(entries);
      try {
        await this.#write(this.path, serializeStore(entries));
      } catch (e) {
        this.#logger?.warn('Failed to write entry', { err: e });
        throw e;
      }
    };
    return withLock(lockPathFor(this.path), run, { timeoutMs: this.#lockTimeoutMs, subject: this.path });
  }

  /** Reads and parses the file, logging clef's warnings: missing file → empty store. */
  async #readForOperation(): Promise<StoreEntries> {
    try {
      return await this.#read();
    } catch (e) {
      this.#logger?.warn('Failed to read encrypted storage', { err: e, file: this.path });
      throw e;
    }
  }

  async #read(): Promise<StoreEntries> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.path);
    } catch (e) {
      if (hasCode(e, 'ENOENT')) return new Map();
      const err = goOsError(e, hasCode(e, 'EISDIR') ? 'read' : 'open', this.path);
      this.#logger?.warn('Failed to read encrypted storage', { err, file: this.path });
      throw new StoreUnreadableError(err.message);
    }
    try {
      return parseStore(utf8Decoder.decode(bytes));
    } catch (e) {
      const msg = errorMessage(e);
      this.#logger?.warn('Failed to unmarshal encrypted storage', { err: msg, file: this.path });
      throw new StoreUnreadableError(msg);
    }
  }
}
