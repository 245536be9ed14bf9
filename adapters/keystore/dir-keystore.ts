// KeyStore adapter: a directory of Web3 Secret Storage files, scanned and written the way geth's keystore does
// (vault-and-keystore.md §6.1, §6.2, §6.5, §6.6). The scan cache re-reads only files whose stat changed, and
// rescans lazily: after a watcher event (coalesced for 500 ms) or, without a watcher, at most every 2 s.
import * as nodeFs from 'node:fs';
import { randomInt } from 'node:crypto';
import { hrtime } from 'node:process';
import { basename, dirname, join, resolve } from 'node:path';
import type { Address } from '../../core/bytes.ts';
import { SignerError, UnknownAccountError, errorMessage } from '../../core/errors.ts';
import { goOsError, writeFileAtomic } from '../fs/atomic.ts';
import { looksLikeUnaddressedKeyFile, scanAddress, withAddressMember } from '../../core/keyfile.ts';
import type { KeyFileEntry, KeyStore, Logger, UnaddressedKeyFile } from '../../core/ports.ts';

/** What the scanner needs to know about a directory entry (from lstat). */
export interface FileStat {
  isFile: boolean;
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

/** The read side of the file system, injectable so tests can count reads. */
export interface KeyStoreFs {
  /** Entry names of a directory; throws ENOENT when it does not exist. */
  readdir(dir: string): string[] | Promise<string[]>;
  /** lstat of a path (symbolic links are not followed), or null when it vanished. */
  lstat(path: string): FileStat | null | Promise<FileStat | null>;
  readFile(path: string): string | Promise<string>;
}

/** node:fs, synchronously: for thousands of tiny files this is several times faster than the promise API. */
export const nodeKeyStoreFs: KeyStoreFs = {
  readdir: (dir) => nodeFs.readdirSync(dir),
  lstat: (path) => {
    const st = nodeFs.lstatSync(path, { throwIfNoEntry: false });
    if (!st) return null;
    return { isFile: st.isFile(), mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino };
  },
  readFile: readSmallFile,
};

const readBuffer = new Uint8Array(64 * 1024);
// ignoreBOM keeps a leading U+FEFF in the text, so such a file fails to decode as it does in Go.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Largest key file read (a key file is < 1 KB): the scan skips bigger files with a warning, and a read of one
 * (the file grew after the scan) fails instead of loading it.
 */
const MAX_KEY_FILE_SIZE = 1 << 20;

/** readFileSync without its fstat: open, read until EOF or past MAX_KEY_FILE_SIZE, close. */
function readSmallFile(path: string): string {
  const fd = nodeFs.openSync(path, 'r');
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const n = nodeFs.readSync(fd, readBuffer, 0, readBuffer.length, null);
      if (n === 0) break;
      chunks.push(readBuffer.slice(0, n));
      total += n;
      if (total > MAX_KEY_FILE_SIZE) throw new Error(`key file larger than ${MAX_KEY_FILE_SIZE >> 20} MiB`);
    }
    if (chunks.length === 1) return utf8Decoder.decode(chunks[0]);
    const all = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.length;
    }
    return utf8Decoder.decode(all);
  } finally {
    nodeFs.closeSync(fd);
  }
}

export interface DirKeyStoreOptions {
  logger?: Logger;
  /** Read side of the file system (default node:fs). */
  fs?: KeyStoreFs;
  /** Watch the directory for changes (default true; falls back to 2 s throttled rescans when unavailable). */
  watch?: boolean;
  /** Current time in nanoseconds since the epoch, for key file names (default: wall clock). */
  nowNanos?: () => bigint;
}

/** Coalescing delay after a watcher event (geth: 500 ms). */
const WATCH_DEBOUNCE_MS = 500;
/** Minimum interval between rescans without a watcher (geth: 2 s). */
const MIN_RELOAD_INTERVAL_MS = 2000;
/** Files read concurrently during a scan when the fs is asynchronous. */
const READ_CONCURRENCY = 32;

interface CachedFile {
  stat: FileStat;
  /** Address from the file's `address` member; null when the scan skips the file. */
  address: Address | null;
  /** Key file without any address member (listed by unaddressed()). */
  unaddressed: boolean;
}

/** Go's encoding/json nesting limit. */
const GO_MAX_DEPTH = 10000;

/**
 * True when the first JSON value of `text` nests deeper than Go's decoder allows before it ends (Go then fails
 * to decode the file, so the scan skips it either way). One linear pass, strings skipped; a cheap guard run
 * before the parsers.
 */
export function firstValueTooDeep(text: string, limit = GO_MAX_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
      if (depth === 0) return false; // a bare string
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth <= 0) return false; // the first value ended (or the text is malformed)
    }
  }
  return false;
}

