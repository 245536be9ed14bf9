// The IPC endpoint (external-api.md §1.1, cli.md §3.3): a unix socket (named pipe on Windows) carrying a stream
// of concatenated JSON values; every response is compact JSON plus `\n`. One limit clef did not have: a request
// (one top-level JSON value) may hold at most 5 MiB, HTTP's body limit; a larger one is answered with -32700
// `request too large (limit 5242880)` and ends that connection, before more than one read chunk past the limit is held.
// A client that does not read its responses is dropped once 32 MiB of them wait.
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger, Meta } from '../../core/ports.ts';
import { GoJsonScanner, JsonSyntaxError } from '../../core/gojson-scan.ts';
import { type JsonRpcServer, parseErrorResponse, parseRequest, requestTooLargeResponse } from './jsonrpc.ts';
import { errorMessage } from '../../core/errors.ts';

/** A running endpoint. */
export interface IpcEndpoint {
  /** The socket path, as reported to the UI (`extapi_ipc`). */
  url: string;
  /** Stops listening, drops every connection and removes the socket file. */
  close(): Promise<void>;
}

/** Endpoint options (tests lower the guard). */
export interface IpcOptions {
  /** Bytes of unread responses a connection may hold before it is dropped (32 MiB). */
  maxBuffered?: number;
  /** Most characters of one request (one top-level JSON value); default 5 MiB, HTTP's body limit. */
  maxRequest?: number;
  /** Called after each chunk read from a connection was scanned, with the characters of the value in progress
   * (tests wait on it instead of sleeping). */
  onScanned?: (buffered: number) => void;
}

const defaultMaxBuffered = 32 * 1024 * 1024;
/** How long a connection we ended may linger before it is destroyed. */
const closeGraceMs = 1000;

/** The per-request limit, as HTTP's (external-api.md §1.2: 5 MiB). */
const defaultMaxRequest = 5 * 1024 * 1024;

/** Request metadata of every IPC call (external-api.md §2). */
function ipcMeta(): Meta {
  return { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };
}

function isNamedPipe(path: string): boolean {
  return process.platform === 'win32' || path.startsWith('\\\\.\\pipe\\') || path.startsWith('//./pipe/');
}

/** sizeof(sockaddr_un.sun_path): 104 on the BSDs and macOS, 108 on Linux. */
function sunPathSize(): number {
  return process.platform === 'linux' || process.platform === 'android' ? 108 : 104;
}

const errnoText: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EROFS: 'read-only file system',
  EINVAL: 'invalid argument',
  ENAMETOOLONG: 'invalid argument', // Go passes the long path to bind(2), which says EINVAL
};

/** Go's wording for a failed listen: `listen unix <path>: bind: <reason>`. */
function listenError(path: string, err: unknown, detail?: string): Error {
  const code = (err as { code?: unknown })?.code;
  const reason = typeof code === 'string' && errnoText[code] ? errnoText[code] : errorMessage(err);
  return new Error(`listen unix ${path}: bind: ${reason}${detail ? ` (${detail})` : ''}`);
}

/** True when something accepts connections on the unix socket `path` (a stale socket file refuses them). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (alive: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(alive);
    };
    // a server too busy to accept within 2 s still holds the socket: treat it as alive
    const timer = setTimeout(() => done(true), 2000);
    s.once('connect', () => done(true));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'EAGAIN'));
  });
}

/** Serves `server` on the IPC endpoint `path` (clef: mkdir 0751, remove leftovers, listen, chmod 0600). */
export async function startIpcServer(path: string, server: JsonRpcServer, logger: Logger, options: IpcOptions = {}): Promise<IpcEndpoint> {
  const maxBuffered = options.maxBuffered ?? defaultMaxBuffered;
  const maxRequest = options.maxRequest ?? defaultMaxRequest;
  const pipe = isNamedPipe(path);
  if (!pipe) {
    const limit = sunPathSize();
    const tooLong = new TextEncoder().encode(path).length + 1 > limit;
    if (tooLong) logger.warn(`The ipc endpoint is longer than ${limit - 1} characters.`, { endpoint: path });
    await mkdir(dirname(path), { recursive: true, mode: 0o751 });
    // clef removes whatever is there; a live server's socket is not ours to take (a second daemon would steal it)
    if (await answers(path)) throw listenError(path, { code: 'EADDRINUSE' }, 'another process is serving it');
    await unlink(path).catch(() => undefined);
    // bind(2) refuses such a path in Go; some runtimes would silently truncate it and listen elsewhere
    if (tooLong) throw listenError(path, { code: 'EINVAL' });
  }

  const connections = new Set<Socket>();
  const listener: Server = createServer({ allowHalfOpen: true }, (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    serveConnection(socket, server, logger, { maxBuffered, maxRequest, onScanned: options.onScanned });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown) => reject(listenError(path, err));
    listener.once('error', onError);
    listener.listen(path, () => {
      listener.off('error', onError);
      resolve();
    });
  });
  listener.on('error', (err) => logger.error('IPC listener failed', { err: err.message }));
  if (!pipe) await chmod(path, 0o600).catch(() => undefined);
  const ours = pipe ? null : await lstat(path).then((st) => st.ino, () => null);

  let closed: Promise<void> | null = null;
  return {
    url: path,
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((resolve) => listener.close(() => resolve()));
        for (const s of connections) s.destroy();
        await done;
        // only our own socket file: if someone replaced it since, it is theirs
        if (!pipe && ours !== null && (await lstat(path).then((st) => st.ino, () => null)) === ours) await unlink(path).catch(() => undefined);
      })();
      return closed;
    },
  };
}

