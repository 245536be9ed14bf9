// The HTTP endpoint (external-api.md §1.2, §2; cli.md §7.1 step 9): go-ethereum's HTTP handler stack as clef
// builds it — gzip outermost, then the virtual-host check, then the RPC server's request checks — on node:http.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Logger, Meta } from '../../core/ports.ts';
import { GoJsonScanner, JsonEofError, JsonSyntaxError } from '../../core/gojson-scan.ts';
import { type JsonRpcServer, parseErrorResponse, parseRequest } from './jsonrpc.ts';
import { errorMessage } from '../../core/errors.ts';

/** Where and how to listen. */
export interface HttpConfig {
  /** `--http.addr`: an IP, a host name (resolved, IPv4 preferred like Go) or "" for every interface. */
  host: string;
  /** `--http.port`; 0 picks a free port. */
  port: number;
  /** `--http.vhosts` entries; `*` allows every host name. */
  vhosts: string[];
  /** Per-request deadline answered with -32002 (default 29,900 ms = write timeout − 100 ms). */
  timeoutMs?: number;
}

/** A running endpoint. */
export interface HttpEndpoint {
  /** `http://<bound ip:port>/`, as reported to the UI (`extapi_http`). */
  url: string;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** geth's httpBodyLimit. */
const bodyLimit = 5 * 1024 * 1024;
/** rpc.DefaultHTTPTimeouts. */
const readTimeoutMs = 30_000;
const readHeaderTimeoutMs = 30_000;
const writeTimeoutMs = 30_000;
const idleTimeoutMs = 120_000;
const acceptedContentTypes = new Set(['application/json', 'application/json-rpc', 'application/jsonrequest']);

// ---------------------------------------------------------------------------------------------------------
// Go's parsing helpers, as far as the checks need them
// ---------------------------------------------------------------------------------------------------------

const tspecials = '()<>@,;:\\"/[]?=';

function isTokenChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c > 0x20 && c < 0x7f && !tspecials.includes(ch);
}

function consumeToken(v: string): [string, string] {
  let i = 0;
  while (i < v.length && isTokenChar(v[i])) i++;
  return [v.slice(0, i), v.slice(i)];
}

function consumeValue(v: string): [string, string] {
  if (v[0] !== '"') return consumeToken(v);
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const ch = v[i];
    if (ch === '"') return [out, v.slice(i + 1)];
    if (ch === '\\' && i + 1 < v.length && tspecials.includes(v[i + 1])) {
      out += v[++i];
      continue;
    }
    if (ch === '\r' || ch === '\n') return ['', v];
    out += ch;
  }
  return ['', v];
}

const trimLeft = (s: string) => s.replace(/^\s+/, '');

/** Go's mime.ParseMediaType, reduced to "the lower-cased media type, or null when Go reports an error". */
export function parseMediaType(v: string): string | null {
  const semi = v.indexOf(';');
  const base = semi < 0 ? v : v.slice(0, semi);
  const mediatype = base.toLowerCase().trim();
  const [typ, afterType] = consumeToken(mediatype);
  if (typ === '') return null;
  if (afterType !== '') {
    if (afterType[0] !== '/') return null;
    const [sub, afterSub] = consumeToken(afterType.slice(1));
    if (sub === '' || afterSub !== '') return null;
  }
  const seen = new Set<string>();
  let rest = v.slice(base.length);
  for (;;) {
    rest = trimLeft(rest);
    if (rest === '') break;
    const param = consumeParam(rest);
    if (param === null) {
      if (rest.trim() === ';') break; // a trailing semicolon is fine
      return null;
    }
    if (seen.has(param.key)) return null;
    seen.add(param.key);
    rest = param.rest;
  }
  return mediatype;
}

function consumeParam(v: string): { key: string; rest: string } | null {
  let rest = trimLeft(v);
  if (rest[0] !== ';') return null;
  rest = trimLeft(rest.slice(1));
  const [key, afterKey] = consumeToken(rest);
  if (key === '') return null;
  rest = trimLeft(afterKey);
  if (rest[0] !== '=') return null;
  rest = trimLeft(rest.slice(1));
  const [value, afterValue] = consumeValue(rest);
  if (value === '' && afterValue === rest) return null;
  return { key: key.toLowerCase(), rest: afterValue };
}

/** Go's net.SplitHostPort host part, or null when Go reports an error. */
export function splitHostPort(hostport: string): string | null {
  const i = hostport.lastIndexOf(':');
  if (i < 0) return null;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0 || end + 1 !== i) return null;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return null;
  }
  if (hostport.slice(j).includes('[') || hostport.slice(k).includes(']')) return null;
  return host;
}

/** Go's net.ParseIP succeeds (no zones). */
function isIpLiteral(s: string): boolean {
  return !s.includes('%') && isIP(s) !== 0;
}

/** The virtual-host rule: no Host, an IP literal or `*` pass; otherwise the host (port stripped) must be listed. */
export function hostAllowed(hostHeader: string, vhosts: ReadonlySet<string>): boolean {
  if (hostHeader === '') return true;
  const host = splitHostPort(hostHeader) ?? hostHeader;
  if (isIpLiteral(host)) return true;
  if (vhosts.has('*')) return true;
  return vhosts.has(host.toLowerCase());
}

