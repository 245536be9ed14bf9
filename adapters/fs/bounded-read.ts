// Bounded reads of files a user names (password files, --signersecret, raw and JSON key files, rule files, saved
// requests). Every such read stops after `limit` bytes, so `--password /dev/zero` or a FIFO that never ends fails
// at once with a clear error instead of growing memory without end. Errors read like Go's (`open <path>: …`).
import { open } from 'node:fs/promises';
import { goOsError } from './atomic.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The caps, documented in the README: secrets and key files are tiny (a key file is < 1 KB, a seed file < 1 KB),
 * rule files are programs (a bit more), saved requests may carry a large calldata (HTTP allows 5 MiB).
 */
export const READ_LIMITS = {
  /** --password and --signersecret files, importraw key files, addaddress key files, keystore files. */
  secret: 1 * MiB,
  /** --rules files and `clef rules test` rule files. */
  rules: 4 * MiB,
  /** Saved requests and the --storage file of `clef rules test`. */
  request: 16 * MiB,
} as const;

/** A file over its read limit. */
export class FileTooLargeError extends Error {
  readonly path: string;
  readonly limit: number;
  constructor(path: string, limit: number, what: string) {
    super(`${path}: ${what} is larger than ${formatSize(limit)} (refusing to read more)`);
    this.name = 'FileTooLargeError';
    this.path = path;
    this.limit = limit;
  }
}

/** `1 MiB`, `512 KiB`, `100 bytes`. */
export function formatSize(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

/**
 * Reads at most `limit` bytes of `path` (regular file, device, FIFO): FileTooLargeError when there is more, a
 * GoOsError (`open <path>: no such file or directory`, `read <path>: is a directory`) when it cannot be read.
 * `what` names the file in the too-large message (e.g. `password file`).
 */
export async function readFileBounded(path: string, limit: number, what = 'file'): Promise<Uint8Array> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw goOsError(err, 'open', path);
  }
  try {
    try {
      const st = await fh.stat();
      if (st.isFile() && st.size > limit) throw new FileTooLargeError(path, limit, what);
    } catch (err) {
      if (err instanceof FileTooLargeError) throw err;
      // fstat failing is not a reason to refuse: the bounded read below still applies
    }
    // One byte more than allowed tells "exactly at the limit" from "over it".
    const buf = new Uint8Array(Math.min(limit + 1, 64 * KiB));
    let data = new Uint8Array(0);
    let total = 0;
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, Math.min(buf.length, limit + 1 - total), null));
      } catch (err) {
        throw goOsError(err, 'read', path);
      }
      if (n === 0) break;
      if (total + n > data.length) {
        const grown = new Uint8Array(Math.min(limit + 1, Math.max(data.length * 2, total + n, 4 * KiB)));
        grown.set(data.subarray(0, total));
        data.fill(0);
        data = grown;
      }
      data.set(buf.subarray(0, n), total);
      total += n;
      if (total > limit) {
        data.fill(0);
        buf.fill(0);
        throw new FileTooLargeError(path, limit, what);
      }
    }
    buf.fill(0);
    const out = data.slice(0, total);
    data.fill(0);
    return out;
  } finally {
    await fh.close().catch(() => {});
  }
}

/** readFileBounded decoded as UTF-8 (invalid sequences become U+FFFD, as Node's readFile(…, 'utf8')). */
export async function readTextBounded(path: string, limit: number, what = 'file'): Promise<string> {
  const bytes = await readFileBounded(path, limit, what);
  try {
    return new TextDecoder().decode(bytes);
  } finally {
    bytes.fill(0);
  }
}
