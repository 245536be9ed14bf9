// The permanent fuzz suite of the external API (issue 8): ≥ 5,000 seeded random and mutated requests over IPC and
// HTTP against the spawned daemon (console UI on a closed stdin, audit log on), built from the shared request and
// typed-data vectors: wrong types, huge numbers, bad hex, deep nesting, odd methods, ids and params, batches, broken
// JSON text. Meanwhile a bystander client keeps calling account_version / account_list; its latency is printed
// (never asserted). Asserted: the daemon stays alive, every request is answered, no -32603, and no stack trace or
// filesystem path in any answer. FUZZ_N sets the count (default 5000), FUZZ_SEED the seed (default: random, printed),
// CLEF_BINARY a built binary to fuzz instead of the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { binaryClef, tsxClef } from '../support/daemon-process.ts';
import { vectorsDir } from '../support/vectors.ts';
import { prng } from '../support/prng.ts';

type J = null | boolean | number | string | J[] | { [k: string]: J };

const N = Number(process.env.FUZZ_N ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ADDR = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness

const rnd = prng(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const chance = (p: number) => rnd() < p;
const hexChars = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');

// ---------------------------------------------------------------------------------------------------------
// Seeds: every request and typed-data document of the shared vectors, plus the methods they lack

function collectRequests(v: unknown, out: J[]): void {
  if (Array.isArray(v)) for (const x of v) collectRequests(x, out);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.method === 'string' && o.method.startsWith('account_')) out.push(o as J);
    else for (const x of Object.values(o)) collectRequests(x, out);
  }
}

function loadSeeds(dir: string): { requests: J[]; typed: J[] } {
  const requests: J[] = [];
  const typed: J[] = [];
  const walk = (d: string, f: (path: string) => void) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, f);
      else if (e.name.endsWith('.json') && e.name !== 'index.json') f(p);
    }
  };
  walk(join(dir, 'requests'), (p) => collectRequests(JSON.parse(readFileSync(p, 'utf8')), requests));
  walk(join(dir, 'typed-data'), (p) => {
    const doc = JSON.parse(readFileSync(p, 'utf8')) as J;
    if (Array.isArray(doc)) {
      // the bulk file: entries {domain, primaryType, types, data}; a sample is plenty
      for (const e of doc.slice(0, 40) as { [k: string]: J }[]) typed.push({ types: e.types, primaryType: e.primaryType, domain: e.domain, message: e.data });
    } else typed.push(doc);
  });
  return { requests, typed };
}

const hexOf = (s: string) => '0x' + Buffer.from(s, 'utf8').toString('hex');

