// The rules' `storage` backends. QuickJS host functions are synchronous, so these are synchronous too:
// the vault's encrypted jsstorage.json (vault-and-keystore.md §4, every put persisted at once like clef, but
// atomically), an in-memory map, and a plain JSON file for `clef rules test`.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decryptEntry, encryptEntry, NONCE_LENGTH, parseStore, serializeStore, storeKey } from '../../core/kvstore.ts';
import type { StoreEntries } from '../../core/kvstore.ts';
import type { Logger, Random } from '../../core/ports.ts';
import { systemRandom } from '../crypto/system.ts';
import { goOsError, hasCode } from '../fs/atomic.ts';
import { lockPathFor, withLockSync } from '../fs/lock.ts';

/** Synchronous key-value store behind the rules' `storage` global. */
export interface RuleStorage {
  /** The stored string; "" for a missing key, an empty key, or an unreadable store (the script cannot tell). */
  get(key: string): string;
  /** Stores `value` under `key`; an empty key is ignored. Failures are logged, never thrown. */
  put(key: string, value: string): void;
  /** Removes `key` (storage.put with an empty value). */
  del(key: string): void;
}

/** Volatile storage (tests, `clef rules test` without --storage). */
export class MemoryRuleStorage implements RuleStorage {
  readonly map: Map<string, string>;
  constructor(initial: Iterable<[string, string]> = []) {
    this.map = new Map(initial);
  }
  get(key: string): string {
    return this.map.get(key) ?? '';
  }
  put(key: string, value: string): void {
    if (key !== '') this.map.set(key, value);
  }
  del(key: string): void {
    this.map.delete(key);
  }
}

/** Store files are created owner-only (clef's 0600); an existing file keeps its mode. */
export const RULE_STORAGE_MODE = 0o600;

/**
 * Replaces `path` with `text` synchronously and atomically: hidden temp file in the same directory, write, fsync,
 * rename, fsync of the directory. Throws a Go-worded GoOsError.
 */
export function writeFileAtomicSync(path: string, text: string, mode: number): void {
  let finalMode = mode;
  try {
    finalMode = statSync(path).mode & 0o7777;
  } catch (e) {
    if (!hasCode(e, 'ENOENT')) throw goOsError(e, 'stat', path);
  }
  const dir = dirname(path);
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = join(dir, `.${basename(path)}.tmp${Math.floor(Math.random() * 0xffffffff)}`);
    try {
      fd = openSync(tmp, 'wx', finalMode);
    } catch (e) {
      if (!hasCode(e, 'EEXIST') || attempt >= 10) throw goOsError(e, 'open', path);
    }
  }
  let published = false;
  try {
    try {
      const bytes = new TextEncoder().encode(text);
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } catch (e) {
      throw goOsError(e, 'write', path);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, path);
    } catch (e) {
      throw goOsError(e, 'rename', `${tmp} ${path}`);
    }
    published = true;
    syncDirSync(dir);
  } finally {
    if (!published) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  }
}

