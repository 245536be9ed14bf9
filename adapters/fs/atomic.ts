// Atomic file replacement (temp file + fsync + rename + directory fsync) and Go-style rendering of OS errors,
// so that messages read exactly like clef's (`stat clef/masterseed.json: no such file or directory`).
import { link, lstat, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../../core/errors.ts';

/** Options of writeFileAtomic. */
export interface AtomicWriteOptions {
  /** When the target exists, give the new file the target's permission bits instead of `mode`. */
  keepMode?: boolean;
  /** Fail with EEXIST instead of replacing an existing target (hard-link publish, race-free). */
  noOverwrite?: boolean;
}

/** An OS error worded like Go's *PathError: `<op> <path>: <reason>`; `code` keeps Node's errno name. */
export class GoOsError extends Error {
  readonly code: string | undefined;
  readonly op: string;
  readonly path: string;
  constructor(op: string, path: string, reason: string, code: string | undefined) {
    super(`${op} ${path}: ${reason}`);
    this.name = 'GoOsError';
    this.op = op;
    this.path = path;
    this.code = code;
  }
}

// Go's syscall.Errno texts (Linux/BSD spelling) for the errno names Node reports.
const GO_ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'file exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EBUSY: 'device or resource busy',
  EXDEV: 'invalid cross-device link',
  EINVAL: 'invalid argument',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  ETXTBSY: 'text file busy',
  EFBIG: 'file too large',
  EMLINK: 'too many links',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
  ENOTSUP: 'operation not supported',
  EOPNOTSUPP: 'operation not supported',
  ENOSYS: 'function not implemented',
};

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** True when `err` is a Node errno error with that code (ENOENT, EEXIST, …). */
export function hasCode(err: unknown, code: string): boolean {
  return errnoCode(err) === code;
}

/** Renders a Node fs error the way Go prints the same failure: `open x: permission denied`. */
export function goOsError(err: unknown, op: string, path: string): GoOsError {
  if (err instanceof GoOsError) return err;
  const code = errnoCode(err);
  let reason = code ? GO_ERRNO[code] : undefined;
  if (!reason) {
    const msg = errorMessage(err);
    // Node: "EFOO: some text, open 'path'" → "some text"
    const m = /^[A-Z0-9_]+: ([^,]+)/.exec(msg);
    reason = (m ? m[1] : msg).toLowerCase();
  }
  return new GoOsError(op, path, reason, code);
}

/**
 * Go's FileMode.String() of a stat mode: type letters (`dalTLDpSugct?`, or `-`) then `rwxrwxrwx`,
 * e.g. `-rw-------`, `drwx------`, `urwxr-xr-x`.
 */
export function goFileModeString(mode: number): string {
  const fmt = mode & 0o170000;
  let t = '';
  if (fmt === 0o040000) t += 'd';
  if (fmt === 0o120000) t += 'L';
  if (fmt === 0o060000 || fmt === 0o020000) t += 'D';
  if (fmt === 0o010000) t += 'p';
  if (fmt === 0o140000) t += 'S';
  if (mode & 0o4000) t += 'u';
  if (mode & 0o2000) t += 'g';
  if (fmt === 0o020000) t += 'c';
  if (mode & 0o1000) t += 't';
  if (t === '') t = '-';
  const rwx = 'rwxrwxrwx';
  let perm = '';
  for (let i = 0; i < 9; i++) perm += mode & (1 << (8 - i)) ? rwx[i] : '-';
  return t + perm;
}

function tempName(dir: string, base: string): string {
  return join(dir, `.${base}.tmp${randomBytes(4).readUInt32BE(0)}`);
}

/** Creates a fresh hidden temp file next to `path` (`.<base>.tmp<digits>`, exclusive create). */
async function createTemp(path: string, mode: number): Promise<{ tmp: string; fh: FileHandle }> {
  const dir = dirname(path);
  const base = basename(path);
  for (let attempt = 0; ; attempt++) {
    const tmp = tempName(dir, base);
    try {
      return { tmp, fh: await open(tmp, 'wx', mode) };
    } catch (e) {
      if (hasCode(e, 'EEXIST') && attempt < 10) continue;
      throw goOsError(e, 'open', path);
    }
  }
}

/** fsync of the directory so the rename itself is durable; unsupported on some platforms, so best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some filesystems refuse to open or sync a directory.
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Writes `data` to `path` so that readers only ever see the old or the new complete content: temp file in the
 * same directory, write, fsync, rename (or hard link with `noOverwrite`), fsync the directory. Errors are GoOsErrors.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number,
  options: AtomicWriteOptions = {},
): Promise<void> {
  let finalMode: number | undefined;
  if (options.keepMode) {
    try {
      finalMode = (await stat(path)).mode & 0o7777;
    } catch (e) {
      if (!hasCode(e, 'ENOENT')) throw goOsError(e, 'stat', path);
    }
  }
  const { tmp, fh } = await createTemp(path, mode);
  let published = false;
  try {
    try {
      if (finalMode !== undefined) await fh.chmod(finalMode);
      await fh.writeFile(data);
      await fh.sync();
    } catch (e) {
      throw goOsError(e, 'write', path);
    } finally {
      await fh.close();
    }
    if (options.noOverwrite) await publishNoClobber(tmp, path);
    else {
      try {
        await rename(tmp, path);
      } catch (e) {
        throw goOsError(e, 'rename', `${tmp} ${path}`);
      }
    }
    published = true;
    await syncDir(dirname(path));
  } finally {
    if (!published) await unlink(tmp).catch(() => {});
  }
}

/** Publishes `tmp` as `path` only if `path` does not exist: link() fails atomically with EEXIST. */
async function publishNoClobber(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
  } catch (e) {
    if (hasCode(e, 'EEXIST')) throw goOsError(e, 'link', path);
    // Filesystems without hard links: check, then rename (a narrow race, as in clef's own check-then-write).
    const noLinks = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK'].some((c) => hasCode(e, c));
    if (!noLinks) throw goOsError(e, 'link', path);
    const exists = await lstat(path).then(
      () => true,
      (err: unknown) => (hasCode(err, 'ENOENT') ? false : Promise.reject(goOsError(err, 'lstat', path))),
    );
    if (exists) throw new GoOsError('link', path, GO_ERRNO.EEXIST, 'EEXIST');
    try {
      await rename(tmp, path);
    } catch (err) {
      throw goOsError(err, 'rename', `${tmp} ${path}`);
    }
    return;
  }
  await unlink(tmp).catch(() => {});
}

/** Names of the temp files writeFileAtomic makes for `base` (`.<base>.tmp<digits>`); nothing else matches. */
function isTempNameOf(name: string, base: string): boolean {
  return name.length > base.length + 5 && name.startsWith(`.${base}.tmp`) && /^\d+$/.test(name.slice(base.length + 5));
}

/**
 * Deletes the temp files of `path` that a killed writer left behind; returns their paths. The caller makes sure no
 * live writer of `path` exists (it holds the file's lock).
 */
export async function removeLeftoverTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isTempNameOf(name, base)) continue;
    const p = join(dir, name);
    try {
      if (!(await lstat(p)).isFile()) continue;
      await unlink(p);
      removed.push(p);
    } catch {
      // vanished or not ours to remove
    }
  }
  return removed;
}