function baseRequests(seeds: { requests: J[]; typed: J[] }): J[] {
  const out: J[] = [...seeds.requests];
  for (const td of seeds.typed) {
    out.push({ jsonrpc: '2.0', id: 1, method: 'account_signTypedData', params: [ADDR, td] });
    out.push({ jsonrpc: '2.0', id: 1, method: 'account_signData', params: ['data/typed', ADDR, hexOf(JSON.stringify(td))] });
  }
  out.push(
    { jsonrpc: '2.0', id: 1, method: 'account_version' },
    { jsonrpc: '2.0', id: 1, method: 'account_list' },
    { jsonrpc: '2.0', id: 1, method: 'account_new', params: [] },
    { jsonrpc: '2.0', id: 1, method: 'account_signData', params: ['text/plain', ADDR, '0xdeadbeef'] },
    { jsonrpc: '2.0', id: 1, method: 'account_signData', params: ['data/validator', ADDR, { address: ADDR, message: '0x01' }] },
    { jsonrpc: '2.0', id: 1, method: 'account_signData', params: ['application/x-clique-header', ADDR, '0xf901f9a0' + hexChars(120)] },
    { jsonrpc: '2.0', id: 1, method: 'account_ecRecover', params: ['0xaabbccdd', '0x' + hexChars(128) + '1c'] },
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'account_signGnosisSafeTx',
      params: [
        ADDR,
        { safe: ADDR, to: ADDR, value: '0', data: '0x', operation: 0, gasToken: '0x0000000000000000000000000000000000000000', safeTxGas: '0', baseGas: '0', gasPrice: '0', refundReceiver: ADDR, nonce: 1, safeTxHash: '0x' + hexChars(64), sender: ADDR, signature: null },
      ],
    },
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Mutations

const METHODS = ['account_version', 'account_list', 'account_new', 'account_signTransaction', 'account_signData', 'account_signTypedData', 'account_ecRecover', 'account_signGnosisSafeTx'];

function deepArray(depth: number): J {
  let v: J = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function deepObject(depth: number): J {
  let v: J = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Raw JSON literals JSON.stringify cannot write; spliced into the request text in place of their markers. */
const RAW_LITERALS = ['1e400', '-1e400', '123456789012345678901234567890123456789012345678901234567890', '1.5e-400', '-0', '0.0000001', '1E+2', '9007199254740993'];

function evil(): J {
  switch (int(24)) {
    case 0:
      return null;
    case 1:
      return pick([true, false]);
    case 2:
      return pick([0, -1, 1, 2 ** 53 + 2, -(2 ** 63), 1e308, 0.5, -0.5, 255, 256, 2 ** 32]);
    case 3:
      return pick(['', '0x', '0X', '0x0', '0x00', '0x' + 'zz', '0xg1', '0x1', '0x' + hexChars(int(80)), '-1', '+1', '1e3', ' 0x1', '0x-1']);
    case 4:
      return '0x' + hexChars(2 * int(50_000));
    case 5:
      return '9'.repeat(1 + int(5000));
    case 6:
      return '0x' + '0'.repeat(int(10_000)) + '1';
    case 7:
      // very deep values travel as text (JSON.stringify would overflow this process's stack)
      return chance(0.1) ? `__DEEPA_${1 + int(9990)}__` : deepArray(1 + int(300));
    case 8:
      return chance(0.1) ? `__DEEPO_${1 + int(9990)}__` : deepObject(1 + int(300));
    case 9:
      return Array.from({ length: int(chance(0.1) ? 100_000 : 300) }, () => int(1000));
    case 10:
      return Object.fromEntries(Array.from({ length: int(2000) }, (_, i) => [`k${i}`, i]));
    case 11:
      return pick(['\u0000\ud800\udfff', '日本語', '😀'.repeat(100), '\u2028\u2029<>&', 'a'.repeat(int(100_000)), '"\\', '\x1b[31mred']);
    case 12:
      return { __proto__: 1, constructor: { prototype: 1 }, toString: 'x', hasOwnProperty: null } as unknown as J;
    case 13:
      return `__RAW_${int(RAW_LITERALS.length)}__`;
    case 14:
      return ADDR.toLowerCase();
    case 15:
      return pick(['uint256', 'uint0', 'int7', 'bytes33', 'bytes0', 'string[]', 'uint256[2][]', 'T[', 'Mail[99999999999999999999]', 'EIP712Domain', 'address[][][][][][]', '', ' ', 'Person[]']);
    case 16:
      return [evil(), evil()];
    case 17:
      return { name: evil(), type: evil() };
    case 18:
      return pick(['text/plain', 'data/typed', 'data/validator', 'application/x-clique-header', 'text/plain; charset=utf-8', ';;', 'x/'.repeat(1000), 'TEXT/PLAIN', '']);
    case 19:
      return typedChain(1 + int(chance(0.05) ? 1100 : 40));
    case 20:
      return { types: { EIP712Domain: [{ name: 'name', type: 'string' }], A: [{ name: 'b', type: 'B' }], B: [{ name: 'a', type: 'A' }] }, primaryType: 'A', domain: { name: 'x' }, message: { b: { a: { b: {} } } } };
    case 21:
      return '0x' + hexChars(40);
    case 22:
      return 1 + int(100);
    default:
      return { chainId: evil(), name: 'n' };
  }
}

function typedChain(n: number): J {
  const types: { [k: string]: J } = { EIP712Domain: [{ name: 'name', type: 'string' }] };
  for (let i = 0; i <= n; i++) types[`T${i}`] = i < n ? [{ name: 'x', type: 'uint8' }, { name: 'n', type: `T${i + 1}` }] : [{ name: 'x', type: 'uint8' }];
  let message: J = { x: 1 };
  for (let i = n - 1; i >= 0; i--) message = { x: 1, n: message };
  return { types, primaryType: 'T0', domain: { name: 'chain' }, message };
}

/** A random path into v (objects and arrays), with the container and key at its end. */
function randomSlot(v: J): { parent: J[] | { [k: string]: J }; key: string | number } | null {
  let cur: J = v;
  let slot: { parent: J[] | { [k: string]: J }; key: string | number } | null = null;
  for (let depth = 0; depth < 12; depth++) {
    if (Array.isArray(cur) && cur.length > 0) {
      const k = int(cur.length);
      slot = { parent: cur, key: k };
      cur = cur[k];
    } else if (cur && typeof cur === 'object' && !Array.isArray(cur) && Object.keys(cur).length > 0) {
      const k = pick(Object.keys(cur));
      slot = { parent: cur, key: k };
      cur = cur[k];
    } else break;
    if (chance(0.3)) break;
  }
  return slot;
}

function mutateParams(req: { [k: string]: J }): void {
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    const params = req.params;
    const slot = params === undefined ? null : randomSlot(params);
    switch (int(7)) {
      case 0:
      case 1:
      case 2:
        if (slot) (slot.parent as Record<string | number, J>)[slot.key] = evil();
        else req.params = [evil()];
        break;
      case 3:
        if (slot && !Array.isArray(slot.parent)) delete slot.parent[slot.key as string];
        break;
      case 4:
        if (slot && typeof slot.parent === 'object' && !Array.isArray(slot.parent)) slot.parent[pick(['extra', 'Types', 'TYPES', 'primarytype', 'message', 'gas', 'chainId', 'data', 'input'])] = evil();
        break;
      case 5:
        if (Array.isArray(params)) (chance(0.5) ? params.push(evil()) : params.pop());
        break;
      case 6:
        req.params = chance(0.7) ? evil() : pick([null, {}, 'x', 1] as J[]);
        break;
    }
  }
}

/** A request object safe for IPC: it always gets exactly one answer line (never a notification or a stray response). */
function ipcRequest(base: J, id: number): J {
  const req = structuredClone(base) as { [k: string]: J };
  req.id = id;
  req.jsonrpc = '2.0';
  if (chance(0.9)) mutateParams(req);
  if (chance(0.1)) req.method = chance(0.7) ? pick(METHODS) : pick(['account_Version', 'ACCOUNT_LIST', 'account_', 'rpc_modules', 'x'.repeat(3000), 'eth_sign', 'account_subscribe', 'account_unsubscribe']);
  if (chance(0.03)) req.jsonrpc = pick(['1.0', '', '2']);
  return req;
}

/** A request for HTTP: anything goes (ids, notifications, batches, broken text). */
function httpBody(bases: J[], id: number): { body: string; contentType?: string } {
  if (chance(0.1)) {
    const batch = Array.from({ length: 1 + int(5) }, (_, i) => ipcRequest(pick(bases), id * 10 + i)) as { [k: string]: J }[];
    if (chance(0.3)) delete batch[0].id;
    return { body: toText(batch) };
  }
  const req = ipcRequest(pick(bases), id) as { [k: string]: J };
  if (chance(0.1)) req.id = pick([null, 'str', { a: 1 }, [1], 1.5, -1, 1e300] as J[]);
  if (chance(0.03)) delete req.id;
  let body = toText(req);
  if (chance(0.1)) {
    // text-level damage: flip, cut or insert characters
    const chars = body.split('');
    for (let k = 0; k < 1 + int(4); k++) {
      const at = int(chars.length + 1);
      const op = int(3);
      if (op === 0) chars[at] = pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'x', ' ']);
      else if (op === 1) chars.splice(at, 1 + int(5));
      else chars.splice(at, 0, pick(['{', '[', '"', '\\u12', 'true', '-', '0']));
    }
    body = chars.join('');
  }
  return { body, contentType: chance(0.02) ? pick(['text/plain', 'application/json; charset=latin1', '']) : undefined };
}

