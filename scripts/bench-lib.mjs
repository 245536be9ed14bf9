// Shared helpers of the benchmark parts (scripts/bench*.mjs): sizes from the environment, statistics over
// nanosecond samples, the daemon as a child process, a minimal IPC JSON-RPC client, provisioning through the CLI
// under test, and formatting. Nothing here asserts a speed: the parts only measure and report.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { hrtime } from 'node:process';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const root = join(fileURLToPath(import.meta.url), '..', '..');
/** Cache of generated inputs that are expensive to make, and the node bundle of the daemon (gitignored). */
export const cacheDir = join(root, '.bench-cache');
/** BENCH_QUICK=1: about a minute for the whole run (fewer rounds, shorter windows, smaller key sets). */
export const quick = process.env.BENCH_QUICK === '1';

/** A numeric size from the environment (`BENCH_<NAME>`), with separate defaults for full and quick runs. */
export function size(name, full, quickValue = full) {
  const v = process.env[`BENCH_${name}`];
  if (v !== undefined && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return quick ? quickValue : full;
}

/** Monotonic time in nanoseconds. */
export const now = () => hrtime.bigint();
/** Nanoseconds (bigint or number) as milliseconds. */
export const ms = (ns) => Number(ns) / 1e6;

/** The q-quantile (0..1) of an ascending array, nearest-rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Summary of samples (any unit): count, median, p99, min, max, mean. */
export function stats(samples) {
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, mean: sum / (s.length || 1) };
}

/** Median (mean of the middle two for an even count). */
export function median(xs) {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median and spread (min–max) of per-round figures. */
export function rounds(xs) {
  const s = Float64Array.from(xs).sort();
  return { median: median(s), min: s[0], max: s[s.length - 1], rounds: Array.from(xs) };
}

/** Progress line on stderr (stdout of a part carries only its JSON). */
export function say(...args) {
  process.stderr.write(`[bench] ${args.join(' ')}\n`);
}

let nodeBundle = null;

/**
 * Bundles cli/main.ts for node (`bun build --target=node` into .bench-cache/clef-node.mjs) so the node daemon is
 * measured without the tsx loader (its worker thread and on-the-fly compilation inflate start-up and RSS).
 * Falls back to tsx when the tree does not bundle. Returns the bundle path or null.
 */
export function prepareNodeBundle() {
  const outdir = join(cacheDir, 'clef-node');
  // Two entry points (the rules worker thread has its own): outdir/cli/main.js and outdir/adapters/rules/rule-worker.js.
  const out = join(outdir, 'cli', 'main.js');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const b = spawnSync(join(root, 'node_modules', '.bin', 'bun'), ['build', 'cli/main.ts', 'adapters/rules/rule-worker.ts', '--target=node', '--root', '.', '--outdir', outdir], { cwd: root, encoding: 'utf8' });
  const ok = b.status === 0 && spawnSync(process.execPath, [out, '--version'], { encoding: 'utf8' }).stdout?.startsWith('Clef version');
  nodeBundle = ok ? out : null;
  if (!ok) say(`node bundle not built, the node daemon runs under tsx: ${(b.stderr || '').split('\n').find((l) => /error/i.test(l)) ?? ''}`);
  return nodeBundle;
}

/**
 * The runtimes a daemon can run under: `node` (the bundle when prepared, else tsx), `node-tsx` (the source tree
 * through the tsx loader: file names survive in CPU profiles) and `binary` (dist/clef, bun --compile).
 */
export function clefRunner(kind) {
  if (kind === 'node' && nodeBundle) {
    return { kind, cmd: process.execPath, pre: [nodeBundle], available: true, label: `node ${process.version} (bundled)` };
  }
  if (kind === 'node' || kind === 'node-tsx') {
    return { kind: 'node', cmd: process.execPath, pre: ['--import', 'tsx', join(root, 'cli', 'main.ts')], available: true, label: `node ${process.version} (tsx)` };
  }
  if (kind === 'bun-src') {
    return { kind: 'binary', cmd: join(root, 'node_modules', '.bin', 'bun'), pre: [join(root, 'cli', 'main.ts')], available: true, label: 'bun (source)' };
  }
  const bin = join(root, 'dist', 'clef');
  return { kind, cmd: bin, pre: [], available: existsSync(bin), label: 'dist/clef (bun --compile)' };
}

/** Runs one clef command to completion (cwd = repo root so `--import tsx` resolves); throws with its output on failure. */
export function runClef(runner, args, input = '') {
  const r = spawnSync(runner.cmd, [...runner.pre, ...args], { cwd: root, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`clef ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/**
 * A daemon child process whose stderr/stdout lines are watched. `t0` is taken just before spawn, so
 * `waitFor` times are "process start → line seen".
 */
export function startProcess(cmd, args, opts = {}) {
  const lines = [];
  const times = [];
  const waiters = [];
  const t0 = now();
  const child = spawn(cmd, args, { cwd: opts.cwd ?? root, env: { ...process.env, ...(opts.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
  let exited = null;
  const exitP = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const onData = (() => {
    let buf = '';
    return (chunk) => {
      const t = now();
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (lines.length < 5000) {
          lines.push(line);
          times.push(t - t0);
        }
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i].re.test(line)) {
            waiters[i].resolve({ line, ns: t - t0 });
            waiters.splice(i, 1);
          }
        }
      }
    };
  })();
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  return {
    child,
    pid: child.pid,
    t0,
    lines,
    /** Resolves with {line, ns since spawn} at the first line matching `re`; rejects on timeout or exit. */
    waitFor(re, timeoutMs = 60_000) {
      const i = lines.findIndex((l) => re.test(l));
      if (i >= 0) return Promise.resolve({ line: lines[i], ns: times[i] });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout waiting for ${re}; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        const w = { re, resolve: (v) => (clearTimeout(timer), resolve(v)) };
        waiters.push(w);
        exitP.then((e) => {
          clearTimeout(timer);
          if (waiters.includes(w)) reject(new Error(`process exited (${e.code ?? e.signal}) before ${re}; output:\n${lines.slice(-30).join('\n')}`));
        });
      });
    },
    /** SIGTERM, then SIGKILL after 5 s. */
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const e = await exitP;
      clearTimeout(t);
      return e;
    },
  };
}

/** Resident and peak resident set size of a process in MiB (Linux /proc); null elsewhere. */
export function memoryMiB(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/**
 * A JSON-RPC client over one IPC connection. Requests are written pre-serialised; responses are matched by id
 * (the server may answer out of order). Each call resolves with {msg, ns} (latency from write to full line).
 */
export class IpcClient {
  static connect(path) {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new IpcClient(s)));
      s.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.pending = new Map();
    this.nextId = 1;
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      const t = now();
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = JSON.parse(line);
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          p.resolve({ msg, ns: t - p.t });
        }
      }
    });
    socket.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  /** Sends `{"jsonrpc":"2.0","id":N,"method":…,"params":…}` where `paramsJson` is already JSON text. */
  callRaw(method, paramsJson) {
    const id = this.nextId++;
    const text = `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${paramsJson}}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, t: now() });
      this.socket.write(text);
    });
  }

  call(method, params = []) {
    return this.callRaw(method, JSON.stringify(params));
  }

  close() {
    this.socket.end();
    this.socket.destroy();
  }
}

