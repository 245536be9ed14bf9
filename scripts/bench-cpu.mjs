#!/usr/bin/env node
// CPU time per clique seal, by thread, for a daemon sealing over IPC at concurrency 16 with the scenario-B rules:
// the figure that survives a shared, overloaded machine (wall-clock rates there measure the neighbours). The
// daemon's main thread runs the event loop (sockets, decoding, signing, logs); since issue 8 item 9 the rules run
// on a worker thread. "main-thread ratio" = CPU of one raw @noble/curves signature / main-thread CPU per seal:
// the share of raw signing the daemon reaches when its other threads have a core of their own. Linux only (/proc).
// Usage: node scripts/bench-cpu.mjs [BINARY…]   (default dist/clef; several binaries are measured interleaved)
// Environment: BENCH_CPU_SEALS (per round, default 3000), BENCH_CPU_ROUNDS (default 3).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { register } from 'tsx/esm/api';
import { IpcClient, cacheDir, root, say } from './bench-lib.mjs';

register();
const sign = await import('./bench-sign.mjs');
const { toHex } = await import('../core/bytes.ts');
const SEALS = Number(process.env.BENCH_CPU_SEALS ?? 3000);
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 3);
const binaries = (process.argv.slice(2).length ? process.argv.slice(2) : [join(root, 'dist', 'clef')]).map((p) => resolve(p));
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** utime + stime of every thread of `pid`, in ms, by thread id. */
function threadCpu(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(rest[11]) + Number(rest[12])) * TICK_MS);
    } catch {
      // thread ended
    }
  }
  return out;
}

/** CPU ms of one raw signature under bun (the daemon's runtime), from the process's own cpuUsage. */
function rawSignCpuMs(digests) {
  const file = join(cacheDir, 'bench-cpu-sign.mjs');
  writeFileSync(
    file,
    `import { secp256k1 } from '@noble/curves/secp256k1.js';
const [key, ...ds] = JSON.parse(process.argv[2]).map((h) => Uint8Array.from(Buffer.from(h.slice(2), 'hex')));
const opts = { prehash: false, lowS: true, format: 'recovered' };
for (let i = 0; i < 300; i++) secp256k1.sign(ds[i % ds.length], key, opts);
const n = 4000; const c0 = process.cpuUsage();
for (let i = 0; i < n; i++) secp256k1.sign(ds[i % ds.length], key, opts);
const c = process.cpuUsage(c0); console.log(JSON.stringify((c.user + c.system) / 1000 / n));\n`,
  );
  const r = spawnSync(join(root, 'node_modules', '.bin', 'bun'), [file, JSON.stringify([toHex(sign.SEALER_KEY), ...digests])], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const headers = sign.headerSource();
headers.fill(SEALS);
const keyFile = await sign.sealerKeyFile();
const work = mkdtempSync(join(tmpdir(), 'clef-bench-cpu-'));
const results = binaries.map((bin) => ({ bin, main: [], other: [], raw: [] }));
try {
  const daemons = [];
  for (const r of results) {
    const runner = { kind: 'binary', cmd: r.bin, pre: [], label: r.bin };
    const dir = mkdtempSync(join(work, 'd-'));
    const { cfg, ks } = sign.provision(runner, dir, keyFile);
    const rules = join(dir, 'rules-main.js');
    sign.attest(runner, dir, cfg, rules);
    const d = await sign.startDaemon(runner, dir, cfg, ks, { rulesFile: rules });
    const clients = [];
    for (let i = 0; i < 16; i++) clients.push(await IpcClient.connect(d.ipc));
    const first = await clients[0].callRaw('account_signData', headers.at(0).params); // scrypt once
    if (first.msg.error) throw new Error(`first seal failed: ${JSON.stringify(first.msg.error)}`);
    daemons.push({ r, d, clients });
  }
  const digests = Array.from({ length: 64 }, (_, i) => toHex(headers.at(i).sealHash));
  for (let round = 0; round < ROUNDS; round++) {
    for (const { r, d, clients } of daemons) {
      const before = threadCpu(d.proc.pid);
      let next = 0;
      let errors = 0;
      await Promise.all(
        clients.map(async (c) => {
          while (next < SEALS) {
            const { msg } = await c.callRaw('account_signData', headers.at(next++ % SEALS).params);
            if (msg.error) errors++;
          }
        }),
      );
      const after = threadCpu(d.proc.pid);
      if (errors) throw new Error(`${errors} seals failed`);
      let main = 0;
      let other = 0;
      for (const [tid, t] of after) {
        const dt = t - (before.get(tid) ?? 0);
        if (tid === d.proc.pid) main += dt;
        else other += dt;
      }
      r.main.push(main / SEALS);
      r.other.push(other / SEALS);
      r.raw.push(rawSignCpuMs(digests));
    }
  }
  for (const { d, clients } of daemons) {
    for (const c of clients) c.close?.();
    await d.proc.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let load = '';
try {
  load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
} catch {}
say(`CPU per clique seal at c=16, scenario-B rules, ${SEALS} seals × ${ROUNDS} rounds (medians), load ${load}`);
for (const r of results) {
  const raw = med(r.raw);
  const main = med(r.main);
  const other = med(r.other);
  say(`${r.bin}: main thread ${(main * 1000).toFixed(0)} µs, other threads ${(other * 1000).toFixed(0)} µs per seal; raw signature ${(raw * 1000).toFixed(0)} µs → main-thread ratio ${(raw / main).toFixed(2)}, whole-process ratio ${(raw / (main + other)).toFixed(2)}`);
}
