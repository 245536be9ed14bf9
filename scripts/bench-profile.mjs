#!/usr/bin/env node
// Where does a daemon's time go? Summarises a V8 .cpuprofile (node --cpu-prof) by self time: the top functions
// (file:line) and a breakdown by area (rules sandbox, secp256k1, keccak, RLP/clique, JSON-RPC + IPC, logging,
// audit, GC, idle). Usage: node scripts/bench-profile.mjs <file.cpuprofile> [top=25]
// bench.mjs runs it on the daemons' profiles when BENCH_PROFILE=1. bun's profiles (JSC sampling) record no idle
// samples and attribute some waiting to the last JS frame: read them as indicative; node's are the reference.
import { readFileSync } from 'node:fs';

const AREAS = [
  ['idle', (f, _u) => f === '(idle)' || f === '(program)'],
  ['garbage collector', (f) => f === '(garbage collector)'],
  ['rules sandbox (QuickJS wasm + glue)', (f, u) => /quickjs|adapters\/rules|wasm:\/\//.test(u) || /^(js-to-wasm|wasm-to-js)|wasm-function/.test(f)],
  ['secp256k1 (noble curves)', (_f, u) => /@noble\/curves/.test(u)],
  ['keccak / hashes (noble hashes)', (_f, u) => /@noble\/hashes/.test(u)],
  ['clique / RLP / sign-data decoding', (_f, u) => /core\/(clique|rlp|signdata|mime)\.ts/.test(u)],
  ['transactions / validation / 4byte', (_f, u) => /core\/(tx|validate|abi|fourbyte)\.ts/.test(u)],
  ['signer / API / gojson', (_f, u) => /core\/(signer|api|gojson|bytes|key-cache|errors|secp256k1)\.ts/.test(u)],
  ['JSON-RPC + IPC transport', (_f, u) => /adapters\/transport/.test(u)],
  ['audit log', (_f, u) => /adapters\/audit/.test(u)],
  ['logging', (_f, u) => /adapters\/log|clef-logger/.test(u)],
  ['keystore / vault', (_f, u) => /adapters\/(keystore|vault)|core\/(keyfile|vault|secret-storage|kvstore)/.test(u)],
  ['node: net / streams / fs', (_f, u) => /^node:(net|stream|internal\/(streams|net|stream_base|fs))/.test(u) || /^node:internal\/(streams|net|stream_base_commons|fs)/.test(u)],
  ['JSON.parse / stringify (native)', (f) => /^(JSONParse|JSONStringify|parse|stringify)$/.test(f)],
  ['tsx loader / module loading', (_f, u) => /node_modules\/tsx|esbuild|node:internal\/modules/.test(u)],
];

/** Self time per node, aggregated by function and by area. */
export function summarise(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  let total = 0;
  const fns = new Map();
  const areas = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const f = n.callFrame.functionName || '(anonymous)';
    const u = n.callFrame.url || '';
    total += us;
    const short = u.replace(/^file:\/\/.*?\/(node_modules|core|adapters|cli|scripts)\//, '$1/');
    const key = `${f} ${short}:${n.callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const area = AREAS.find(([, test]) => test(f, u))?.[0] ?? (u.startsWith('node:') ? 'node internals (other)' : u ? 'other JS' : 'native (other)');
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busy = total - (areas.get('idle') ?? 0);
  const rows = (m, denom) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => ({ name: k, ms: us / 1000, share: us / denom }));
  return { totalMs: total / 1000, busyMs: busy / 1000, areas: rows(areas, total), topFunctions: rows(fns, busy).filter((r) => !/^\((idle|program)\)/.test(r.name)).slice(0, top) };
}

/** Text report. */
export function report(s) {
  const pct = (x) => `${(100 * x).toFixed(1).padStart(5)}%`;
  const lines = [`profile: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy`, 'by area (share of all samples):'];
  for (const a of s.areas) lines.push(`  ${pct(a.share)}  ${a.ms.toFixed(0).padStart(7)} ms  ${a.name}`);
  lines.push('top functions by self time (share of busy time):');
  for (const f of s.topFunctions) lines.push(`  ${pct(f.share)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  console.log(report(summarise(JSON.parse(readFileSync(file, 'utf8')), Number(top ?? 25))));
}