/**
 * Closed-loop load: `concurrency` clients each send the next request as soon as the previous one answered,
 * for `seconds` after `warmup` requests per client. `next(i)` returns [method, paramsJson, check?] for global
 * request number i; `check(msg)` may throw to mark a wrong answer. Returns rate, latencies and failures.
 */
export async function closedLoop(clients, { seconds, warmup, next }) {
  let counter = 0;
  const lat = [];
  let errors = 0;
  let firstError = null;
  const one = async (c, record) => {
    const [method, params, check] = next(counter++);
    const { msg, ns } = await c.callRaw(method, params);
    try {
      if (msg.error) throw new Error(`${msg.error.code}: ${msg.error.message}`);
      check?.(msg.result);
    } catch (e) {
      errors++;
      firstError ??= e.message;
    }
    if (record) lat.push(Number(ns));
  };
  await Promise.all(clients.map(async (c) => {
    for (let i = 0; i < warmup; i++) await one(c, false);
  }));
  const t0 = now();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  let done = 0;
  await Promise.all(clients.map(async (c) => {
    while (now() < deadline) {
      await one(c, true);
      done++;
    }
  }));
  const elapsed = Number(now() - t0);
  return { requests: done, seconds: elapsed / 1e9, rate: done / (elapsed / 1e9), latencyNs: lat, errors, firstError };
}

/** The machine and runtimes, printed first and stored in the JSON. */
export function machine() {
  const c = cpus();
  const v = (cmd, args) => {
    try {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
      return r.status === 0 ? r.stdout.trim().split('\n')[0] : null;
    } catch {
      return null;
    }
  };
  let load = null;
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return {
    cpu: c[0]?.model?.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    bun: v(join(root, 'node_modules', '.bin', 'bun'), ['--version']),
    cast: v(join(root, 'node_modules', '.bin', 'cast'), ['--version']),
    loadavg: load,
    quick,
  };
}

/** Version of an installed package, or null. */
export function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** A file under .bench-cache, created with `make()` on first use. */
export function cached(name, make) {
  mkdirSync(cacheDir, { recursive: true });
  const p = join(cacheDir, name);
  if (!existsSync(p)) writeFileSync(p, make());
  return p;
}

/** Size of a file in bytes, or null. */
export function fileSize(p) {
  try {
    return statSync(p).size;
  } catch {
    return null;
  }
}

/** Formats a number with a fixed number of significant figures for the table. */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}
