// The rules' `storage` backends. QuickJS host functions are synchronous, so reads are synchronous too; writes are
// collected during one evaluation (StorageBatch) and made durable once, after it finishes and before its decision is
// acted on: the vault's encrypted jsstorage.json (vault-and-keystore.md §4), an in-memory map, and a plain JSON file
// for `clef rules test`.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { utf8Length } from '../../core/bytes.ts';
import { decryptEntry, encryptEntry, NONCE_LENGTH, parseStore, serializeStore, storeKey } from '../../core/kvstore.ts';
import type { StoreEntries } from '../../core/kvstore.ts';
import type { Logger, Random } from '../../core/ports.ts';
import { systemRandom } from '../crypto/system.ts';
import { goOsError, hasCode } from '../fs/atomic.ts';
import { lockPathFor, withLockSync } from '../fs/lock.ts';
import { errorMessage } from '../../core/errors.ts';

/** One write of an evaluation: a value to store, or null to delete the key (storage.put with ""). */
export type StorageChange = readonly [key: string, value: string | null];

/** Lookups over the committed state as read once for one evaluation ("" for missing, unreadable or undecryptable). */
export type StorageReader = (key: string) => string;

/** What the rules' `storage` global is backed by. */
export interface RuleStorage {
  /** A reader of the committed state; implementations read the backing file at most once per reader. */
  snapshot(): StorageReader;
  /** Makes one evaluation's writes durable, in order, in one write; rejects when they were not applied. */
  commit(changes: readonly StorageChange[]): Promise<void>;
}

/** Caps on what one evaluation may write (documented in README "Rules"). */
export interface StorageLimits {
  /** Largest key + value of one storage.put, UTF-8 bytes. */
  maxPutBytes: number;
  /** Most storage.put calls (deletions included) in one evaluation. */
  maxPuts: number;
  /** Most key + value bytes written by one evaluation in all. */
  maxBytes: number;
}

/** 256 KiB per put, 1,000 puts and 1 MiB per evaluation: far above any rule of the spec, far below a wedge. */
export const DEFAULT_STORAGE_LIMITS: Readonly<StorageLimits> = Object.freeze({
  maxPutBytes: 256 * 1024,
  maxPuts: 1000,
  maxBytes: 1024 * 1024,
});


/**
 * The storage one evaluation sees: reads go to its own earlier writes, then to the committed state (read lazily,
 * once); writes are kept in order for one commit. clef's semantics: an empty value deletes, an empty key is ignored.
 */
export class StorageBatch {
  readonly #open: () => StorageReader;
  readonly #limits: StorageLimits;
  #reader: StorageReader | undefined;
  readonly #pending = new Map<string, string | null>();
  #puts = 0;
  #bytes = 0;

  constructor(open: () => StorageReader, limits: StorageLimits = DEFAULT_STORAGE_LIMITS) {
    this.#open = open;
    this.#limits = limits;
  }

  get(key: string): string {
    if (key === '') return '';
    const own = this.#pending.get(key);
    if (own !== undefined) return own ?? '';
    this.#reader ??= this.#open();
    return this.#reader(key);
  }

