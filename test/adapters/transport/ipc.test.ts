// The IPC endpoint over a real unix socket in a temp dir (external-api.md §1.1, cli.md §3.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIpcServer, type IpcEndpoint } from '../../../adapters/transport/ipc.ts';
import { JsonRpcServer } from '../../../adapters/transport/jsonrpc.ts';
import { ErrorCode, SignerError } from '../../../core/errors.ts';
import type { Json } from '../../../core/gojson.ts';
import type { Logger } from '../../../core/ports.ts';
import type { RpcCall } from '../../../core/rpc.ts';

const isWindows = process.platform === 'win32';

interface Recorder extends Logger {
  records: [string, string, unknown][];
}

function recorder(): Recorder {
  const records: [string, string, unknown][] = [];
  const at = (level: string) => (msg: string, attrs?: unknown) => void records.push([level, msg, attrs]);
  return { records, crit: at('crit'), error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') };
}

/**
 * Waits, without polling, until a condition holds: `notify()` re-checks it (called from socket and handler
 * events); one deadline timer only turns a hang into a failure.
 */
class Waiters {
  private checks: (() => void)[] = [];

  notify(): void {
    for (const c of this.checks.splice(0)) c();
  }

  until(done: () => boolean, ms: number, what: () => string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        if (!done()) return void this.checks.push(check);
        clearTimeout(timer);
        resolve();
      };
      timer = setTimeout(() => {
        this.checks = this.checks.filter((c) => c !== check);
        reject(new Error(what()));
      }, ms);
      this.checks.push(check);
    });
  }
}

/** A fake signer: `account_version`, an echo, a slow method released by the test, and -32601 otherwise. */
function fakeSigner() {
  const calls: RpcCall[] = [];
  const callWaiters = new Waiters();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = new JsonRpcServer(async (call) => {
    calls.push(call);
    callWaiters.notify();
    if (call.method === 'account_version') return '6.1.0';
    if (call.method === 'account_echo') return call.params as Json;
    if (call.method === 'account_slow') {
      await gate;
      return 'slow';
    }
    if (call.method === 'account_list') return ['0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192'];
    if (call.method === 'account_signData') return '0x' + '11'.repeat(64) + '1b';
    throw new SignerError(`the method ${call.method} does not exist/is not available`, ErrorCode.methodNotFound);
  });
  /** Resolves once the handler has been entered `n` times in all. */
  const entered = (n: number) => callWaiters.until(() => calls.length >= n, 5000, () => `handler entered ${calls.length} times, not ${n}`);
  return { server, calls, release, entered };
}