/**
 * One client: values are split off the byte stream as they complete and run concurrently (like geth, so
 * answers may overtake each other). A syntax error is answered with -32700 and ends the connection once the
 * calls already running have answered; so does the client closing its side.
 */
function serveConnection(socket: Socket, server: JsonRpcServer, logger: Logger, limits: { maxBuffered: number; maxRequest: number; onScanned?: (buffered: number) => void }): void {
  const { maxBuffered, maxRequest } = limits;
  const decoder = new TextDecoder('utf-8');
  const scanner = new GoJsonScanner();
  const meta = ipcMeta();
  let running = 0;
  let reading = true;

  const write = (text: string) => {
    if (socket.destroyed || !socket.writable) return;
    socket.write(text + '\n');
    if (socket.writableLength > maxBuffered) {
      logger.debug('IPC client does not read its responses, dropping it');
      socket.destroy();
    }
  };
  const maybeEnd = () => {
    // geth closes the whole connection; destroying after our FIN also frees a client that never closes
    if (reading || running > 0 || socket.destroyed || socket.writableEnded) return;
    // the grace period lets the last answer reach a client that is still writing (some runtimes report the
    // end as flushed before it is, and a destroy then drops the answer)
    socket.end(() => setTimeout(() => socket.destroy(), closeGraceMs).unref?.());
  };
  const dispatch = (text: string) => {
    running++;
    server
      .handle(parseRequest(text), { transport: 'ipc', meta })
      .then(
        (reply) => {
          if (reply) write(reply.text);
        },
        (err: unknown) => logger.error('IPC request failed', { err: errorMessage(err) }),
      )
      .finally(() => {
        running--;
        maybeEnd();
      });
  };
  const stopReading = () => {
    reading = false;
    socket.removeListener('data', onData);
    socket.resume(); // discard whatever else arrives
    maybeEnd();
  };
  const tooLarge = () => {
    logger.debug('IPC request too large, closing the connection', { limit: maxRequest });
    write(requestTooLargeResponse(maxRequest));
    stopReading();
  };
  const drain = (atEnd: boolean) => {
    try {
      for (let v = scanner.next(); v !== null; v = scanner.next()) {
        if (v.length > maxRequest) return tooLarge();
        dispatch(v);
      }
      if (atEnd) {
        const last = scanner.finish();
        if (last !== null) {
          if (last.length > maxRequest) return tooLarge();
          dispatch(last);
        }
      }
    } catch (err) {
      if (err instanceof JsonSyntaxError) write(parseErrorResponse(err.message));
      // a value cut off by the end of the stream is dropped silently (geth: io.ErrUnexpectedEOF)
      stopReading();
      return;
    }
    // what is left is the value in progress: refused as soon as it passes the limit, not when it completes
    if (scanner.buffered > maxRequest) tooLarge();
  };
  function onData(chunk: Buffer | string): void {
    scanner.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    drain(false);
    limits.onScanned?.(scanner.buffered);
  }
  socket.on('data', onData);
  socket.on('end', () => {
    if (!reading) return;
    scanner.push(decoder.decode());
    drain(true);
    stopReading();
  });
  socket.on('error', (err) => logger.debug('IPC connection error', { err: err.message }));
}
