// Hostile and broken input against the running daemon, over IPC and HTTP (external-api.md §1, §3): each case gets
// a JSON-RPC error (or the documented HTTP status), a second client connected the whole time keeps getting answers,
// and the daemon never exits. No case reaches an approval prompt (stdin is /dev/null).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, keccak256, toHex, utf8 } from '../../core/bytes.ts';
import { goStringify } from '../../core/gojson.ts';
import { addressOfPrivateKey, signDigest } from '../../core/secp256k1.ts';
import { spawnDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { GethIpcClient } from '../support/ipc-client.ts';

/** Per-test bound: spawning tsx and provisioning takes seconds (bun's default is 5 s). */
const T = 60_000;

const ADDR = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';

interface Env {
  daemon: DaemonProcess;
  dir: string;
  ipc: string;
  http: { host: string; port: number };
  /** Connected before the first case and kept open to the end. */
  bystander: GethIpcClient;
}

let envPromise: Promise<Env> | null = null;
function env(): Promise<Env> {
  envPromise ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clef-e2e-'));
    const daemon = spawnDaemon(
      ['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--http', '--http.port', '0', '--auditlog', ''],
      { cwd: dir, stdin: 'null' },
    );
    const ipc = await daemon.ipcPath();
    const url = new URL(await daemon.httpUrl());
    await daemon.ready();
    const bystander = await GethIpcClient.connect(ipc);
    return { daemon, dir, ipc, http: { host: url.hostname, port: Number(url.port) }, bystander };
  })();
  return envPromise;
}

/** The other clients still get answers (IPC bystander, a fresh HTTP request) and the daemon is alive. */
async function othersStillServed(e: Env, what: string): Promise<void> {
  assert.ok(e.daemon.alive, `daemon alive after ${what}`);
  assert.equal(await e.bystander.call('account_version', undefined, 10000), '6.1.0', `IPC bystander answered after ${what}`);
  const r = await httpRaw(e, { body: '{"jsonrpc":"2.0","id":9,"method":"account_version"}' });
  assert.equal(r.body, '{"jsonrpc":"2.0","id":9,"result":"6.1.0"}\n', `HTTP answered after ${what}`);
}

/**
 * Sends `text` on a fresh IPC connection and returns the first `lines` response lines; then probes whether the
 * connection is still served (a follow-up account_version is answered) or was closed by the server.
 */
async function ipcExchange(e: Env, text: string | Uint8Array, lines = 1, timeoutMs = 20000): Promise<{ lines: string[]; closed: boolean }> {
  const c = await GethIpcClient.connect(e.ipc, { callTimeoutMs: timeoutMs });
  try {
    c.writeRaw(text);
    const got: string[] = [];
    while (got.length < lines) {
      const l = await c.nextLine(timeoutMs);
      if (l === null) break;
      got.push(l);
    }
    if (!c.isOpen) return { lines: got, closed: true };
    c.writeRaw('{"jsonrpc":"2.0","id":"probe","method":"account_version"}\n');
    const probe = await c.nextLine(timeoutMs);
    if (probe === null) return { lines: got, closed: true };
    assert.equal(probe, '{"jsonrpc":"2.0","id":"probe","result":"6.1.0"}', 'the follow-up on the same connection');
    return { lines: got, closed: false };
  } finally {
    c.close();
  }
}

interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw HTTP/1.1 exchange on its own keep-alive connection, as Go's client does it: the body goes out in pieces
 * and stops once the server has answered (a 413 comes before the body is read); the answer is complete when its
 * declared length (or the last chunk) has arrived, and the connection is then dropped.
 */