  /** Throws (a RangeError the rule sees) when a cap would be exceeded; nothing is recorded then. */
  put(key: string, value: string): void {
    if (key === '' && value !== '') return;
    const { maxPutBytes, maxPuts, maxBytes } = this.#limits;
    if (this.#puts >= maxPuts) throw new RangeError(`more than ${maxPuts} writes in one evaluation`);
    // UTF-8 is never shorter than UTF-16 code units: a huge string is refused without measuring it.
    const size = key.length + value.length > maxPutBytes ? maxPutBytes + 1 : utf8Length(key) + utf8Length(value);
    if (size > maxPutBytes) throw new RangeError(`key and value exceed ${maxPutBytes} bytes`);
    if (this.#bytes + size > maxBytes) throw new RangeError(`more than ${maxBytes} bytes written in one evaluation`);
    this.#puts++;
    this.#bytes += size;
    if (key === '') return; // put("", "") deletes nothing
    this.#pending.delete(key); // keep the order of last writes
    this.#pending.set(key, value === '' ? null : value);
  }

  /** The writes to commit, last write per key, in the order they were last made. */
  changes(): StorageChange[] {
    return [...this.#pending.entries()];
  }
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
  snapshot(): StorageReader {
    return (key) => this.get(key);
  }
  async commit(changes: readonly StorageChange[]): Promise<void> {
    for (const [k, v] of changes) {
      if (v === null) this.map.delete(k);
      else this.put(k, v);
    }
  }
}

/** Store files are created owner-only (clef's 0600); an existing file keeps its mode. */
const RULE_STORAGE_MODE = 0o600;

/**
 * Replaces `path` with `text` synchronously and atomically: hidden temp file in the same directory, write, fsync,
 * rename, fsync of the directory. Throws a Go-worded GoOsError.
 */
function writeFileAtomicSync(path: string, text: string, mode: number): void {
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
  /**
   * The vault's own store of the same file (FileSecretStore): commits go through it, so its serialisation and
   * inter-process locking apply. Without it, commits are a synchronous atomic read-modify-write here.
   */
  store?: BatchStore;
}

/** A store that applies several puts and deletions in one read-modify-write (the vault's SecretStore.update). */
export interface BatchStore {
  update(changes: readonly StorageChange[]): Promise<void>;
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
  readonly #store?: BatchStore;

  constructor(path: string, key: Uint8Array, options: EncryptedRuleStorageOptions = {}) {
    if (key.length !== 32) throw new Error('rule storage key must be 32 bytes');
    this.path = path;
    this.#key = key.slice();
    this.#logger = options.logger;
    this.#random = options.random ?? systemRandom;
    this.#store = options.store;
  }

  /** A copy of the storage key (handed to the rules worker, which reads the file itself). */
  key(): Uint8Array {
    return this.#key.slice();
  }

  /** Reads the file once; each lookup then decrypts one entry (clef's warnings on a miss or a bad entry). */
  snapshot(): StorageReader {
    const entries = this.#read();
    return (key) => (entries === null ? '' : this.#lookup(entries, key));
  }

  async commit(changes: readonly StorageChange[]): Promise<void> {
    if (changes.length === 0) return;
    if (this.#store) return this.#store.update(changes);
    const entries = this.#read();
    if (entries === null) throw new Error(`encrypted storage ${this.path} is unreadable, not overwriting it`);
    for (const [key, value] of changes) {
      const name = storeKey(key);
      if (value === null) entries.delete(name);
      else if (key !== '') entries.set(name, encryptEntry(this.#key, name, value, this.#random.bytes(NONCE_LENGTH)));
    }
    writeFileAtomicSync(this.path, serializeStore(entries), RULE_STORAGE_MODE);
  }

  #lookup(entries: StoreEntries, key: string): string {
    if (key === '') return '';
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
        err: errorMessage(e),
        file: this.path,
      });
      return null;
    }
  }

  #write(entries: StoreEntries): void {
    try {
      writeFileAtomicSync(this.path, serializeStore(entries), RULE_STORAGE_MODE);
    } catch (e) {
      this.#logger?.warn('Failed to write entry', { err: errorMessage(e) });
    }
  }

  /** One lookup with a fresh read of the file. */
  get(key: string): string {
    if (key === '') return '';
    return this.snapshot()(key);
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
      this.#logger?.warn('Failed to write entry', { err: errorMessage(e) });
    }
  }
}

/**
 * A plain (unencrypted) JSON object file of string values, for `clef rules test --storage FILE.json`: loaded on
 * construction, rewritten atomically once per evaluation that changed it.
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

  /** One evaluation's writes, saved once (a failed write rejects: the decision then falls through). */
  override async commit(changes: readonly StorageChange[]): Promise<void> {
    if (changes.length === 0) return;
    await super.commit(changes);
    this.#save();
  }

  #save(): void {
    const obj = Object.fromEntries([...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeFileAtomicSync(this.path, `${JSON.stringify(obj, null, 2)}\n`, 0o644);
  }
}