function toText(v: J): string {
  return JSON.stringify(v)
    .replace(/"__RAW_(\d+)__"/g, (_, i: string) => RAW_LITERALS[Number(i)])
    .replace(/"__DEEPA_(\d+)__"/g, (_, n: string) => '['.repeat(Number(n)) + ']'.repeat(Number(n)))
    .replace(/"__DEEPO_(\d+)__"/g, (_, n: string) => '{"a":'.repeat(Number(n)) + '{}' + '}'.repeat(Number(n)));
}

// ---------------------------------------------------------------------------------------------------------
// Checking answers

// (linear patterns only: answers echo request-sized strings, and a backtracking pattern would stall this process)
const STACK = /\n\s+at |\bat [\w.<>$]{1,200} \(|\.(?:ts|js|mjs|cjs):\d+:\d+/;
const PATH = /(^|[\s"'=(:])\/(tmp|work|home|root|usr|proc|dev|var|opt|etc)\/|file:\/\/|node:internal|[A-Za-z]:\\\\/;

interface Tally {
  /** The slowest requests: [ms, transport, text]. */
  slow: [number, string, string][];
  sent: number;
  answered: number;
  codes: Map<string, number>;
  failures: string[];
}

function slow(t: Tally, ms: number, where: string, text: string): void {
  t.slow.push([ms, `${where} started at ${(performance.now() - ms).toFixed(0)}`, process.env.FUZZ_DUMP ? text : `${text.length} chars: ${text.slice(0, 160)}`]);
  t.slow.sort((a, b) => b[0] - a[0]);
  t.slow.length = Math.min(t.slow.length, process.env.FUZZ_DUMP ? 40 : 3);
}

function check(t: Tally, where: string, reqText: string, answerText: string): void {
  t.answered++;
  const bad = (why: string) => {
    if (t.failures.length < 20) t.failures.push(`${where}: ${why}\n  request: ${process.env.FUZZ_DUMP ? reqText : reqText.slice(0, 300)}\n  answer: ${answerText.slice(0, 300)}`);
  };
  if (STACK.test(answerText)) bad('stack trace in the answer');
  if (PATH.test(answerText)) bad('filesystem path in the answer');
  let parsed: unknown;
  try {
    parsed = JSON.parse(answerText);
  } catch {
    return; // HTTP status bodies (400/413/415 …) are plain text
  }
  for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
    const code = m && typeof m === 'object' && 'error' in m ? String((m as { error: { code: number } }).error.code) : 'result';
    t.codes.set(code, (t.codes.get(code) ?? 0) + 1);
    if (code === '-32603') bad('-32603 internal error');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Clients

class LineClient {
  private buf = '';
  private waiting: ((line: string | null) => void) | null = null;
  private lines: string[] = [];
  closed = false;
  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (t: string) => {
      this.buf += t;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = null;
          w(line);
        } else this.lines.push(line);
      }
    });
    const end = () => {
      this.closed = true;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(null);
      }
    };
    sock.on('close', end);
    sock.on('error', end);
  }
  static open(path: string): Promise<LineClient> {
    return new Promise((done, fail) => {
      const s = connect(path, () => done(new LineClient(s)));
      s.once('error', fail);
    });
  }
  /** Writes text + `\n` and resolves with the next line (null when the server closed the connection). */
  exchange(text: string, timeoutMs: number): Promise<string | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms to ${text.slice(0, 200)}`)), timeoutMs);
      this.waiting = (l) => {
        clearTimeout(timer);
        done(l);
      };
      this.sock.write(text + '\n');
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

function httpPost(url: URL, agent: Agent, body: string, contentType: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = { 'Content-Length': String(Buffer.byteLength(body)) };
    if (contentType !== '') headers['Content-Type'] = contentType ?? 'application/json';
    const req = httpRequest({ host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`HTTP answer not within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The daemon (stdout and stderr to a file: the console UI prints every request it is asked about)