function httpRaw(
  e: Env,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; host?: string; chunked?: boolean; timeoutMs?: number },
): Promise<HttpReply> {
  const body = typeof opts.body === 'string' ? utf8(opts.body) : (opts.body ?? new Uint8Array(0));
  const headers: Record<string, string> = {
    Host: opts.host ?? 'localhost',
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'User-Agent': 'Go-http-client/1.1',
    ...(opts.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(body.length) }),
    ...opts.headers,
  };
  const head = `${opts.method ?? 'POST'} / HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  const timeoutMs = opts.timeoutMs ?? 20000;
  return new Promise((done, fail) => {
    const sock = connect(e.http.port, e.http.host);
    let received = Buffer.alloc(0);
    let settled = false;
    const errors: string[] = [];
    const finish = (reply: HttpReply | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (reply instanceof Error) fail(reply);
      else done(reply);
    };
    const timer = setTimeout(() => finish(new Error(`HTTP exchange timed out after ${timeoutMs} ms`)), timeoutMs);
    sock.on('data', (b: Buffer) => {
      received = Buffer.concat([received, b]);
      const reply = parseHttp(received, false);
      if (reply) finish(reply);
    });
    sock.on('error', (err) => errors.push(err.message));
    sock.on('close', () => {
      const reply = parseHttp(received, true);
      finish(reply ?? new Error(`no complete HTTP response: ${JSON.stringify(received.toString('latin1').slice(0, 200))} (socket errors: ${errors.join(', ') || 'none'})`));
    });
    sock.on('connect', () => {
      void (async () => {
        const send = async (piece: string | Uint8Array) => {
          if (received.length > 0 || sock.destroyed) return false;
          if (!sock.write(piece)) await new Promise<void>((r) => (sock.once('drain', r), sock.once('close', r)));
          return true;
        };
        await send(head);
        for (let i = 0; i < body.length; i += 1 << 16) {
          const part = body.subarray(i, i + (1 << 16));
          const ok = opts.chunked ? (await send(`${part.length.toString(16)}\r\n`)) && (await send(part)) && (await send('\r\n')) : await send(part);
          if (!ok) return;
        }
        if (opts.chunked) await send('0\r\n\r\n');
      })();
    });
  });
}

/** The response in `buf` once complete (or, at the close, whatever arrived); null while incomplete. */
function parseHttp(buf: Buffer, closed: boolean): HttpReply | null {
  const sep = buf.indexOf('\r\n\r\n');
  if (sep < 0) return null;
  const [statusLine, ...lines] = buf.subarray(0, sep).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = buf.subarray(sep + 4);
  if ((headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', at);
      if (nl < 0) return null;
      const size = parseInt(rest.subarray(at, nl).toString('latin1'), 16);
      if (size === 0) break;
      if (rest.length < nl + 2 + size + 2) return null;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
    return { status, headers, body: Buffer.concat(parts).toString('utf8') };
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (rest.length < n) return closed ? { status, headers, body: rest.toString('utf8') } : null;
    return { status, headers, body: rest.subarray(0, n).toString('utf8') };
  }
  return closed ? { status, headers, body: rest.toString('utf8') } : null;
}

const req = (id: number | string, method: string, params?: unknown): string =>
  JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
/** An error answer as Go writes it (HTML characters escaped, e.g. `>` as \u003e). */
const err = (id: string, code: number, message: string): string => `{"jsonrpc":"2.0","id":${id},"error":{"code":${code},"message":${goStringify(message)}}}`;

/** Single requests whose exact answers are the same over IPC and HTTP (external-api.md §3). */
const SAME_ON_BOTH: { name: string; request: string; answer: string | RegExp }[] = [
  { name: 'invalid request (jsonrpc 1.0)', request: '{"jsonrpc":"1.0","id":5,"method":"account_version"}', answer: err('5', -32600, 'invalid request') },
  { name: 'request without a method', request: '{"jsonrpc":"2.0","id":6}', answer: err('6', -32600, 'invalid request') },
  { name: 'unknown method', request: req(7, 'account_foo'), answer: err('7', -32601, 'the method account_foo does not exist/is not available') },
  { name: 'method names are case-sensitive', request: req(8, 'Account_version'), answer: err('8', -32601, 'the method Account_version does not exist/is not available') },
  { name: 'a 3000-byte method name', request: req(9, `account_${'x'.repeat(2992)}`), answer: err('9', -32600, 'method name too long: 3000 > 2048') },
  { name: 'object params', request: req(10, 'account_ecRecover', { data: '0x00' }), answer: err('10', -32602, 'non-array args') },
  { name: 'too many arguments', request: req(11, 'account_version', [1]), answer: err('11', -32602, 'too many arguments, want at most 0') },
  { name: 'missing argument', request: req(12, 'account_ecRecover', ['0x00']), answer: err('12', -32602, 'missing value for required argument 1') },
  {
    name: 'number where bytes are expected',
    request: req(13, 'account_ecRecover', [12, '0x00']),
    answer: /^\{"jsonrpc":"2.0","id":13,"error":\{"code":-32602,"message":"invalid argument 0: json: cannot unmarshal [^"]*"\}\}$/,
  },
  {
    name: 'odd-length hex',
    request: req(14, 'account_ecRecover', ['0xabc', '0x00']),
    answer: /^\{"jsonrpc":"2.0","id":14,"error":\{"code":-32602,"message":"invalid argument 0: json: cannot unmarshal hex string of odd length into [^"]*"\}\}$/,
  },
  {
    name: 'non-hex digits',
    request: req(15, 'account_ecRecover', ['0x00', '0xzz']),
    answer: /^\{"jsonrpc":"2.0","id":15,"error":\{"code":-32602,"message":"invalid argument 1: json: cannot unmarshal invalid hex string into [^"]*"\}\}$/,
  },
  {
    name: 'gas above 64 bits',
    request: req(16, 'account_signTransaction', [{ from: ADDR, to: ADDR, gas: '0x10000000000000000', gasPrice: '0x1', value: '0x0', nonce: '0x0' }]),
    answer: err('16', -32602, 'invalid argument 0: json: cannot unmarshal hex number > 64 bits into Go struct field SendTxArgs.gas of type hexutil.Uint64'),
  },
  {
    name: 'value above 256 bits',
    request: req(17, 'account_signTransaction', [{ from: ADDR, to: ADDR, gas: '0x5208', gasPrice: '0x1', value: `0x1${'0'.repeat(64)}`, nonce: '0x0' }]),
    answer: err('17', -32602, 'invalid argument 0: json: cannot unmarshal hex number > 256 bits into Go struct field SendTxArgs.value of type *hexutil.Big'),
  },
  {
    name: 'a 400-digit JSON number as nonce',
    request: `{"jsonrpc":"2.0","id":18,"method":"account_signTransaction","params":[{"from":"${ADDR}","to":"${ADDR}","gas":"0x5208","gasPrice":"0x1","nonce":${'9'.repeat(400)}}]}`,
    answer: err('18', -32602, 'invalid argument 0: json: cannot unmarshal non-string into Go struct field SendTxArgs.nonce of type hexutil.Uint64'),
  },
  {
    name: 'leading-zero quantity',
    request: req(19, 'account_signTransaction', [{ from: ADDR, to: ADDR, gas: '0x05208', gasPrice: '0x1', nonce: '0x0' }]),
    answer: err('19', -32602, 'invalid argument 0: json: cannot unmarshal hex number with leading zero digits into Go struct field SendTxArgs.gas of type hexutil.Uint64'),
  },
  {
    name: 'short address',
    request: req(20, 'account_signData', ['text/plain', '0x1234', '0x00']),
    answer: err('20', -32602, 'invalid argument 1: hex string has length 4, want 40 for common.Address'),
  },
  { name: 'data of the wrong JSON type', request: req(21, 'account_signData', ['text/plain', ADDR, 12]), answer: err('21', -32000, 'wrong type float64') },
  { name: 'odd hex in sign data', request: req(22, 'account_signData', ['text/plain', ADDR, '0xabc']), answer: err('22', -32000, 'hex string of odd length') },
  { name: 'bad mime type', request: req(23, 'account_signData', ['text/', ADDR, '0x00']), answer: err('23', -32000, 'mime: expected token after slash') },
  {
    name: 'garbage clique header',
    request: req(24, 'account_signData', ['application/x-clique-header', ADDR, '0xc0']),
    answer: /^\{"jsonrpc":"2.0","id":24,"error":\{"code":-32000,"message":"rlp: [^"]+"\}\}$/,
  },
  {
    name: 'a 30-digit id is echoed verbatim',
    request: '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"account_version"}',
    answer: '{"jsonrpc":"2.0","id":123456789012345678901234567890,"result":"6.1.0"}',
  },
  { name: 'ecRecover with a 64-byte signature', request: req(25, 'account_ecRecover', ['0x00', `0x${'11'.repeat(64)}`]), answer: err('25', -32000, 'signature must be 65 bytes long') },
];

function assertAnswer(got: string | undefined, want: string | RegExp, what: string): void {
  assert.ok(got !== undefined, `${what}: an answer`);
  if (typeof want === 'string') assert.equal(got, want, what);
  else assert.match(got, want, what);
}

test(`IPC: ${SAME_ON_BOTH.length} malformed or invalid requests each get their JSON-RPC error; the bystander keeps being served`, { timeout: T }, async () => {
  const e = await env();
  for (const c of SAME_ON_BOTH) {
    const r = await ipcExchange(e, `${c.request}\n`);
    assertAnswer(r.lines[0], c.answer, `IPC ${c.name}`);
    assert.equal(r.closed, false, `IPC ${c.name}: the connection stays open`);
  }
  await othersStillServed(e, 'the IPC cases');
});

test(`HTTP: the same ${SAME_ON_BOTH.length} requests get the same errors`, { timeout: T }, async () => {
  const e = await env();
  for (const c of SAME_ON_BOTH) {
    const r = await httpRaw(e, { body: c.request });
    assert.equal(r.status, 200, `HTTP ${c.name}: status`);
    assert.equal(r.headers['content-type'], 'application/json');
    assertAnswer(r.body.replace(/\n$/, ''), c.answer, `HTTP ${c.name}`);
  }
  await othersStillServed(e, 'the HTTP cases');
});

test('bad JSON: IPC answers -32700 with the decoder text and closes that connection only; HTTP answers "parse error"', { timeout: T }, async () => {
  const e = await env();
  const r = await ipcExchange(e, '{"jsonrpc":"2.0","id":1,"method":}\n');
  assert.equal(r.lines[0], `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character '}' looking for beginning of value"}}`);
  assert.equal(r.closed, true, 'the connection is closed after a syntax error');
  const garbage = await ipcExchange(e, 'xyz\n');
  assert.equal(garbage.lines[0], `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character 'x' looking for beginning of value"}}`);
  const h = await httpRaw(e, { body: '{"jsonrpc":"2.0","id":1,"method":}' });
  assert.equal(h.status, 200);
  assert.equal(h.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
  const h2 = await httpRaw(e, { body: new Uint8Array([0xff, 0xfe, 0x00, 0x7b]) });
  assert.equal(h2.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
  await othersStillServed(e, 'bad JSON');
});

