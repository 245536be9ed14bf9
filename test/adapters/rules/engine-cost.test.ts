// Cost-saving paths of the rule engine must not change what rules decide or log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleEngine } from '../../../adapters/rules/engine.ts';
import { MemoryRuleStorage } from '../../../adapters/rules/storage.ts';

function capture() {
  const lines: string[] = [];
  const log = (msg: string, attrs?: Record<string, unknown>) => lines.push(attrs ? `${msg} ${JSON.stringify(attrs)}` : msg);
  return { lines, logger: { crit: log, error: log, warn: log, info: log, debug: log, trace: log } };
}

test('an undefined OnApprovedTx is evaluated once; later calls log the same line without a sandbox run', async () => {
  const { lines, logger } = capture();
  const engine = new RuleEngine({ source: 'function ApproveListing(){ return "Approve" }', storage: new MemoryRuleStorage(), logger });
  let runs = 0;
  const sandbox = engine.sandbox!;
  const evaluate = sandbox.evaluate.bind(sandbox);
  sandbox.evaluate = (ev) => {
    runs++;
    return evaluate(ev);
  };
  for (let i = 0; i < 3; i++) await engine.notify('OnApprovedTx', '{"raw":"0x","tx":{}}');
  assert.equal(runs, 1);
  assert.equal(lines.length, 3);
  assert.equal(new Set(lines).size, 1, 'identical log lines');
  assert.match(lines[0], /^error occurred during execution .*OnApprovedTx/);
  // A defined notification is always run: each of the three runs counts once in storage.
  const storage = new MemoryRuleStorage();
  const stateful = new RuleEngine({ source: 'function OnApprovedTx(r){ storage.put("n", String(Number(storage.get("n")) + 1)) }', storage, logger });
  for (let i = 0; i < 3; i++) await stateful.notify('OnApprovedTx', '{}');
  assert.equal(storage.get('n'), '3');
  assert.equal(await stateful.checkApproval('ApproveTx', '{}').then((d) => d.decision), 'fallthrough');
});

test('a rule naming BigNumber only in ApproveTx still decides sign-data requests, and BigNumber works when reached', async () => {
  const { logger } = capture();
  const source = [
    'function ApproveSignData(r){ return r.content_type == "application/x-clique-header" ? "Approve" : "Reject" }',
    'function ApproveTx(r){ return new BigNumber(r.transaction.value.slice(2), 16).lt(new BigNumber("1000")) ? "Approve" : "Reject" }',
  ].join('\n');
  const engine = new RuleEngine({ source, storage: new MemoryRuleStorage(), logger });
  assert.equal((await engine.checkApproval('ApproveSignData', '{"content_type":"application/x-clique-header"}')).decision, 'approve');
  assert.equal((await engine.checkApproval('ApproveTx', '{"transaction":{"value":"0x3e7"}}')).decision, 'approve');
  assert.equal((await engine.checkApproval('ApproveTx', '{"transaction":{"value":"0x3e8"}}')).decision, 'reject');
});