async function startDaemon(dir: string): Promise<{ child: ChildProcess; ipc: string; http: URL; log: string }> {
  const log = join(dir, 'daemon.log');
  const fd = openSync(log, 'w');
  // CLEF_BINARY=dist/clef fuzzes the bun-compiled binary instead of the sources under tsx
  const clef = process.env.CLEF_BINARY ? binaryClef(resolve(process.env.CLEF_BINARY)) : tsxClef();
  const child = spawn(
    clef.command,
    [...clef.prefix, '--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--http', '--http.port', '0', '--auditlog', './audit.log'],
    { cwd: dir, stdio: ['ignore', fd, fd], detached: true },
  );
  closeSync(fd);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = readFileSync(log, 'utf8');
    const ipc = /IPC endpoint opened\s+url=("(?:[^"\\]|\\.)*"|\S+)/.exec(text);
    const http = /HTTP endpoint opened\s+url=(\S+)/.exec(text);
    if (ipc && http && /Signer status/.test(text)) {
      const raw = ipc[1].startsWith('"') ? (JSON.parse(ipc[1]) as string) : ipc[1];
      return { child, ipc: resolve(dir, raw), http: new URL(http[1]), log };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start:\n${text.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // gone
  }
}

// ---------------------------------------------------------------------------------------------------------