test('batches: HTTP refuses 1001 entries with "batch too large" and [] with "empty batch"; 1000 pass; IPC has no limit', { timeout: T }, async () => {
  const e = await env();
  const batch = (n: number) => `[${Array.from({ length: n }, (_, i) => req(i + 1, 'account_version')).join(',')}]`;
  const big = await httpRaw(e, { body: batch(1001) });
  assert.equal(big.status, 200);
  assert.equal(big.body, '[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"batch too large"}}]');
  const empty = await httpRaw(e, { body: '[]' });
  assert.equal(empty.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}');
  const ok = await httpRaw(e, { body: batch(1000) });
  const answers = JSON.parse(ok.body) as { id: number; result: string }[];
  assert.equal(answers.length, 1000);
  assert.ok(answers.every((a, i) => a.id === i + 1 && a.result === '6.1.0'));
  const mixed = await httpRaw(e, { body: `[${req(1, 'account_version')},${req(2, 'account_nope')},42]` });
  assert.equal(
    mixed.body,
    '[{"jsonrpc":"2.0","id":1,"result":"6.1.0"},{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"the method account_nope does not exist/is not available"}},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}}]\n',
  );
  const ipc = await ipcExchange(e, `${batch(5000)}\n`);
  const ipcAnswers = JSON.parse(ipc.lines[0]) as { id: number; result: string }[];
  assert.equal(ipcAnswers.length, 5000, 'IPC answers a 5000-entry batch');
  assert.ok(ipcAnswers.every((a) => a.result === '6.1.0'));
  await othersStillServed(e, 'oversized batches');
});

