// The HTTP endpoint on 127.0.0.1 with a raw HTTP/1.1 client, so every byte of the exchange is checked
// (external-api.md §1.2, §2, §10.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { hostAllowed, parseMediaType, splitHostPort, startHttpServer, type HttpEndpoint } from '../../../adapters/transport/http.ts';
import { JsonRpcServer, type JsonRpcOptions } from '../../../adapters/transport/jsonrpc.ts';
import { ErrorCode, SignerError } from '../../../core/errors.ts';
import type { Json } from '../../../core/gojson.ts';
import type { Logger } from '../../../core/ports.ts';
import type { RpcCall } from '../../../core/rpc.ts';

const quiet: Logger = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

function fakeSigner(options?: JsonRpcOptions) {
  const calls: RpcCall[] = [];
  const finished: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = new JsonRpcServer(async (call) => {
    calls.push(call);
    if (call.method === 'account_version') return '6.1.0';
    if (call.method === 'account_echo') return call.params as Json;
    if (call.method === 'account_slow') {
      await gate;
      finished.push('account_slow');
      return 'slow';
    }
    throw new SignerError(`the method ${call.method} does not exist/is not available`, ErrorCode.methodNotFound);
  }, options);
  return { server, calls, finished, release };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends exact request bytes on a fresh connection and parses the (single) response. */
function rawRequest(port: number, head: string, body: string | Buffer = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const timer = setTimeout(() => finish(new Error('no response within 10 s')), 10_000);
    const finish = (err?: Error) => {
      if (done) return;
      const data = Buffer.concat(chunks);
      const parsed = err ? null : parseResponse(data);
      if (!err && !parsed) return; // incomplete, keep reading
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(parsed!);
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!done) {
        const parsed = parseResponse(Buffer.concat(chunks));
        if (parsed) {
          done = true;
          clearTimeout(timer);
          resolve(parsed);
        } else finish(new Error('connection closed without a complete response'));
      }
    });
    socket.on('connect', () => {
      socket.write(head.replace(/\n/g, '\r\n') + '\r\n');
      if (body.length > 0) socket.write(body);
    });
  });
}

function parseResponse(data: Buffer): RawResponse | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = data.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    let i = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', i);
      if (nl < 0) return null;
      const size = parseInt(rest.subarray(i, nl).toString(), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(parts) };
      if (rest.length < nl + 2 + size + 2) return null;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      i = nl + 2 + size + 2;
    }
  }
  const len = Number(headers['content-length'] ?? 0);
  if (rest.length < len) return null;
  return { status, headers, body: rest.subarray(0, len) };
}

/** A POST as geth's external signer client sends it (external-api.md §10.1). */
function gethPost(port: number, body: string, extra = ''): Promise<RawResponse> {
  return rawRequest(
    port,
    `POST / HTTP/1.1\nHost: 127.0.0.1:${port}\nUser-Agent: Go-http-client/1.1\nContent-Length: ${Buffer.byteLength(body)}\nAccept: application/json\nContent-Type: application/json\n${extra}Accept-Encoding: gzip\n`,
    body,
  );
}

/** A plain POST without gzip. */
function post(port: number, body: string | Buffer, headers = 'Content-Type: application/json\n', host = 'localhost'): Promise<RawResponse> {
  return rawRequest(port, `POST / HTTP/1.1\nHost: ${host}\nContent-Length: ${Buffer.byteLength(body)}\n${headers}Connection: close\n`, body);
}

async function withServer(
  fn: (ep: HttpEndpoint, port: number, signer: ReturnType<typeof fakeSigner>) => Promise<void>,
  opts: { vhosts?: string[]; timeoutMs?: number; rpc?: JsonRpcOptions } = {},
): Promise<void> {
  const signer = fakeSigner(opts.rpc);
  const ep = await startHttpServer({ host: '127.0.0.1', port: 0, vhosts: opts.vhosts ?? ['localhost'], timeoutMs: opts.timeoutMs }, signer.server, quiet);
  const port = Number(new URL(ep.url).port);
  try {
    await fn(ep, port, signer);
  } finally {
    signer.release();
    await ep.close();
  }
}