test(`fuzz: ${N} seeded requests over IPC and HTTP, a bystander served throughout`, { timeout: 170_000 }, async () => {
  assert.ok(vectorsDir, 'the shared vectors (../shared/vectors) are required: they seed the fuzzer');
  const bases = baseRequests(loadSeeds(vectorsDir));
  process.stdout.write(`# fuzz seed ${SEED} (FUZZ_SEED=${SEED} FUZZ_N=${N} to replay), ${bases.length} base requests\n`);
  const dir = mkdtempSync(join(tmpdir(), 'clef-fuzz-'));
  const d = await startDaemon(dir);
  const exited = new Promise<string>((done) => d.child.on('exit', (code, sig) => done(`exit ${code ?? sig}`)));
  let dead: string | null = null;
  void exited.then((s) => (dead = s));
  const tally: Tally = { slow: [], sent: 0, answered: 0, codes: new Map(), failures: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    // all requests are drawn first (the seed alone decides them), every other one for HTTP; then a bystander starts and
    // 3 IPC and 3 HTTP workers send them
    const ipcTexts: string[] = [];
    const httpBodies: { body: string; contentType?: string }[] = [];
    for (let i = 0; i < N; i++) {
      if (i % 2 === 0) ipcTexts.push(toText(ipcRequest(pick(bases), i)));
      else httpBodies.push(httpBody(bases, i));
    }
    // bystander
    const bystander = await LineClient.open(d.ipc);
    const lat: number[] = [];
    const latVersion: number[] = [];
    let stop = false;
    let bystanderErrors = 0;
    let bystanderLost = false;
    const bystanderLoop = (async () => {
      for (let i = 0; !stop; i++) {
        const method = i % 2 === 0 ? 'account_version' : 'account_list';
        const t0 = performance.now();
        const line = await bystander.exchange(`{"jsonrpc":"2.0","id":${i},"method":"${method}"}`, 60_000);
        lat.push(performance.now() - t0);
        if (method === 'account_version') latVersion.push(performance.now() - t0);
        if (line === null) {
          bystanderLost = true;
          break;
        }
        const m = JSON.parse(line) as { result?: J; error?: { code: number } };
        if (method === 'account_version' ? m.result !== '6.1.0' : m.error && m.error.code !== -32000) bystanderErrors++;
      }
    })();

    let nextIpc = 0;
    let nextHttp = 0;
    const ipcWorker = async () => {
      let c = await LineClient.open(d.ipc);
      while (nextIpc < ipcTexts.length && dead === null) {
        const text = ipcTexts[nextIpc++];
        tally.sent++;
        const t1 = performance.now();
        const line = await c.exchange(text, 60_000);
        slow(tally, performance.now() - t1, 'IPC', text);
        if (line === null) {
          // the server may drop a client (e.g. an oversized request); reconnect and go on
          if (tally.failures.length < 20 && !c.closed) tally.failures.push(`IPC: no answer to ${text.slice(0, 200)}`);
          c = await LineClient.open(d.ipc);
          tally.answered++;
          continue;
        }
        check(tally, 'IPC', text, line);
      }
      c.close();
    };
    const httpWorker = async () => {
      while (nextHttp < httpBodies.length && dead === null) {
        const { body, contentType } = httpBodies[nextHttp++];
        tally.sent++;
        const t1 = performance.now();
        const r = await httpPost(d.http, agent, body, contentType, 60_000);
        slow(tally, performance.now() - t1, 'HTTP', body);
        check(tally, `HTTP ${r.status}`, body, r.text);
      }
    };
    const t0 = performance.now();
    await Promise.all([ipcWorker(), ipcWorker(), ipcWorker(), httpWorker(), httpWorker(), httpWorker()]);
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    await bystanderLoop;
    bystander.close();

    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)] ?? NaN;
    const codes = [...tally.codes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' ');
    process.stdout.write(
      `# fuzz: ${tally.sent} sent, ${tally.answered} answered in ${seconds.toFixed(1)} s; answers by code ${codes}\n` +
        `# fuzz bystander: ${lat.length} calls, p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${q(1).toFixed(1)} ms\n` +
        `# fuzz bystander account_version only: max ${latVersion.reduce((m, x) => Math.max(m, x), 0).toFixed(1)} ms\n` +
        tally.slow.map(([ms, where, text]) => `# fuzz slowest: ${ms.toFixed(0)} ms ${where} ${text.slice(0, 200)}\n`).join(''),
    );
    if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, JSON.stringify(tally.slow));
    assert.equal(dead, null, `the daemon died (${dead})\n${readFileSync(d.log, 'utf8').slice(-3000)}`);
    assert.equal(bystanderLost, false, 'the bystander was disconnected');
    assert.deepEqual(tally.failures, [], `seed ${SEED}`);
    assert.equal(tally.answered, tally.sent);
    assert.ok(tally.sent >= N);
    assert.equal(bystanderErrors, 0, 'the bystander got wrong answers');
  } finally {
    agent.destroy();
    killGroup(d.child, 'SIGINT');
    const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!gone) killGroup(d.child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