test('10 MB: HTTP answers 413 (declared) or parse error (chunked, cut at 5 MiB); IPC refuses it with -32700 (5 MiB limit) and serves 4 MiB', { timeout: T }, async () => {
  const e = await env();
  const key = keccak256(utf8('clef-ts malformed test key'));
  const message = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
  const digest = keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${message.length}`), message));
  const sig = signDigest(key, digest);
  sig[64] += 27;
  const body = req(1, 'account_ecRecover', [toHex(message), toHex(sig)]);
  assert.ok(body.length > 10_000_000, `${body.length} bytes`);

  const declared = await httpRaw(e, { body });
  assert.equal(declared.status, 413);
  assert.equal(declared.body, `content length too large (${body.length}>5242880)\n`);
  const chunked = await httpRaw(e, { body, chunked: true });
  assert.equal(chunked.status, 200);
  assert.equal(chunked.body, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');

  const ipc = await ipcExchange(e, `${body}\n`);
  assert.equal(ipc.lines[0], '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"request too large (limit 5242880)"}}');
  // under the limit (a 2 MiB message is a 4 MiB request) IPC still serves it
  const small = message.subarray(0, 2 * 1024 * 1024);
  const smallSig = signDigest(key, keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${small.length}`), small)));
  smallSig[64] += 27;
  const served = await ipcExchange(e, `${req(2, 'account_ecRecover', [toHex(small), toHex(smallSig)])}\n`);
  assert.equal(served.lines[0], `{"jsonrpc":"2.0","id":2,"result":"${addressOfPrivateKey(key)}"}`);
  await othersStillServed(e, '10 MB bodies');
});

