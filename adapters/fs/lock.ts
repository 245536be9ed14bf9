// Inter-process locks for node, bun and deno alike (none of them offers flock(2) portably): a lock is a file created
// with O_EXCL holding the owner's pid, its start time and a random token. A lock whose owner is gone (kill -9) is
// detected by checking that pid — and on Linux its start time, so a recycled pid does not keep it — and broken
// safely; waits are bounded and end with an error naming the holder, never a hang.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { goOsError, hasCode } from './atomic.ts';

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  pid: number;
  /** Linux: field 22 of /proc/<pid>/stat (start time in clock ticks); "" elsewhere. */
  start: string;
  token: string;
}

/** A held lock; release() is idempotent and only removes the file while it is still ours. */
export interface FileLock {
  readonly path: string;
  release(): void;
}

/** Options of the acquire functions. */
export interface LockOptions {
  /** Give up after this many ms (default 10 s); 0 tries once. */
  timeoutMs?: number;
  /** The file the lock guards, named in OS errors instead of the lock file (`open <store>: …`, as clef words it). */
  subject?: string;
}

/** The lock could not be taken in time; `owner` is the process that held it, when known. */
export class LockTimeoutError extends Error {
  readonly owner: LockOwner | null;
  constructor(path: string, timeoutMs: number, owner: LockOwner | null) {
    const who = owner ? `held by process ${owner.pid}` : 'held by another process';
    super(
      timeoutMs > 0
        ? `timed out after ${timeoutMs / 1000} s waiting for the lock ${path} (${who}); if no clef process is running, remove that file`
        : `the lock ${path} is ${who}`,
    );
    this.name = 'LockTimeoutError';
    this.owner = owner;
  }
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** An unparseable lock file older than this is left over from a crash between create and write. */
const TORN_LOCK_MS = 2_000;

/** Tokens of the locks this process holds, by path (a same-pid lock file we do not hold is stale). */
const held = new Map<string, string>();

let ownStart: string | undefined;

/** Start time of `pid` from /proc (Linux), "" where unavailable. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid … : comm may hold spaces and parentheses, so count fields after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && Number.isSafeInteger(v.pid) && v.pid > 0 && typeof v.start === 'string' && typeof v.token === 'string') {
      return { pid: v.pid, start: v.start, token: v.token };
    }
  } catch {
    // torn or foreign content
  }
  return null;
}

/** True when the process that wrote `owner` is still running. */
function ownerAlive(path: string, owner: LockOwner): boolean {
  if (owner.pid === process.pid) return held.get(path) === owner.token;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (hasCode(e, 'ESRCH')) return false;
    // EPERM: alive, another user's process
  }
  if (owner.start !== '') {
    const now = processStart(owner.pid);
    if (now !== '' && now !== owner.start) return false; // the pid now belongs to another process
  }
  return true;
}

type Attempt = { lock: FileLock } | { busy: LockOwner | null };

/** One try: create the file exclusively, or find out whether its holder is gone (then break it and retry once). */
function attempt(path: string, subject = path): Attempt {
  for (let round = 0; round < 3; round++) {
    ownStart ??= processStart(process.pid);
    const owner: LockOwner = { pid: process.pid, start: ownStart, token: randomBytes(12).toString('hex') };
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if (!hasCode(e, 'EEXIST')) throw goOsError(e, 'open', subject);
      const existing = readHolder(path);
      if (existing === 'gone') continue;
      if (existing.owner && ownerAlive(path, existing.owner)) return { busy: existing.owner };
      if (!existing.owner && Date.now() - existing.mtimeMs < TORN_LOCK_MS) return { busy: null };
      breakStale(path, existing.text);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(owner) + '\n');
    } finally {
      closeSync(fd);
    }
    held.set(path, owner.token);
    let released = false;
    return {
      lock: {
        path,
        release() {
          if (released) return;
          released = true;
          if (held.get(path) === owner.token) held.delete(path);
          try {
            if (parseOwner(readFileSync(path, 'utf8'))?.token === owner.token) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      },
    };
  }
  return { busy: null };
}

function readHolder(path: string): 'gone' | { text: string; owner: LockOwner | null; mtimeMs: number } {
  try {
    const mtimeMs = statSync(path).mtimeMs;
    const text = readFileSync(path, 'utf8');
    return { text, owner: parseOwner(text), mtimeMs };
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return 'gone';
    throw goOsError(e, 'open', path);
  }
}

/**
 * Removes a lock file judged stale. Another process may have broken it first and taken a fresh lock, so the file is
 * first moved aside (atomic, only one mover wins) and checked: if what we moved is not the stale content, it is put
 * back where it was.
 */
function breakStale(path: string, staleText: string): void {
  const aside = `${path}.stale${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return;
    throw goOsError(e, 'rename', `${path} ${aside}`);
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleText) {
      try {
        linkSync(aside, path); // a live lock taken meanwhile: restore it (EEXIST: a newer one is in place)
      } catch {
        // nothing to restore over
      }
    }
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // gone
    }
  }
}

/** Takes the lock at `path`, waiting (polling) up to timeoutMs; throws LockTimeoutError after that. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<FileLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const r = attempt(path, options.subject);
    if ('lock' in r) return r.lock;
    if (Date.now() >= deadline) throw new LockTimeoutError(path, timeoutMs, r.busy);
    await new Promise((done) => setTimeout(done, delay));
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Synchronous acquireLock for callers that cannot await (the rules' storage host functions). A lock this process
 * already holds is refused at once: waiting would block the very event loop that has to release it.
 */
export function acquireLockSync(path: string, options: LockOptions = {}): FileLock {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const r = attempt(path, options.subject);
    if ('lock' in r) return r.lock;
    if (held.has(path) || Date.now() >= deadline) throw new LockTimeoutError(path, held.has(path) ? 0 : timeoutMs, r.busy);
    Atomics.wait(sleeper, 0, 0, delay);
  }
}

/** Tries once without waiting: the lock, or the owner that holds it (null when unknown). */
export function tryLock(path: string): FileLock | { owner: LockOwner | null } {
  const r = attempt(path);
  return 'lock' in r ? r.lock : { owner: r.busy };
}

/** In-process queues per lock path, so callers in one process wait their turn instead of polling the file. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` while holding the inter-process lock `path` (callers in this process queue first). */
export function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const run = async (): Promise<T> => {
    const lock = await acquireLock(path, options);
    try {
      return await fn();
    } finally {
      lock.release();
    }
  };
  const prev = queues.get(path) ?? Promise.resolve();
  const result = prev.then(run, run);
  const tail = result.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => {
    if (queues.get(path) === tail) queues.delete(path);
  });
  return result;
}

/** Runs `fn` synchronously under the lock `path` (see acquireLockSync). */
export function withLockSync<T>(path: string, fn: () => T, options: LockOptions = {}): T {
  const lock = acquireLockSync(path, options);
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/** The lock file that guards the store file `path`: `<dir>/.<base>.lock`. */
export function lockPathFor(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.lock`;
}