// ---------------------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------------------

/** The first value of a header (Go's Header.Get), undefined when absent. */
function header(req: IncomingMessage, name: string): string | undefined {
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === name) return raw[i + 1];
    return undefined;
  }
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Go's r.ContentLength: the declared length, -1 when unknown (chunked), 0 without a body. */
function contentLength(req: IncomingMessage): number {
  const cl = header(req, 'content-length');
  if (cl !== undefined && /^\d+$/.test(cl.trim())) return Number(cl.trim());
  return header(req, 'transfer-encoding') !== undefined ? -1 : 0;
}

function hostPort(address: string | undefined, port: number | undefined): string {
  if (!address) return '';
  const ip = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return (ip.includes(':') ? `[${ip}]` : ip) + ':' + (port ?? 0);
}

/** How many Host header lines the request carried (Node keeps only the first in req.headers). */
function hostHeaderCount(req: IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'host') n++;
  return n;
}

/**
 * Go's r.Host: for an absolute-form request line (`POST http://evil.com/ HTTP/1.1`) the URL's host, which
 * then wins over the Host header (net/http readRequest); otherwise the Host header. The vhost check and the
 * `local` metadata both use it, so a listed Host header cannot smuggle in another host.
 */
function requestHost(req: Pick<IncomingMessage, 'url' | 'headers'>): string {
  const url = req.url ?? '';
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url);
  if (m) {
    const authority = m[1].slice(m[1].lastIndexOf('@') + 1);
    if (authority !== '') return authority;
  }
  return req.headers.host ?? '';
}

/** Go's answer to a malformed request (server.go): `400 Bad Request: <why>` as plain text, connection closed. */
function sendBadRequest(res: ServerResponse, why: string): void {
  res.statusCode = 400;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('connection', 'close');
  res.end(`400 Bad Request: ${why}`);
}

/** Request metadata (external-api.md §2). */
function httpMeta(req: IncomingMessage): Meta {
  const host = requestHost(req);
  return {
    remote: hostPort(req.socket.remoteAddress, req.socket.remotePort) || 'NA',
    local: host === '' ? 'NA' : host,
    scheme: `HTTP/${req.httpVersion}`,
    'User-Agent': header(req, 'user-agent') ?? '',
    Origin: header(req, 'origin') ?? '',
  };
}

function sendBody(res: ServerResponse, body: Buffer, gzip: boolean): void {
  if (res.destroyed) return;
  if (gzip) {
    res.setHeader('content-encoding', 'gzip');
    body = gzipSync(body);
  }
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** Go's http.Error: plain text plus newline. */
function sendPlain(res: ServerResponse, status: number, message: string, gzip: boolean): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('x-content-type-options', 'nosniff');
  sendBody(res, Buffer.from(message + '\n'), gzip);
}

type BodyOutcome = { kind: 'value'; text: string } | { kind: 'eof' } | { kind: 'parse' } | { kind: 'aborted' };

/** How long an answer waits for the rest of a body it no longer needs to be discarded. */
const DRAIN_WAIT_MS = 5_000;

/**
 * Resolves once the request body has been read to its end (or failed), at most after DRAIN_WAIT_MS. Answering
 * while the client is still sending can make the connection close under it (a reset that eats the answer; seen with
 * bun's node:http); Go's server lingers for the same reason.
 */
function bodyDrained(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DRAIN_WAIT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
  });
}

/** Reads the body (at most bodyLimit bytes, silently truncated like Go's LimitReader) up to its first JSON value. */
function readFirstValue(req: IncomingMessage): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const scanner = new GoJsonScanner();
    const decoder = new TextDecoder('utf-8');
    let received = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.resume(); // the rest of the body is discarded
      resolve(outcome);
    };
    const attempt = (atEnd: boolean) => {
      try {
        const v = atEnd ? scanner.finish() : scanner.next();
        if (v !== null) settle({ kind: 'value', text: v });
        else if (atEnd) settle({ kind: 'eof' });
      } catch (err) {
        if (err instanceof JsonSyntaxError || err instanceof JsonEofError) settle({ kind: 'parse' });
        else throw err;
      }
    };
    function onData(chunk: Buffer): void {
      const room = bodyLimit - received;
      const atLimit = chunk.length >= room;
      const piece = atLimit ? chunk.subarray(0, room) : chunk;
      received += piece.length;
      scanner.push(decoder.decode(piece, { stream: !atLimit }));
      attempt(atLimit);
    }
    function onEnd(): void {
      scanner.push(decoder.decode());
      attempt(true);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', () => settle({ kind: 'aborted' }));
    req.on('error', () => settle({ kind: 'aborted' }));
  });
}