test('HTTP request checks: PUT 405, wrong content type 415, GET health 200, foreign Host 403, subscriptions refused', { timeout: T }, async () => {
  const e = await env();
  const put = await httpRaw(e, { method: 'PUT', body: req(1, 'account_version') });
  assert.deepEqual([put.status, put.body], [405, 'method not allowed\n']);
  const del = await httpRaw(e, { method: 'DELETE' });
  assert.deepEqual([del.status, del.body], [405, 'method not allowed\n']);
  const text = await httpRaw(e, { body: req(1, 'account_version'), headers: { 'Content-Type': 'text/plain' } });
  assert.deepEqual([text.status, text.body], [415, 'invalid content type, only application/json is supported\n']);
  const health = await httpRaw(e, { method: 'GET', headers: { 'Content-Type': '' } });
  assert.deepEqual([health.status, health.body], [200, '']);
  const foreign = await httpRaw(e, { body: req(1, 'account_version'), host: 'evil.example:8550' });
  assert.deepEqual([foreign.status, foreign.body], [403, 'invalid host specified\n']);
  const byIp = await httpRaw(e, { body: req(1, 'account_version'), host: `${e.http.host}:${e.http.port}` });
  assert.equal(byIp.body, '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}\n', 'an IP Host always passes');
  const sub = await httpRaw(e, { body: req(3, 'account_subscribe', ['x']) });
  assert.equal(sub.body, `${err('3', -32601, 'notifications not supported')}\n`);
  const ipcSub = await ipcExchange(e, `${req(3, 'account_subscribe', ['x'])}\n`);
  assert.equal(ipcSub.lines[0], err('3', -32601, 'no "x" subscription in account namespace'));
  // A notification (no id) is executed but never answered; the next request is.
  const note = await ipcExchange(e, `{"jsonrpc":"2.0","method":"account_version"}\n${req(4, 'account_version')}\n`);
  assert.equal(note.lines[0], '{"jsonrpc":"2.0","id":4,"result":"6.1.0"}');
  await othersStillServed(e, 'the HTTP request checks');
});

test('half-written requests that never complete (IPC and HTTP) block nobody; the daemon never exited', { timeout: T }, async () => {
  const e = await env();
  const stuckIpc = await GethIpcClient.connect(e.ipc);
  stuckIpc.writeRaw('{"jsonrpc":"2.0","id":1,"method":"account_ver');
  const stuckHttp = connect(e.http.port, e.http.host);
  stuckHttp.on('error', () => undefined);
  await new Promise<void>((r) => stuckHttp.once('connect', () => r()));
  stuckHttp.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":"2.0",');
  const stuckHeaders = connect(e.http.port, e.http.host);
  stuckHeaders.on('error', () => undefined);
  stuckHeaders.write('POST / HTTP/1.1\r\nHost: local');
  try {
    for (let i = 0; i < 20; i++) await othersStillServed(e, `half-written requests (round ${i})`);
    // A fresh IPC client and the stuck one's own later completion are both served.
    const fresh = await GethIpcClient.connect(e.ipc);
    assert.equal(await fresh.call('account_version'), '6.1.0');
    fresh.close();
    stuckIpc.writeRaw('sion"}\n');
    assert.equal(await stuckIpc.nextLine(10000), '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}', 'the half-written request completes later');
  } finally {
    stuckIpc.close();
    stuckHttp.destroy();
    stuckHeaders.destroy();
  }
  assert.ok(e.daemon.alive);
  assert.doesNotMatch(e.daemon.output, /Fatal|panic|Uncaught|Unhandled/i);
  assert.equal(e.daemon.prompts, 0, 'no case reached an approval prompt');
  e.bystander.close();
  assert.deepEqual(await e.daemon.stop('SIGTERM'), { code: 0, signal: null });
  rmSync(e.dir, { recursive: true, force: true });
});