/** UTF-8 byte order of two strings (code point order), as Go compares URLs. */
export function compareBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort above U+E000–U+FFFF in UTF-8.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** geth's key file timestamp `YYYY-MM-DDTHH-MM-SS.NNNNNNNNNZ` (UTC). */
export function keyFileTimestamp(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const d = new Date(ms);
  const p2 = (v: number) => String(v).padStart(2, '0');
  const ns = String(nanos % 1_000_000_000n).padStart(9, '0');
  return (
    `${String(d.getUTCFullYear()).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}` +
    `T${p2(d.getUTCHours())}-${p2(d.getUTCMinutes())}-${p2(d.getUTCSeconds())}.${ns}Z`
  );
}

/** geth's key file name `UTC--<timestamp>--<40 hex>`. */
export function keyFileName(address: Address, nanos: bigint): string {
  return `UTC--${keyFileTimestamp(nanos)}--${address.slice(2).toLowerCase()}`;
}

function wallClockNanos(): bigint {
  // Date.now() is the wall clock; the monotonic clock only supplies sub-millisecond digits.
  return BigInt(Date.now()) * 1_000_000n + (hrtime.bigint() % 1_000_000n);
}

function sameStat(a: FileStat, b: FileStat): boolean {
  return a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;
}

function isHiddenOrBackup(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~');
}

/** Names tempPathFor makes for key files (nothing else in a keystore matches). */
const KEY_TEMP_NAME = /^\.UTC--[^/\\]+--[0-9a-f]{40}\.tmp\d+$/;
/** A key-file temp younger than this may belong to a live writer (write, scrypt verify, rename). */
const KEY_TEMP_MIN_AGE_MS = 10 * 60 * 1000;

/** True for a whole key file (parses as JSON with a crypto section), as opposed to a torn write. */
function isCompleteKeyFile(text: string): boolean {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return typeof v === 'object' && v !== null && (typeof v.crypto === 'object' || typeof v.Crypto === 'object');
  } catch {
    return false;
  }
}