async function serveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  server: JsonRpcServer,
  vhosts: ReadonlySet<string>,
  deadlineMs: number,
): Promise<void> {
  const started = Date.now();
  const gzip = (header(req, 'accept-encoding') ?? '').includes('gzip');
  if (hostHeaderCount(req) > 1) return sendBadRequest(res, 'too many Host headers');
  if (!hostAllowed(requestHost(req), vhosts)) return sendPlain(res, 403, 'invalid host specified', gzip);

  const length = contentLength(req);
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  if (req.method === 'GET' && length === 0 && rawQuery === '') {
    // health check; behind Go's gzip writer even an empty answer is a (empty) gzip stream
    res.statusCode = 200;
    if (gzip) return sendBody(res, Buffer.alloc(0), true);
    res.end();
    return;
  }
  if (req.method === 'PUT' || req.method === 'DELETE') return sendPlain(res, 405, 'method not allowed', gzip);
  if (length > bodyLimit) return sendPlain(res, 413, `content length too large (${length}>${bodyLimit})`, gzip);
  if (req.method !== 'OPTIONS') {
    const ct = header(req, 'content-type');
    const media = ct === undefined ? null : parseMediaType(ct);
    if (media === null || !acceptedContentTypes.has(media)) {
      return sendPlain(res, 415, 'invalid content type, only application/json is supported', gzip);
    }
  }

  const meta = httpMeta(req);
  res.setHeader('content-type', 'application/json');
  const body = await readFirstValue(req);
  if (body.kind === 'aborted') return;
  const drained = bodyDrained(req);
  if (body.kind === 'eof') {
    res.end();
    return;
  }
  const reply =
    body.kind === 'parse'
      ? { text: parseErrorResponse('parse error'), transportError: true }
      : await server.handle(parseRequest(body.text), {
          transport: 'http',
          meta,
          timeoutMs: Math.max(1, deadlineMs - (Date.now() - started)),
        });
  await drained;
  if (res.destroyed) return;
  if (reply === null) {
    res.end();
  } else if (reply.transportError) {
    // geth flushes these uncompressed, with a length and without the encoder's newline
    const buf = Buffer.from(reply.text);
    res.setHeader('content-length', buf.length);
    res.end(buf);
  } else {
    sendBody(res, Buffer.from(reply.text + '\n'), gzip);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

const errnoText: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'cannot assign requested address',
};

function listenError(address: string, err: unknown): Error {
  const code = (err as { code?: unknown })?.code;
  const reason = typeof code === 'string' && errnoText[code] ? errnoText[code] : errorMessage(err);
  return new Error(`listen tcp ${address}: bind: ${reason}`);
}

/** Resolves the listen host like Go's net.Listen: literals as is, names to their first IPv4 address. */
async function resolveListenHost(host: string): Promise<string | undefined> {
  if (host === '') return undefined;
  if (isIP(host)) return host;
  try {
    const addrs = await lookup(host, { all: true });
    const v4 = addrs.find((a) => a.family === 4);
    return (v4 ?? addrs[0]).address;
  } catch (err) {
    throw new Error(`listen tcp ${host}: lookup ${host}: ${errorMessage(err)}`);
  }
}

/** Serves `server` over HTTP with clef's handler stack and timeouts. */
export async function startHttpServer(config: HttpConfig, server: JsonRpcServer, logger: Logger): Promise<HttpEndpoint> {
  const vhosts = new Set(config.vhosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== ''));
  const deadlineMs = config.timeoutMs ?? writeTimeoutMs - 100;
  const writeLimitMs = deadlineMs + 100;
  const connections = new Set<Socket>();

  // Go allows 1 MiB of headers; the checking interval makes the 30 s read timeout hold to the second
  const http = createServer({ maxHeaderSize: 1 << 20, connectionsCheckingInterval: 1000 }, (req, res) => {
    res.on('error', () => undefined);
    // Go's WriteTimeout: a response not delivered in time costs the connection
    const guard = setTimeout(() => {
      if (!res.writableFinished) req.socket.destroy();
    }, writeLimitMs);
    res.on('close', () => clearTimeout(guard));
    serveRequest(req, res, server, vhosts, deadlineMs).catch((err: unknown) => {
      logger.error('HTTP request failed', { err: errorMessage(err) });
      if (!res.headersSent) res.statusCode = 500;
      if (!res.writableEnded) res.end();
    });
  });
  http.requestTimeout = readTimeoutMs;
  http.headersTimeout = readHeaderTimeoutMs;
  http.keepAliveTimeout = idleTimeoutMs;
  http.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });

  const host = await resolveListenHost(config.host);
  const display = `${host === undefined ? '' : host.includes(':') ? `[${host}]` : host}:${config.port}`;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown) => reject(listenError(display, err));
    http.once('error', onError);
    const done = () => {
      http.off('error', onError);
      resolve();
    };
    if (host === undefined) http.listen(config.port, done);
    else http.listen(config.port, host, done);
  });
  http.on('error', (err) => logger.error('HTTP server failed', { err: err.message }));

  const addr = http.address();
  const bound = typeof addr === 'object' && addr !== null ? hostPort(addr.address, addr.port) : display;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${bound}/`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        http.close(() => resolve());
        for (const s of connections) s.destroy();
      });
      return closed;
    },
  };
}