async function withEndpoint(
  fn: (
    ep: IpcEndpoint,
    ctx: { path: string; dir: string; signer: ReturnType<typeof fakeSigner>; log: Recorder; scanned: (chars: number) => Promise<void> },
  ) => Promise<void>,
  options?: { maxBuffered?: number; maxRequest?: number },
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clef-ipc-'));
  const path = join(dir, 'sub', 'clef.ipc');
  const signer = fakeSigner();
  const log = recorder();
  // the server's own report that it read and scanned bytes: how a test knows its write arrived
  let lastScanned = -1;
  const scanWaiters = new Waiters();
  const onScanned = (buffered: number) => {
    lastScanned = buffered;
    scanWaiters.notify();
  };
  const scanned = (chars: number) => scanWaiters.until(() => lastScanned === chars, 5000, () => `server scanned ${lastScanned} pending chars, not ${chars}`);
  const ep = await startIpcServer(path, signer.server, log, { ...options, onScanned });
  try {
    await fn(ep, { path, dir, signer, log, scanned });
  } finally {
    signer.release();
    await ep.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A client that collects response lines and notices when the server closes. */
class Client {
  readonly socket: Socket;
  private buf = '';
  readonly lines: string[] = [];
  closed = false;
  private readonly waiters = new Waiters();

  constructor(path: string) {
    this.socket = connect(path);
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d: string) => {
      // only the new data is searched, so a 20 MB line costs linear time
      let from = 0;
      for (let nl = d.indexOf('\n'); nl >= 0; nl = d.indexOf('\n', from)) {
        this.lines.push(this.buf + d.slice(from, nl));
        this.buf = '';
        from = nl + 1;
      }
      this.buf += d.slice(from);
      this.wake();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    this.waiters.notify();
  }

  async ready(): Promise<void> {
    if (this.socket.destroyed) throw new Error('connection closed');
    if (this.socket.readyState === 'open') return;
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('close', () => reject(new Error('connection closed')));
    });
  }

  async write(text: string): Promise<void> {
    await this.ready();
    await new Promise<void>((resolve) => this.socket.write(text, () => resolve()));
  }

  /** Waits (bounded) until `n` lines arrived or the connection closed. */
  async waitLines(n: number, ms = 5000): Promise<string[]> {
    await this.waiters.until(() => this.lines.length >= n || this.closed, ms, () => `timed out waiting for ${n} lines, got ${JSON.stringify(this.lines)}`);
    return this.lines.slice(0, n);
  }

  waitClosed(ms = 5000): Promise<void> {
    return this.waiters.until(() => this.closed, ms, () => 'connection stayed open');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** One request on a fresh connection: proves the server still serves new clients. */
async function stillServes(path: string): Promise<void> {
  const c = new Client(path);
  await c.write('{"jsonrpc":"2.0","id":1,"method":"account_version"}\n');
  assert.deepEqual(await c.waitLines(1), ['{"jsonrpc":"2.0","id":1,"result":"6.1.0"}']);
  c.destroy();
}


test('socket: parents created 0751, leftover removed, socket 0600, removed on close', { skip: isWindows && 'unix sockets only' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-ipc-'));
  try {
    const path = join(dir, 'a', 'b', 'clef.ipc');
    const signer = fakeSigner();
    const log = recorder();
    // a stale file at the path (left by a clef killed with SIGTERM) is replaced
    const ep1 = await startIpcServer(path, signer.server, log);
    await ep1.close();
    writeFileSync(path, 'stale');
    const ep = await startIpcServer(path, signer.server, log);
    assert.equal(ep.url, path);
    const st = statSync(path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    const parent = statSync(join(dir, 'a', 'b')).mode & 0o777;
    assert.equal(parent & ~0o751, 0, `parent mode ${parent.toString(8)} exceeds 0751`);
    await stillServes(path);
    await ep.close();
    assert.equal(existsSync(path), false);
    await ep.close(); // idempotent
    assert.equal(log.records.filter(([l]) => l === 'warn').length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a path longer than sun_path warns and fails like clef (never listens on a truncated path)', { skip: isWindows && 'unix sockets only' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-ipc-'));
  try {
    const path = join(dir, 'x'.repeat(120), 'clef.ipc');
    const log = recorder();
    await assert.rejects(startIpcServer(path, fakeSigner().server, log), /^Error: listen unix .*: bind: invalid argument$/);
    const limit = process.platform === 'linux' ? 107 : 103;
    assert.deepEqual(log.records, [['warn', `The ipc endpoint is longer than ${limit} characters.`, { endpoint: path }]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("geth's IPC requests (newline-terminated, ids 1, 2, …) get compact answers plus newline and ipc meta", async () => {
  await withEndpoint(async (_ep, { path, signer }) => {
    const c = new Client(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"account_version"}\n');
    assert.deepEqual(await c.waitLines(1), ['{"jsonrpc":"2.0","id":1,"result":"6.1.0"}']);
    await c.write('{"jsonrpc":"2.0","id":2,"method":"account_list"}\n');
    await c.write(
      '{"jsonrpc":"2.0","id":3,"method":"account_signData","params":["text/plain","0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","0x68656c6c6f"]}\n',
    );
    const lines = await c.waitLines(3);
    assert.equal(lines[1], '{"jsonrpc":"2.0","id":2,"result":["0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192"]}');
    assert.equal(lines[2], `{"jsonrpc":"2.0","id":3,"result":"0x${'11'.repeat(64)}1b"}`);
    assert.deepEqual(signer.calls[0].meta, { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' });
    assert.deepEqual(signer.calls[2].params, ['text/plain', '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', '0x68656c6c6f']);
    c.destroy();
  });
});

test('concatenated values without newlines, a value split across writes, ids echoed verbatim', async () => {
  await withEndpoint(async (_ep, { path, signer, scanned }) => {
    const c = new Client(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"account_version"}{"jsonrpc":"2.0","id":"abc","method":"account_version"}  {"jsonrpc":"2.0","id":1.0,"method":"account_version"}');
    const first = await c.waitLines(3);
    assert.deepEqual([...first].sort(), [
      '{"jsonrpc":"2.0","id":"abc","result":"6.1.0"}',
      '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}',
      '{"jsonrpc":"2.0","id":1.0,"result":"6.1.0"}',
    ]);
    const text = '{"jsonrpc":"2.0","id":null,"method":"account_echo","params":["é", 1e3]}';
    await c.write(text.slice(0, 20));
    await scanned(20); // the server read the half value and holds it
    assert.equal(signer.calls.length, 3); // nothing handled for half a value
    assert.equal(c.lines.length, 3); // nor answered
    await c.write(text.slice(20));
    assert.deepEqual((await c.waitLines(4))[3], '{"jsonrpc":"2.0","id":null,"result":["é",1000]}');
    c.destroy();
  });
});

test('requests on one connection run concurrently: a fast answer overtakes a slow one', async () => {
  await withEndpoint(async (_ep, { path, signer }) => {
    const c = new Client(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"account_slow"}\n{"jsonrpc":"2.0","id":2,"method":"account_version"}\n');
    assert.deepEqual(await c.waitLines(1), ['{"jsonrpc":"2.0","id":2,"result":"6.1.0"}']);
    signer.release();
    assert.deepEqual(await c.waitLines(2), ['{"jsonrpc":"2.0","id":2,"result":"6.1.0"}', '{"jsonrpc":"2.0","id":1,"result":"slow"}']);
    c.destroy();
  });
});

test('batches over IPC have no size limit; empty batch and error cases answer on the same connection', async () => {
  await withEndpoint(async (_ep, { path }) => {
    const c = new Client(path);
    const batch = '[' + Array.from({ length: 1500 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"account_version"}`).join(',') + ']';
    await c.write(batch + '\n[]\n{"jsonrpc":"2.0","id":7,"method":"account_foo"}\n{"jsonrpc":"2.0","id":8,"method":"account_subscribe","params":["x"]}\n');
    const lines = await c.waitLines(4);
    const big = lines.find((l) => l.startsWith('['));
    assert.ok(big);
    assert.equal((JSON.parse(big) as unknown[]).length, 1500);
    assert.ok(lines.includes('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}'));
    assert.ok(lines.includes('{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"the method account_foo does not exist/is not available"}}'));
    assert.ok(lines.includes('{"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"no \\"x\\" subscription in account namespace"}}'));
    assert.equal(c.closed, false);
    c.destroy();
  });
});

test('invalid JSON: -32700 with the syntax error text, id null, then the connection closes; others unaffected', async () => {
  await withEndpoint(async (_ep, { path, signer }) => {
    const bystander = new Client(path);
    await bystander.write('{"jsonrpc":"2.0","id":1,"method":"account_slow"}');
    const c = new Client(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"account_version"}\n{"jsonrpc":"2.0",x}');
    await c.waitClosed();
    // both run concurrently, so either may be written first
    assert.deepEqual([...c.lines].sort(), [
      '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}',
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character \'x\' looking for beginning of object key string"}}',
    ]);
    for (const garbage of ['hello\n', '\u0000\u0001\u0002', '}', '[1,2,,]']) {
      const g = new Client(path);
      await g.write(garbage);
      await g.waitClosed();
      assert.equal(g.lines.length, 1, JSON.stringify(garbage));
      assert.match(g.lines[0], /^\{"jsonrpc":"2.0","id":null,"error":\{"code":-32700,"message":"invalid character /);
    }
    await stillServes(path);
    signer.release();
    assert.deepEqual(await bystander.waitLines(1), ['{"jsonrpc":"2.0","id":1,"result":"slow"}']);
    bystander.destroy();
  });
});

test('a call still running when the client stops writing (or sends garbage) is answered before the close', async () => {
  await withEndpoint(async (_ep, { path, signer }) => {
    const c = new Client(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"account_slow"}{oops');
    await c.waitLines(1);
    assert.equal(c.closed, false); // held open while account_slow runs
    signer.release();
    await c.waitClosed();
    assert.deepEqual(c.lines, [
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character \'o\' looking for beginning of object key string"}}',
      '{"jsonrpc":"2.0","id":1,"result":"slow"}',
    ]);

    // half-close: the answer still arrives, and a trailing bare number is completed by the end of input
    const h = new Client(path);
    await h.write('{"jsonrpc":"2.0","id":5,"method":"account_version"} 7');
    h.socket.end();
    await h.waitClosed();
    assert.deepEqual([...h.lines].sort(), [
      '{"jsonrpc":"2.0","id":5,"result":"6.1.0"}',
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}}',
    ]);
  });
});

test('a huge unterminated value costs only that client its connection, with a -32700 saying why', async () => {
  await withEndpoint(
    async (_ep, { path }) => {
      const c = new Client(path);
      await c.write('{"jsonrpc":"2.0","id":1,"method":"account_echo","params":["' + 'a'.repeat(4096));
      for (let i = 0; i < 64 && !c.closed; i++) await c.write('b'.repeat(1024)).catch(() => undefined);
      await c.waitClosed();
      assert.deepEqual(c.lines, ['{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"request too large (limit 16384)"}}']);
      await stillServes(path);
    },
    { maxRequest: 16 * 1024 },
  );
});

test('the 5 MiB request limit (as HTTP): a 4 MiB request is served, a larger one is refused early and ends its connection only', async () => {
  await withEndpoint(async (_ep, { path }) => {
    const ok = new Client(path);
    const big = 'f'.repeat(4 * 1024 * 1024);
    await ok.write(`{"jsonrpc":"2.0","id":1,"method":"account_echo","params":["0x${big}"]}`);
    const [line] = await ok.waitLines(1, 20_000);
    assert.equal(line.length, '{"jsonrpc":"2.0","id":1,"result":["0x"]}'.length + big.length);
    ok.destroy();

    // a complete value over the limit, sent at once, with a valid request after it on the same connection
    const over = new Client(path);
    await over.write(`{"jsonrpc":"2.0","id":2,"method":"account_echo","params":["0x${'f'.repeat(5 * 1024 * 1024)}"]}{"jsonrpc":"2.0","id":3,"method":"account_version"}`);
    await over.waitClosed(20_000);
    assert.deepEqual(over.lines, ['{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"request too large (limit 5242880)"}}']);

    // a value that never ends is refused once it passes 5 MiB (clef would have buffered it without end);
    // meanwhile another connection is served
    const c = new Client(path);
    const chunk = 'a'.repeat(1 << 20);
    await c.write('["');
    for (let i = 0; i < 6 && !c.closed; i++) {
      await c.write(chunk).catch(() => undefined);
      if (i === 2) await stillServes(path);
    }
    // 6 MiB of an unfinished value and nothing more: the answer comes now, not at 32 MiB or at the value's end
    await c.waitClosed(20_000);
    assert.deepEqual(c.lines, ['{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"request too large (limit 5242880)"}}']);
    await stillServes(path);
  });
});

test('close() drops open connections and stops listening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-ipc-'));
  const path = join(dir, 'clef.ipc');
  const signer = fakeSigner();
  const ep = await startIpcServer(path, signer.server, recorder());
  try {
    const c = new Client(path);
    await c.write('{"jsonrpc":"2.0","id":1,"method":"account_slow"}');
    await signer.entered(1); // the call is in flight when the endpoint closes
    await ep.close();
    await c.waitClosed();
    const late = new Client(path);
    await assert.rejects(late.ready());
  } finally {
    signer.release();
    rmSync(dir, { recursive: true, force: true });
  }
});

const cast = fileURLToPath(new URL('../../../node_modules/.bin/cast', import.meta.url));

test('a real peer: cast (foundry) talks to the socket', { skip: (isWindows || !existsSync(cast)) && 'cast not installed' }, async () => {
  await withEndpoint(async (_ep, { path, signer }) => {
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(cast, args, { timeout: 20_000 }, (err, out, errOut) => (err ? reject(new Error(errOut || err.message)) : resolve(out.trim()))),
      );
    assert.equal(await run(['rpc', '--rpc-url', path, 'account_version']), '"6.1.0"');
    assert.equal(await run(['rpc', '--rpc-url', path, 'account_echo', '0x01', 'x']), '["0x01","x"]');
    await assert.rejects(run(['rpc', '--rpc-url', path, 'account_nope']), /the method account_nope does not exist\/is not available/);
    assert.equal(signer.calls[0].meta.scheme, 'ipc');
  });
});