async function stillServes(port: number): Promise<void> {
  const r = await post(port, '{"jsonrpc":"2.0","id":1,"method":"account_version"}');
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}\n');
}

test('listens on 127.0.0.1 and reports http://<ip:port>/', async () => {
  await withServer(async (ep, port) => {
    assert.match(ep.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(port > 0);
  });
  const busy = await startHttpServer({ host: '127.0.0.1', port: 0, vhosts: [] }, fakeSigner().server, quiet);
  try {
    const port = Number(new URL(busy.url).port);
    await assert.rejects(startHttpServer({ host: '127.0.0.1', port, vhosts: [] }, fakeSigner().server, quiet), {
      message: `listen tcp 127.0.0.1:${port}: bind: address already in use`,
    });
  } finally {
    await busy.close();
  }
});

test("geth's requests: gzip answers with newline, content-type application/json, HTTP meta", async () => {
  await withServer(async (_ep, port, signer) => {
    const r = await gethPost(port, '{"jsonrpc":"2.0","id":1,"method":"account_version"}');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(r.body).toString(), '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}\n');
    const meta = signer.calls[0].meta;
    assert.match(meta.remote, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual({ ...meta, remote: 'x' }, { remote: 'x', local: `127.0.0.1:${port}`, scheme: 'HTTP/1.1', 'User-Agent': 'Go-http-client/1.1', Origin: '' });

    const sign = await gethPost(
      port,
      '{"jsonrpc":"2.0","id":3,"method":"account_echo","params":["text/plain","0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","0x68656c6c6f"]}',
      'Origin: https://dapp.example\n',
    );
    assert.equal(gunzipSync(sign.body).toString(), '{"jsonrpc":"2.0","id":3,"result":["text/plain","0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","0x68656c6c6f"]}\n');
    assert.equal(signer.calls[1].meta.Origin, 'https://dapp.example');

    const plain = await post(port, '{"jsonrpc":"2.0","id":"abc","method":"account_version"}');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), '{"jsonrpc":"2.0","id":"abc","result":"6.1.0"}\n');
    assert.equal(signer.calls[2].meta.local, 'localhost');
    assert.equal(signer.calls[2].meta['User-Agent'], '');
  });
});

test('request checks in order: health GET, 405, 413, OPTIONS, 415', async () => {
  await withServer(async (_ep, port, signer) => {
    const health = await rawRequest(port, 'GET / HTTP/1.1\nHost: localhost\nConnection: close\n');
    assert.equal(health.status, 200);
    assert.equal(health.body.length, 0);
    const healthGz = await rawRequest(port, 'GET / HTTP/1.1\nHost: localhost\nAccept-Encoding: gzip\nConnection: close\n');
    assert.equal(healthGz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(healthGz.body).length, 0);
    // a query string is not a health check: it falls through to the content-type check
    const query = await rawRequest(port, 'GET /?x=1 HTTP/1.1\nHost: localhost\nConnection: close\n');
    assert.equal(query.status, 415);

    for (const method of ['PUT', 'DELETE']) {
      const r = await rawRequest(port, `${method} / HTTP/1.1\nHost: localhost\nContent-Type: application/json\nContent-Length: 0\nConnection: close\n`);
      assert.equal(r.status, 405);
      assert.equal(r.body.toString(), 'method not allowed\n');
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    }
    // the declared length is judged before anything is read: a 10 MB body is refused by its header alone
    const big = await rawRequest(port, 'POST / HTTP/1.1\nHost: localhost\nContent-Type: application/json\nContent-Length: 10485760\nConnection: close\n');
    assert.equal(big.status, 413);
    assert.equal(big.body.toString(), 'content length too large (10485760>5242880)\n');
    const gz413 = await rawRequest(port, 'POST / HTTP/1.1\nHost: localhost\nContent-Length: 5242881\nAccept-Encoding: gzip\nConnection: close\n');
    assert.equal(gz413.status, 413);
    assert.equal(gunzipSync(gz413.body).toString(), 'content length too large (5242881>5242880)\n');

    const options = await rawRequest(port, 'OPTIONS / HTTP/1.1\nHost: localhost\nContent-Type: text/html\nConnection: close\n');
    assert.equal(options.status, 200);
    assert.equal(options.body.length, 0);
    assert.equal(options.headers['content-type'], 'application/json');

    const bad = await post(port, '{"jsonrpc":"2.0","id":1,"method":"account_version"}', 'Content-Type: text/plain\n');
    assert.equal(bad.status, 415);
    assert.equal(bad.body.toString(), 'invalid content type, only application/json is supported\n');
    const none = await post(port, '{}', '');
    assert.equal(none.status, 415);
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON', 'application/json-rpc', 'application/jsonrequest', 'application/json;']) {
      const r = await post(port, '{"jsonrpc":"2.0","id":1,"method":"account_version"}', `Content-Type: ${ct}\n`);
      assert.equal(r.status, 200, ct);
    }
    assert.equal(signer.calls.length, 5);
  });
});

