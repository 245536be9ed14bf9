// Part 5: per-call cost of rule evaluation in a fresh sandbox (rules-engine.md §2: new runtime, globals, the rule
// file, the call). Uses scripts/bench-rules.mjs (the rules engine's own benchmark) when it is present; otherwise
// measures adapters/rules/engine.ts directly: an empty callback (the sandbox floor), the scenario-B clique rule,
// and the same rule using BigNumber (which loads the embedded bignumber.js into every fresh context).
import { existsSync } from 'node:fs';
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

/** Part 5. */
export async function benchRulesPart() {
  const external = join(root, 'scripts', 'bench-rules.mjs');
  if (existsSync(external)) {
    const mod = await import(external);
    const fn = mod.benchRules ?? mod.default ?? Object.values(mod).find((v) => typeof v === 'function');
    if (typeof fn === 'function') {
      say('rules: using scripts/bench-rules.mjs');
      return { source: 'scripts/bench-rules.mjs', result: await fn({ quick: process.env.BENCH_QUICK === '1' }) };
    }
  }
  if (!existsSync(join(root, 'adapters', 'rules', 'engine.ts'))) return { notMeasured: 'rules engine absent' };
  const { RuleEngine } = await import('../adapters/rules/engine.ts');
  const { MemoryRuleStorage } = await import('../adapters/rules/storage.ts');
  const quiet = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };
  const calls = size('RULE_CALLS', 300, 80);
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
  const out = { source: 'adapters/rules/engine.ts (RuleEngine.checkApproval)', calls, perCallMs: {} };
  for (const k of Object.keys(RULES)) out.perCallMs[k] = stats(samples[k]);
  out.bigNumberExtraMs = out.perCallMs.cliqueBigNumber.p50 - out.perCallMs.clique.p50;
  return out;
}