/** `.` + name + `.tmp` + random digits, like Go's os.CreateTemp pattern. */
function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tmp${randomInt(0, 2 ** 32 - 1)}`);
}

/** fsync of a directory so a rename survives a crash; not every platform allows it. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = nodeFs.openSync(dir, 'r');
    nodeFs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) nodeFs.closeSync(fd);
  }
}

/** Creates `path` exclusively with exactly `mode`, writes `data` and fsyncs it; removes it again on failure. */
function writeNewFile(path: string, data: string, mode: number): void {
  const fd = nodeFs.openSync(path, 'wx', mode);
  try {
    nodeFs.fchmodSync(fd, mode); // the umask may have cleared bits
    nodeFs.writeFileSync(fd, data);
    nodeFs.fsyncSync(fd);
  } catch (err) {
    nodeFs.closeSync(fd);
    nodeFs.rmSync(path, { force: true });
    throw err;
  }
  nodeFs.closeSync(fd);
}

/** The keystore directory (`--keystore`), as geth's keystore package sees it. */
export class DirKeyStore implements KeyStore {
  readonly dir: string;
  private readonly logger?: Logger;
  private readonly fs: KeyStoreFs;
  private readonly useWatcher: boolean;
  private readonly nowNanos: () => bigint;

  private files = new Map<string, CachedFile>();
  private sortedAccounts: KeyFileEntry[] | null = null;
  private scannedOnce = false;
  private lastScan = 0;
  private dirty = false;
  private scanning: Promise<void> | null = null;
  private watcher: nodeFs.FSWatcher | null = null;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(dir: string, opts: DirKeyStoreOptions = {}) {
    this.dir = resolve(dir);
    this.logger = opts.logger;
    this.fs = opts.fs ?? nodeKeyStoreFs;
    this.useWatcher = opts.watch ?? true;
    this.nowNanos = opts.nowNanos ?? wallClockNanos;
  }

  /** Every key file with an address, sorted by URL (duplicates included). */
  async accounts(): Promise<KeyFileEntry[]> {
    await this.maybeReload();
    return this.sorted().map((a) => ({ ...a }));
  }

  /** Key files the scan skips only because they carry no `address` member, sorted by path. */
  async unaddressed(): Promise<UnaddressedKeyFile[]> {
    await this.maybeReload();
    const out: UnaddressedKeyFile[] = [];
    for (const [path, f] of this.files) if (f.unaddressed) out.push({ path, url: `keystore://${path}` });
    return out.sort((a, b) => compareBytewise(a.path, b.path));
  }

  /** The one key file holding `address`; UnknownAccountError when none, an ambiguity error when several. */
  async find(address: Address): Promise<KeyFileEntry> {
    await this.maybeReload();
    const want = address.toLowerCase();
    const matches = this.sorted().filter((a) => a.address === want);
    if (matches.length === 0) throw new UnknownAccountError();
    if (matches.length > 1) throw new SignerError(`multiple keys match address (${matches.map((m) => m.path).join(', ')})`);
    return { ...matches[0] };
  }

  /** Text of a key file. */
  async read(path: string): Promise<string> {
    return this.fs.readFile(path);
  }

  /** Writes a new key file: temp file, verify, rename to `UTC--<time>--<hex>`, cache (§6.5). */
  async write(address: Address, json: string, verify: (text: string) => Promise<void>): Promise<KeyFileEntry> {
    const addr = address.toLowerCase() as Address;
    await this.maybeReload();
    if (this.sorted().some((a) => a.address === addr)) throw new SignerError('account already exists');
    try {
      nodeFs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw goOsError(err, 'mkdir', this.dir);
    }
    const path = join(this.dir, keyFileName(addr, this.nowNanos()));
    const tmp = tempPathFor(path);
    try {
      writeNewFile(tmp, json, 0o600);
    } catch (err) {
      throw goOsError(err, 'open', tmp);
    }
    try {
      await verify(await this.fs.readFile(tmp));
    } catch (err) {
      // geth leaves the temporary file in place for inspection and names it.
      throw new SignerError(
        'An error was encountered when saving and verifying the keystore file. \n' +
          'This indicates that the keystore is corrupted. \n' +
          `The corrupted file is stored at \n${tmp}\n` +
          `The error was : ${errorMessage(err)}`,
      );
    }
    try {
      nodeFs.renameSync(tmp, path);
    } catch (err) {
      throw goOsError(err, 'rename', `${tmp} ${path}`);
    }
    syncDir(this.dir);
    await this.remember(path, addr, false);
    return { address: addr, url: `keystore://${path}`, path };
  }

  /**
   * Makes an address-less key file (cast's) usable: atomically rewrites it with `"address":"<hex>"` as the
   * first member, every other byte and the file mode unchanged. The caller has checked the password and
   * that the key's address is `address`. Throws `account already exists` when another file holds it.
   * (The read-modify-write is not guarded against a concurrent writer of the same file.)
   */
  async setAddress(path: string, address: Address): Promise<KeyFileEntry> {
    const abs = resolve(path);
    const addr = address.toLowerCase() as Address;
    const st = nodeFs.lstatSync(abs);
    if (!st.isFile()) throw new Error(`${abs} is not a regular file`);
    const text = await this.fs.readFile(abs);
    if (!looksLikeUnaddressedKeyFile(text)) throw new Error(`${abs} is not a key file without address`);
    await this.maybeReload();
    if (this.sorted().some((a) => a.address === addr)) throw new SignerError('account already exists');
    await writeFileAtomic(abs, withAddressMember(text, addr), 0o600, { keepMode: true });
    if (dirname(abs) === this.dir && !isHiddenOrBackup(basename(abs))) await this.remember(abs, addr, false);
    return { address: addr, url: `keystore://${abs}`, path: abs };
  }

  /** Forces a rescan now (changed files only are re-read). */
  async refresh(): Promise<void> {
    this.dirty = true;
    await this.maybeReload();
  }

  /** Stops watching the directory. */
  close(): void {
    this.closed = true;
    this.stopWatcher();
  }

  // -------------------------------------------------------------------------------------------------------

  private sorted(): KeyFileEntry[] {
    if (!this.sortedAccounts) {
      const list: KeyFileEntry[] = [];
      for (const [path, f] of this.files) if (f.address) list.push({ address: f.address, url: `keystore://${path}`, path });
      this.sortedAccounts = list.sort((a, b) => compareBytewise(a.path, b.path));
    }
    return this.sortedAccounts;
  }

  /** Adds a file we just wrote to the cache, so it is listed before any rescan (geth: cache.add). */
  private async remember(path: string, address: Address | null, unaddressed: boolean): Promise<void> {
    let stat: FileStat | null = null;
    try {
      stat = await this.fs.lstat(path);
    } catch {
      stat = null;
    }
    if (stat) this.files.set(path, { stat, address, unaddressed });
    else this.dirty = true;
    this.sortedAccounts = null;
  }

  /** geth's maybeReload: scan when never scanned, after a watcher event, or (no watcher) every 2 s at most. */
  private async maybeReload(): Promise<void> {
    if (this.scanning) return this.scanning;
    const due =
      !this.scannedOnce || this.dirty || (!this.watcher && Date.now() - this.lastScan >= MIN_RELOAD_INTERVAL_MS);
    if (!due) return;
    this.dirty = false;
    this.lastScan = Date.now();
    if (!this.watcher) this.startWatcher();
    this.scanning = this.scan().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private startWatcher(): void {
    if (!this.useWatcher || this.closed) return;
    try {
      const w = nodeFs.watch(this.dir, { persistent: false }, () => this.onChange());
      w.on('error', () => {
        this.stopWatcher();
        this.dirty = true;
      });
      this.watcher = w;
    } catch {
      // Directory missing or no watcher on this platform: throttled rescans, retrying the watcher each time.
      this.watcher = null;
    }
  }

  private stopWatcher(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    try {
      this.watcher?.close();
    } catch {
      // already closed
    }
    this.watcher = null;
  }

  private onChange(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.dirty = true;
    }, WATCH_DEBOUNCE_MS);
    (this.debounce as { unref?: () => void }).unref?.();
  }

  private async scan(): Promise<void> {
    const start = Date.now();
    let names: string[];
    try {
      names = await this.fs.readdir(this.dir);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') {
        this.logger?.debug('Failed to reload keystore contents', { err: errorMessage(err) });
        this.scannedOnce = true;
        return; // keep what we had
      }
      names = [];
    }
    const next = new Map<string, CachedFile>();
    const toRead: { path: string; stat: FileStat }[] = [];
    let changed = false;
    if (!this.scannedOnce) this.removeTornTemps(names);
    for (const name of names) {
      if (isHiddenOrBackup(name)) continue;
      const path = join(this.dir, name);
      let stat: FileStat | null;
      try {
        const r = this.fs.lstat(path);
        stat = r instanceof Promise ? await r : r; // no microtask per file with the synchronous fs
      } catch {
        stat = null;
      }
      if (!stat?.isFile) continue; // directories, symlinks, devices, vanished files
      const old = this.files.get(path);
      if (old && sameStat(old.stat, stat)) next.set(path, old);
      else toRead.push({ path, stat });
    }
    for (const path of this.files.keys()) if (!next.has(path)) changed = true;
    let cursor = 0;
    const worker = async () => {
      while (cursor < toRead.length) {
        const { path, stat } = toRead[cursor++];
        const entry = await this.readEntry(path, stat);
        if (entry) next.set(path, entry);
        changed = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, toRead.length) }, worker));
    this.files = next;
    if (changed) this.sortedAccounts = null;
    this.scannedOnce = true;
    this.logger?.trace('Handled keystore changes', { time: `${Date.now() - start}ms` });
  }

  /**
   * A writer killed mid-write leaves `.UTC--…--<addr>.tmp<digits>` behind. Those that are not a complete key file
   * and are older than any live write could be are removed; a complete one may hold the only copy of a key, so it
   * stays (hidden, never listed) and is named in a warning.
   */
  private removeTornTemps(names: string[]): void {
    for (const name of names) {
      if (!KEY_TEMP_NAME.test(name)) continue;
      const path = join(this.dir, name);
      try {
        const st = nodeFs.lstatSync(path);
        if (!st.isFile() || Date.now() - st.mtimeMs < KEY_TEMP_MIN_AGE_MS) continue;
        if (isCompleteKeyFile(readSmallFile(path))) {
          this.logger?.warn('Keystore holds a key file an interrupted write left (never listed); move it out or delete it', { path });
          continue;
        }
        nodeFs.unlinkSync(path);
        this.logger?.info('Removed a temp file left by an interrupted write', { file: path });
      } catch {
        // vanished or unreadable: leave it
      }
    }
  }

  private async readEntry(path: string, stat: FileStat): Promise<CachedFile | null> {
    if (stat.size > MAX_KEY_FILE_SIZE) {
      // Cached as skipped: the warning repeats only when the file changes.
      this.logger?.warn('Skipping oversized file in keystore', { path, size: stat.size, limit: MAX_KEY_FILE_SIZE });
      return { stat, address: null, unaddressed: false };
    }
    let text: string;
    try {
      text = await this.fs.readFile(path);
    } catch (err) {
      this.logger?.trace('Failed to open keystore file', { path, err: errorMessage(err) });
      return null; // not cached: retried on the next scan
    }
    if (firstValueTooDeep(text)) {
      // Go's decoder gives up at this depth too; JSON.parse would first spend a second on a megabyte of `[`.
      this.logger?.debug('Failed to decode keystore key', { path, err: 'exceeded max depth' });
      return { stat, address: null, unaddressed: false };
    }
    const address = scanAddress(text);
    if (address) return { stat, address, unaddressed: false };
    const unaddressed = looksLikeUnaddressedKeyFile(text);
    this.logger?.debug('Failed to decode keystore key', { path, err: unaddressed ? 'missing address' : 'invalid content or missing or zero address' });
    return { stat, address: null, unaddressed };
  }
}