function syncDirSync(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported everywhere (Windows, some filesystems): best effort
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A rule waits at most this long for another process's write of jsstorage.json (it blocks the event loop). */
const LOCK_TIMEOUT_MS = 2_000;

/** Options of EncryptedRuleStorage. */
export interface EncryptedRuleStorageOptions {
  /** Receives clef's warnings (`Failed to read encrypted storage`, `Key does not exist`, …). */
  logger?: Logger;
  /** GCM nonce source (default: the OS CSPRNG). */
  random?: Random;
}

/**
 * The vault's jsstorage.json, sealed with Keccak256("jsstorage" ‖ seed). Same file format and failure behaviour as
 * clef's AES-GCM storage, except that writes are atomic; an unreadable or corrupt file is never overwritten.
 */
export class EncryptedRuleStorage implements RuleStorage {
  readonly path: string;
  readonly #key: Uint8Array;
  readonly #logger?: Logger;
  readonly #random: Random;

  constructor(path: string, key: Uint8Array, options: EncryptedRuleStorageOptions = {}) {
    if (key.length !== 32) throw new Error('rule storage key must be 32 bytes');
    this.path = path;
    this.#key = key.slice();
    this.#logger = options.logger;
    this.#random = options.random ?? systemRandom;
  }

  /** The whole store, or null (after clef's warning) when the file cannot be read or decoded. */
  #read(): StoreEntries | null {
    let text: string;
    try {
      text = utf8Decoder.decode(readFileSync(this.path));
    } catch (e) {
      if (hasCode(e, 'ENOENT')) return new Map();
      const err = goOsError(e, hasCode(e, 'EISDIR') ? 'read' : 'open', this.path);
      this.#logger?.warn('Failed to read encrypted storage', { err: err.message, file: this.path });
      return null;
    }
    try {
      return parseStore(text);
    } catch (e) {
      this.#logger?.warn('Failed to unmarshal encrypted storage', {
        err: e instanceof Error ? e.message : String(e),
        file: this.path,
      });
      return null;
    }
  }

  #write(entries: StoreEntries): void {
    try {
      writeFileAtomicSync(this.path, serializeStore(entries), RULE_STORAGE_MODE);
    } catch (e) {
      this.#logger?.warn('Failed to write entry', { err: e instanceof Error ? e.message : String(e) });
    }
  }

  get(key: string): string {
    if (key === '') return '';
    const entries = this.#read();
    if (entries === null) return '';
    const name = storeKey(key);
    const entry = entries.get(name);
    if (!entry) {
      this.#logger?.warn('Key does not exist', { key: name });
      return '';
    }
    try {
      return decryptEntry(this.#key, name, entry);
    } catch {
      this.#logger?.warn('Failed to decrypt key', { key: name });
      return '';
    }
  }

  put(key: string, value: string): void {
    if (key === '') return;
    this.#mutate((entries) => {
      const name = storeKey(key);
      entries.set(name, encryptEntry(this.#key, name, value, this.#random.bytes(NONCE_LENGTH)));
    });
  }

  del(key: string): void {
    this.#mutate((entries) => entries.delete(storeKey(key)));
  }

  /** Read-modify-write under the same inter-process lock as the vault's FileSecretStore of this file. */
  #mutate(change: (entries: StoreEntries) => void): void {
    try {
      withLockSync(lockPathFor(this.path), () => {
        const entries = this.#read();
        if (entries === null) return;
        change(entries);
        this.#write(entries);
      }, { timeoutMs: LOCK_TIMEOUT_MS, subject: this.path });
    } catch (e) {
      this.#logger?.warn('Failed to write entry', { err: e instanceof Error ? e.message : String(e) });
    }
  }
}

/**
 * A plain (unencrypted) JSON object file of string values, for `clef rules test --storage FILE.json`: loaded on
 * construction, rewritten atomically after every change (a failed write throws, which the rule sees as an exception).
 */
export class JsonFileRuleStorage extends MemoryRuleStorage {
  readonly path: string;

  /** Throws when the file exists but is not a JSON object of strings. */
  constructor(path: string) {
    let initial: [string, string][] = [];
    let text: string | null = null;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw goOsError(e, 'open', path);
    }
    if (text !== null && text.trim() !== '') {
      const v: unknown = JSON.parse(text);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path}: not a JSON object`);
      initial = Object.entries(v).map(([k, x]) => {
        if (typeof x !== 'string') throw new Error(`${path}: value of ${JSON.stringify(k)} is not a string`);
        return [k, x];
      });
    }
    super(initial);
    this.path = path;
  }

  override put(key: string, value: string): void {
    if (key === '') return;
    super.put(key, value);
    this.#save();
  }

  override del(key: string): void {
    super.del(key);
    this.#save();
  }

  #save(): void {
    const obj = Object.fromEntries([...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeFileAtomicSync(this.path, `${JSON.stringify(obj, null, 2)}\n`, 0o644);
  }
}
