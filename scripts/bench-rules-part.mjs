// Part 5: per-call cost of rule evaluation in a fresh sandbox (rules-engine.md §2: new runtime, globals, the rule
// file, the call), under node (in this process) and bun (the binary's runtime, a child process), each next to the
// cost of one raw signature on the same runtime. Uses scripts/bench-rules.mjs (the rules engine's own benchmark)
// when it is present; otherwise measures adapters/rules/engine.ts directly: an empty callback (the sandbox floor),
// the scenario-B clique rule, and the same rule using BigNumber (which loads bignumber.js into every context).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ms, now, root, say, size, stats } from './bench-lib.mjs';

const CLIQUE_REQUEST = JSON.stringify({
  content_type: 'application/x-clique-header',
  address: '0x8b810C2D450fF084517c25E5D14a6222affb0d4A',
  raw_data: 'AAAA',
  messages: [{ name: 'Clique header', value: 'clique header 46 [0xae525b65f3b6ae525b65f3b6ae525b65f3b6ae525b65f3b6ae525b65f3b6ae52]', type: 'clique' }],
  call_info: null,
  hash: '0x' + '11'.repeat(32),
  meta: { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' },
});

const RULES = {
  empty: 'function ApproveSignData(r) { return "Approve"; }\n',
  clique: `function ApproveSignData(r) {
  if (r.content_type == "application/x-clique-header") {
    for (var i = 0; i < r.messages.length; i++) {
      if (r.messages[i].name == "Clique header" && r.messages[i].type == "clique") return "Approve";
    }
  }
  return "Reject";
}
`,
  cliqueBigNumber: `function ApproveSignData(r) {
  if (r.content_type == "application/x-clique-header") {
    for (var i = 0; i < r.messages.length; i++) {
      var m = r.messages[i];
      if (m.name == "Clique header" && m.type == "clique" && new BigNumber(m.value.split(" ")[2], 10).gt(new BigNumber("2d", 16))) return "Approve";
    }
  }
  return "Reject";
}
`,
};

/** One raw signature's cost (ms) on `runtime`, from scripts/bench-limit.mjs (median of 3 short rounds). */
function signatureMs(runtime) {
  const dir = mkdtempSync(join(tmpdir(), 'clefr-'));
  try {
    const digests = join(dir, 'd.json');
    writeFileSync(digests, JSON.stringify(Array.from({ length: 64 }, () => randomBytes(32).toString('hex'))));
    const cmd = runtime === 'bun' ? join(root, 'node_modules', '.bin', 'bun') : process.execPath;
    const r = spawnSync(cmd, [join(root, 'scripts', 'bench-limit.mjs'), randomBytes(31).toString('hex').padStart(64, '0'), digests, '0.5', '3'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) return null;
    const rates = JSON.parse(r.stdout).rates.sort((a, b) => a - b);
    return 1000 / rates[1];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Part 5. */
export async function benchRulesPart() {
  const external = join(root, 'scripts', 'bench-rules.mjs');
  const calls = size('RULE_CALLS', 600, 200);
  if (existsSync(external)) {
    const mod = await import(external);
    const fn = mod.benchRules;
    if (typeof fn === 'function') {
      say('rules: scripts/bench-rules.mjs under node (in-process) and bun');
      const out = { source: 'scripts/bench-rules.mjs', runtimes: {} };
      out.runtimes.node = { ...(await fn({ calls })), signatureMs: signatureMs('node') };
      const bun = join(root, 'node_modules', '.bin', 'bun');
      if (existsSync(bun)) {
        const r = spawnSync(bun, [external, String(calls)], { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
        out.runtimes.bun =
          r.status === 0 ? { ...JSON.parse(r.stdout), signatureMs: signatureMs('bun') } : { notMeasured: `bun run failed: ${(r.stderr || '').slice(0, 300)}` };
      } else out.runtimes.bun = { notMeasured: 'bun missing' };
      return out;
    }
  }
  if (!existsSync(join(root, 'adapters', 'rules', 'engine.ts'))) return { notMeasured: 'rules engine absent' };
  const { RuleEngine } = await import('../adapters/rules/engine.ts');
  const { MemoryRuleStorage } = await import('../adapters/rules/storage.ts');
  const quiet = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };
  const engines = Object.fromEntries(
    Object.entries(RULES).map(([k, source]) => [k, new RuleEngine({ source, storage: new MemoryRuleStorage(), logger: quiet, writeConsole: () => {} })]),
  );
  const samples = Object.fromEntries(Object.keys(RULES).map((k) => [k, []]));
  const t0 = now();
  for (const e of Object.values(engines)) {
    await e.sandbox.ready();
    for (let i = 0; i < 10; i++) await e.checkApproval('ApproveSignData', CLIQUE_REQUEST); // warm-up
  }
  say(`rules: QuickJS ready and warmed in ${ms(now() - t0).toFixed(0)} ms`);
  // Interleaved blocks so drift in machine load hits every variant alike.
  for (let done = 0; done < calls; done += 10) {
    for (const [k, e] of Object.entries(engines)) {
      for (let i = 0; i < 10; i++) {
        const t = now();
        const d = await e.checkApproval('ApproveSignData', CLIQUE_REQUEST);
        samples[k].push(ms(now() - t));
        if (d.decision !== 'approve') throw new Error(`rule ${k}: ${JSON.stringify(d)}`);
      }
    }
  }
  const perCall = {};
  for (const k of Object.keys(RULES)) {
    const st = stats(samples[k]);
    perCall[k] = { n: st.n, medianMs: st.p50, p99Ms: st.p99, minMs: st.min, maxMs: st.max, meanMs: st.mean };
  }
  return { source: 'adapters/rules/engine.ts (RuleEngine.checkApproval)', runtimes: { node: { runtime: `node ${process.version}`, calls, perCall, signatureMs: signatureMs('node') } } };
}
