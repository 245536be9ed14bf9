#!/usr/bin/env node
// Per-call cost of the rules engine (rules-engine.md §2: fresh QuickJS runtime + globals + rule file + call, every
// time) for scenario B's clique rule, without and with BigNumber (the library is only loaded when the rule names
// it), plus the empty-rule floor, QuickJS start-up and the recovery after a memory bomb. Measures, never asserts.
// Usage: node --import tsx scripts/bench-rules.mjs [calls]   (BENCH_QUICK=1 or BENCH_RULE_CALLS=n to resize)
// Import: `const { benchRules } = await import('./scripts/bench-rules.mjs'); await benchRules({ quick, calls })`.
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

let tsReady;
/** Loads a TypeScript module of the repo; plain Node (no --import tsx) gets tsx's loader registered first. */
async function importTs(rel) {
  const nativeTs = typeof Bun !== 'undefined' || typeof Deno !== 'undefined';
  const underTsx = process.execArgv.some((a) => a.includes('tsx')) || (process.env.NODE_OPTIONS ?? '').includes('tsx');
  if (!nativeTs && !underTsx) tsReady ??= import('tsx/esm/api').then((m) => m.register());
  await tsReady;
  return import(new URL(rel, import.meta.url).href);
}

const META = { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };
const CLIQUE_REQUEST = JSON.stringify({
  content_type: 'application/x-clique-header',
  address: '0x9CD932F670F7eDe5dE86F756A6D02548e5899f47',
  raw_data: '+QIUoL0guY+66jZp',
  messages: [{ name: 'Clique header', value: 'clique header 46 [0xae525b65f3b6ae525b65f3b6ae525b65f3b6ae525b65f3b6ae525b65f3b6ae52]', type: 'clique' }],
  call_info: null,
  hash: '0x8ca6c78af7d5ae67ceb4a1e465a8b639b9fbdec4b78e4d19cd9b1232046fbbf4',
  meta: META,
});

/** Scenario B (clique sealer, approve headers only). */
const CLIQUE = `function OnSignerStartup(info) {}
function ApproveListing() { return "Approve" }
function ApproveSignData(r) {
  if (r.content_type == "application/x-clique-header") {
    for (var i = 0; i < r.messages.length; i++) {
      var msg = r.messages[i];
      if (msg.name == "Clique header" && msg.type == "clique") { return "Approve" }
    }
  }
  return "Reject"
}
`;

/** The same decision, but the height goes through BigNumber (so the library is loaded into every context). */
const CLIQUE_BIGNUMBER = CLIQUE.replace(
  'if (msg.name == "Clique header" && msg.type == "clique") { return "Approve" }',
  'if (msg.name == "Clique header" && msg.type == "clique" && new BigNumber(msg.value.split(" ")[2]).gt(new BigNumber("2c", 16))) { return "Approve" }',
);

const VARIANTS = {
  'empty rule (floor)': 'function ApproveSignData(r) { return "Approve" }\n',
  'scenario B clique': CLIQUE,
  'scenario B + BigNumber': CLIQUE_BIGNUMBER,
};

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summary(samples) {
  const s = Float64Array.from(samples).sort();
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, medianMs: quantile(s, 0.5), p99Ms: quantile(s, 0.99), minMs: s[0], maxMs: s[s.length - 1], meanMs: mean };
}

const quiet = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** Runs the benchmark; returns JSON-ready figures (milliseconds). */
export async function benchRules(opts = {}) {
  const envCalls = Number(process.env.BENCH_RULE_CALLS);
  const calls = opts.calls ?? (Number.isFinite(envCalls) && envCalls > 0 ? envCalls : opts.quick || process.env.BENCH_QUICK === '1' ? 300 : 2000);
  const { RuleEngine } = await importTs('../adapters/rules/engine.ts');
  const { RuleSandbox } = await importTs('../adapters/rules/sandbox.ts');
  const { MemoryRuleStorage } = await importTs('../adapters/rules/storage.ts');

  const sandbox = new RuleSandbox();
  let t = performance.now();
  await sandbox.ready();
  const coldStartMs = performance.now() - t;

  const engines = Object.fromEntries(
    Object.entries(VARIANTS).map(([name, source]) => [
      name,
      new RuleEngine({ source, storage: new MemoryRuleStorage(), logger: quiet, sandbox, writeConsole: () => {} }),
    ]),
  );
  const samples = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
  for (const e of Object.values(engines)) for (let i = 0; i < 20; i++) await e.checkApproval('ApproveSignData', CLIQUE_REQUEST);
  // Interleaved blocks of 10, so machine-load drift hits every variant alike.
  for (let done = 0; done < calls; done += 10) {
    for (const [name, e] of Object.entries(engines)) {
      for (let i = 0; i < 10 && done + i < calls; i++) {
        t = performance.now();
        const d = await e.checkApproval('ApproveSignData', CLIQUE_REQUEST);
        samples[name].push(performance.now() - t);
        if (d.decision !== 'approve') throw new Error(`${name}: expected Approve, got ${JSON.stringify(d)}`);
      }
    }
  }

  // Recovery: a memory bomb fills the wasm memory; the next request pays for a fresh instance.
  const bomb = new RuleEngine({
    source: 'function ApproveSignData() { var a = []; for (;;) a.push("x".repeat(100000) + a.length) }',
    storage: new MemoryRuleStorage(),
    logger: quiet,
    sandbox,
    writeConsole: () => {},
  });
  t = performance.now();
  const boom = await bomb.execute('ApproveSignData', 'null');
  const bombMs = performance.now() - t;
  t = performance.now();
  await engines['scenario B clique'].checkApproval('ApproveSignData', CLIQUE_REQUEST);
  const firstAfterRebuildMs = performance.now() - t;

  const perCall = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
  return {
    runtime: typeof Bun !== 'undefined' ? 'bun' : typeof Deno !== 'undefined' ? 'deno' : `node ${process.version}`,
    calls,
    coldStartMs,
    perCall,
    memoryBomb: { outcome: boom.ok ? 'ok' : boom.kind, ms: bombMs, rebuilds: sandbox.rebuilds, firstRequestAfterMs: firstAfterRebuildMs },
  };
}

/** The result as a small text table. */
export function formatRulesTable(r) {
  const rows = [['variant', 'median ms', 'p99 ms', 'max ms', 'n']];
  for (const [k, s] of Object.entries(r.perCall)) rows.push([k, s.medianMs.toFixed(3), s.p99Ms.toFixed(3), s.maxMs.toFixed(2), String(s.n)]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
  lines.splice(1, 0, w.map((n) => '-'.repeat(n)).join('  '));
  lines.push(
    `QuickJS start-up ${r.coldStartMs.toFixed(1)} ms; memory bomb: ${r.memoryBomb.outcome} after ${r.memoryBomb.ms.toFixed(0)} ms, ` +
      `next request (fresh instance) ${r.memoryBomb.firstRequestAfterMs.toFixed(1)} ms   [${r.runtime}]`,
  );
  return lines.join('\n');
}


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2]);
  const result = await benchRules(Number.isFinite(n) && n > 0 ? { calls: n } : {});
  console.error(formatRulesTable(result));
  console.log(JSON.stringify(result, null, 2));
}