test('media types parse like Go mime.ParseMediaType', () => {
  assert.equal(parseMediaType('application/json'), 'application/json');
  assert.equal(parseMediaType(' Application/JSON ; charset="utf-8"'), 'application/json');
  assert.equal(parseMediaType('application/json;'), 'application/json');
  assert.equal(parseMediaType('application/json; charset'), null);
  assert.equal(parseMediaType('application/json; a=1; a=2'), null);
  assert.equal(parseMediaType('application/'), null);
  assert.equal(parseMediaType('application/json/x'), null);
  assert.equal(parseMediaType(''), null);
});

test('virtual hosts: an absolute-form request line is checked by its URL host, as Go does (403); two Host headers are 400', async () => {
  await withServer(async (_ep, port) => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"account_version"}';
    const send = (target: string, hosts: string[]) =>
      rawRequest(port, `POST ${target} HTTP/1.1\n${hosts.map((h) => `Host: ${h}\n`).join('')}Content-Type: application/json\nContent-Length: ${body.length}\nConnection: close\n`, body);
    // Go takes the host from the URL of an absolute-form request, whatever the Host header says
    for (const target of ['http://evil.com/', 'http://evil.com:8550/', 'HTTP://user@evil.com/x?y=1']) {
      const r = await send(target, ['localhost']);
      assert.equal(r.status, 403, target);
      assert.equal(r.body.toString(), 'invalid host specified\n');
    }
    // a listed host or an IP literal in the URL passes, even with an unlisted Host header
    for (const target of ['http://localhost/', `http://127.0.0.1:${port}/`]) {
      const r = await send(target, ['evil.com']);
      assert.equal(r.status, 200, target);
      assert.equal(r.body.toString(), '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}\n');
    }
    const dup = await send('/', ['localhost', 'evil.com']);
    assert.equal(dup.status, 400);
    assert.equal(dup.body.toString(), '400 Bad Request: too many Host headers');
    await stillServes(port);
  });
});

test('virtual hosts: listed names (case-insensitive), IP literals and a missing Host pass; others get 403', async () => {
  await withServer(async (_ep, port) => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"account_version"}';
    for (const host of ['localhost', `localhost:${port}`, 'LOCALHOST:1', '127.0.0.1:99', '[::1]:8550', '10.0.0.1']) {
      assert.equal((await post(port, body, undefined, host)).status, 200, host);
    }
    for (const host of ['evil.example', 'evil.example:8550', 'localhost.evil', '[::1]']) {
      const r = await post(port, body, undefined, host);
      assert.equal(r.status, 403, host);
      assert.equal(r.body.toString(), 'invalid host specified\n');
    }
    // HTTP/1.0 may omit Host entirely
    const r10 = await rawRequest(port, `POST / HTTP/1.0\nContent-Type: application/json\nContent-Length: ${body.length}\n`, body);
    assert.equal(r10.status, 200);
    assert.equal(r10.body.toString(), '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}\n');
  });
  await withServer(
    async (_ep, port) => {
      assert.equal((await post(port, '{"jsonrpc":"2.0","id":1,"method":"account_version"}', undefined, 'anything.example')).status, 200);
    },
    { vhosts: ['*'] },
  );
  assert.equal(splitHostPort('[::1]:80'), '::1');
  assert.equal(splitHostPort('a:b:c'), null);
  assert.equal(hostAllowed('Example.COM:1', new Set(['example.com'])), true);
  assert.equal(hostAllowed('', new Set()), true);
});

