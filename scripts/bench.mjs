#!/usr/bin/env node
// `npm run bench`: every benchmark of issue 5 in one run — clique sealing and transactions over IPC against the
// raw-signing limit, keystore decryption against cast and ethers, start-up with many keys, rule evaluation, and
// the binary. Prints the machine and a table; writes bench-results/latest.json. Figures are measured, never
// asserted: the machines are shared and noisy, so each headline is a ratio to a reference taken in the same run.
//
// Environment: BENCH_QUICK=1 (about a minute), BENCH_ONLY=sign,decrypt,startup,rules,binary (parts to run),
// BENCH_RUNNERS=binary,node (daemons to measure; default: dist/clef when built, plus node unless quick),
// BENCH_SECONDS, BENCH_ROUNDS, BENCH_LIMIT_SECONDS, BENCH_HEADERS, BENCH_DECRYPT_ROUNDS, BENCH_ETHERS_ROUNDS,
// BENCH_KEYS=0,1000,10000, BENCH_STARTUP_REPS, BENCH_LIST_CALLS, BENCH_SETTLE_MS, BENCH_VERSION_RUNS,
// BENCH_RULE_CALLS, BENCH_AUDIT=0 (daemon without audit log), BENCH_PROFILE=1 (CPU profiles of each daemon's
// clique and transaction runs at concurrency 16, summarised by scripts/bench-profile.mjs; bench-results/profiles/).
// The first run generates the key sets into .bench-cache/ (10,000 files: ~15 s, once).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';
import { clefRunner, fmt, machine, ms, now, packageVersion, prepareNodeBundle, quick, root, say } from './bench-lib.mjs';

register();
const started = now();
const only = (process.env.BENCH_ONLY ?? 'sign,decrypt,startup,rules,binary').split(',').map((s) => s.trim());
const runnerKinds = process.env.BENCH_RUNNERS
  ? process.env.BENCH_RUNNERS.split(',').map((s) => s.trim())
  : clefRunner('binary').available
    ? quick
      ? ['binary']
      : ['binary', 'node']
    : ['node'];

if (runnerKinds.includes('node') || only.includes('binary')) prepareNodeBundle();
const m = machine();
console.log(`clef-ts benchmark${quick ? ' (quick)' : ''} — ${new Date().toISOString()}`);
console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, load ${m.loadavg ?? 'n/a'}`);
console.log(`runtimes: node ${m.node}, bun ${m.bun ?? 'missing'}, ${m.cast ?? 'cast missing'}, @noble/curves ${packageVersion('@noble/curves')}, ethers ${packageVersion('ethers') ?? 'missing'}`);
console.log(`daemons: ${runnerKinds.join(', ')}; parts: ${only.join(', ')}\n`);

const results = { date: new Date().toISOString(), machine: m, runners: runnerKinds, parts: {} };

async function part(name, run) {
  if (!only.includes(name)) return;
  const t = now();
  say(`== ${name}`);
  try {
    results.parts[name] = await run();
  } catch (e) {
    say(`${name} failed: ${e.stack ?? e}`);
    results.parts[name] = { failed: String(e.message ?? e).slice(0, 2000) };
  }
  results.parts[name].elapsedS = ms(now() - t) / 1000;
}

await part('sign', async () => (await import('./bench-sign.mjs')).benchSigning(runnerKinds));
await part('decrypt', async () => {
  const sign = await import('./bench-sign.mjs');
  return (await import('./bench-decrypt.mjs')).benchDecrypt({
    keyFile: await sign.sealerKeyFile(),
    password: sign.ACCOUNT_PW,
    key: sign.SEALER_KEY,
    address: sign.SEALER,
  });
});
await part('startup', async () => (await import('./bench-startup.mjs')).benchStartup(runnerKinds));
await part('rules', async () => (await import('./bench-rules-part.mjs')).benchRulesPart());
await part('binary', async () => (await import('./bench-binary.mjs')).benchBinary());
results.elapsedS = ms(now() - started) / 1000;

const table = (await import('./bench-table.mjs')).markdownTable(results);
results.table = table;
mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(root, 'bench-results', 'latest.json');
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
console.log(table);
console.log(`\n${fmt(results.elapsedS)} s in all; JSON: ${file}`);