test('malformed input: parse error, empty body, batches, notifications; the server keeps serving', async () => {
  await withServer(async (_ep, port, signer) => {
    const parse = await rawRequest(port, 'POST / HTTP/1.1\nHost: localhost\nContent-Type: application/json\nContent-Length: 5\nAccept-Encoding: gzip\nConnection: close\n', '{"a":');
    // transport errors go out uncompressed, with a length, without the trailing newline
    assert.equal(parse.headers['content-encoding'], undefined);
    assert.equal(parse.body.toString(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
    assert.equal((await post(port, 'garbage')).body.toString(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
    await stillServes(port);

    const empty = await post(port, '  \n');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.length, 0);
    // only the first value of a body counts
    assert.equal((await post(port, '{"jsonrpc":"2.0","id":2,"method":"account_version"} trailing junk')).body.toString(), '{"jsonrpc":"2.0","id":2,"result":"6.1.0"}\n');

    const note = await post(port, '{"jsonrpc":"2.0","method":"account_echo","params":[1]}');
    assert.equal(note.status, 200);
    assert.equal(note.body.length, 0);
    assert.equal(signer.calls.at(-1)?.method, 'account_echo');

    assert.equal((await post(port, '[]')).body.toString(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}');
    const tooMany = '[' + Array.from({ length: 1001 }, (_, i) => `{"jsonrpc":"2.0","id":${i + 10},"method":"account_version"}`).join(',') + ']';
    assert.equal((await post(port, tooMany)).body.toString(), '[{"jsonrpc":"2.0","id":10,"error":{"code":-32600,"message":"batch too large"}}]');
    const ok = '[{"jsonrpc":"2.0","id":1,"method":"account_version"},{"jsonrpc":"2.0","id":2,"method":"account_nope"},{"jsonrpc":"2.0","id":3,"method":"account_subscribe","params":["x"]}]';
    assert.equal(
      (await post(port, ok)).body.toString(),
      '[{"jsonrpc":"2.0","id":1,"result":"6.1.0"},{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"the method account_nope does not exist/is not available"}},{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"notifications not supported"}}]\n',
    );
    for (const body of ['{"jsonrpc":"2.0","id":1.0,"method":"account_version","params":{}}', '{"jsonrpc":"2.0","id":[],"method":"account_version"}', '{"jsonrpc":"2.0","id":1e400,"method":"account_echo","params":[1e400]}']) {
      assert.equal((await post(port, body)).status, 200);
    }
    assert.equal((await post(port, '{"jsonrpc":"2.0","id":1.0,"method":"account_version","params":{}}')).body.toString(), '{"jsonrpc":"2.0","id":1.0,"error":{"code":-32602,"message":"non-array args"}}\n');
    await stillServes(port);
  });
});

test('a 10 MB chunked body is cut at 5 MiB (parse error); a 4 MB request is served', async () => {
  await withServer(async (_ep, port) => {
    const head = 'POST / HTTP/1.1\nHost: localhost\nContent-Type: application/json\nTransfer-Encoding: chunked\nConnection: close\n';
    const payload = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"account_echo","params":["' + 'a'.repeat(10_000_000) + '"]}');
    const chunked = Buffer.concat([Buffer.from(payload.length.toString(16) + '\r\n'), payload, Buffer.from('\r\n0\r\n\r\n')]);
    const r = await rawRequest(port, head, chunked);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');

    const four = 'b'.repeat(4_000_000);
    const ok = await post(port, `{"jsonrpc":"2.0","id":2,"method":"account_echo","params":["${four}"]}`);
    assert.equal(ok.body.toString(), `{"jsonrpc":"2.0","id":2,"result":["${four}"]}\n`);
    await stillServes(port);
  });
});

test('batch response limit answers the rest with -32003', async () => {
  await withServer(
    async (_ep, port) => {
      const r = await post(port, '[{"jsonrpc":"2.0","id":1,"method":"account_version"},{"jsonrpc":"2.0","id":2,"method":"account_version"},{"jsonrpc":"2.0","id":3,"method":"account_version"}]');
      assert.equal(
        r.body.toString(),
        '[{"jsonrpc":"2.0","id":1,"result":"6.1.0"},{"jsonrpc":"2.0","id":2,"error":{"code":-32003,"message":"response too large"}},{"jsonrpc":"2.0","id":3,"error":{"code":-32003,"message":"response too large"}}]',
      );
    },
    { rpc: { maxBatchResponseBytes: 5 } },
  );
});

test('deadline: -32002 request timed out while the handler keeps running', async () => {
  await withServer(
    async (_ep, port, signer) => {
      const r = await gethPost(port, '{"jsonrpc":"2.0","id":7,"method":"account_slow"}');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], undefined);
      assert.equal(r.body.toString(), '{"jsonrpc":"2.0","id":7,"error":{"code":-32002,"message":"request timed out"}}');
      assert.deepEqual(signer.finished, []);
      await stillServes(port);
      signer.release();
      for (let i = 0; i < 100 && signer.finished.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
      assert.deepEqual(signer.finished, ['account_slow']);
    },
    { timeoutMs: 150 },
  );
});

test('keep-alive: several requests on one connection', async () => {
  await withServer(async (_ep, port) => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"account_version"}';
    const one = `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const text = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        got += d;
        if (got.split('"result":"6.1.0"').length === 3) {
          s.destroy();
          resolve(got);
        }
      });
      const t = setTimeout(() => {
        s.destroy();
        resolve(got);
      }, 5000);
      s.on('close', () => clearTimeout(t));
      s.on('connect', () => s.write(one + one));
    });
    assert.equal(text.split('HTTP/1.1 200 OK').length, 3);
  });
});

test('close() stops listening', async () => {
  const ep = await startHttpServer({ host: '127.0.0.1', port: 0, vhosts: ['localhost'] }, fakeSigner().server, quiet);
  const port = Number(new URL(ep.url).port);
  await stillServes(port);
  await ep.close();
  await assert.rejects(post(port, '{}'));
});

const cast = fileURLToPath(new URL('../../../node_modules/.bin/cast', import.meta.url));

test('a real peer: cast (foundry) talks to the endpoint', { skip: !existsSync(cast) && 'cast not installed' }, async () => {
  await withServer(async (ep, _port, signer) => {
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(cast, args, { timeout: 20_000 }, (err, out, errOut) => (err ? reject(new Error(errOut || err.message)) : resolve(out.trim()))),
      );
    assert.equal(await run(['rpc', '--rpc-url', ep.url, 'account_version']), '"6.1.0"');
    assert.equal(await run(['rpc', '--rpc-url', ep.url, 'rpc_modules']), '{"account":"1.0","rpc":"1.0"}');
    assert.equal(await run(['rpc', '--rpc-url', ep.url, 'account_echo', '0x01', 'x']), '["0x01","x"]');
    await assert.rejects(run(['rpc', '--rpc-url', ep.url, 'account_nope']), /the method account_nope does not exist\/is not available/);
    assert.equal(signer.calls[0].meta.scheme, 'HTTP/1.1');
    assert.match(signer.calls[0].meta['User-Agent'], /^foundry\//);
  });
});
