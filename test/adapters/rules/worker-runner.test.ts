// issue 8 item 9: rule evaluation ran on the daemon's event loop, so a rule spinning to its deadline stalled every
// client. Evaluations now run in a worker thread that owns QuickJS: the event loop stays free, order is kept, the
// storage semantics are unchanged (the worker reads jsstorage.json, the daemon commits once per evaluation), and a
// worker that dies is replaced while its request falls through.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../../core/bytes.ts';
import { FileSecretStore } from '../../../adapters/vault/file-store.ts';
import { RuleEngine } from '../../../adapters/rules/engine.ts';
import { EncryptedRuleStorage } from '../../../adapters/rules/storage.ts';
import { WorkerRuleRunner } from '../../../adapters/rules/worker-runner.ts';
import { RecordingLogger } from './support.ts';

const KEY = fromHex('c8647915c25dd6706ac07464509f190049f7e3d5246a3f730efc536cde811919');
const T = { timeout: 60_000 };

let dir: string;
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clef-rules-worker-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function setup(source: string, cpuMs = 2000) {
  const path = join(dir, `js-${++n}.json`);
  const file = new FileSecretStore(path, KEY);
  const commits: number[] = [];
  const store = {
    async update(changes: readonly (readonly [string, string | null])[]) {
      commits.push(changes.length);
      await file.update(changes);
    },
  };
  const logger = new RecordingLogger();
  const lines: string[] = [];
  const runner = new WorkerRuleRunner({ source, fileName: 'sealer.js', storage: { path, key: KEY }, logger, limits: { cpuMs } });
  const storage = new EncryptedRuleStorage(path, KEY, { store });
  const engine = new RuleEngine({ source, fileName: 'sealer.js', storage, logger, runner, writeConsole: (t) => lines.push(t) });
  return { file, commits, logger, lines, runner, engine };
}

describe('rules in a worker thread', () => {
  it('scenario C runs in the worker: reads the vault file, commits once per evaluation, refuses a sealed height', T, async () => {
    const slashing = `function ApproveSignData(r) {
      var n = parseInt(r.messages[0].value.split(" ")[2]);
      var latest = storage.get("lastblock") || 0;
      console.log("number", n, "latest", latest);
      if (n > latest) { storage.put("lastblock", n); return "Approve" }
      return "Reject"
    }`;
    const s = setup(slashing);
    try {
      await s.file.put('lastblock', '44');
      const req = (h: number) => JSON.stringify({ messages: [{ value: `clique header ${h} [0xab]` }] });
      assert.equal((await s.engine.checkApproval('ApproveSignData', req(45))).decision, 'approve');
      assert.equal(await s.file.get('lastblock'), '45', 'durable when the approval is returned');
      assert.equal((await s.engine.checkApproval('ApproveSignData', req(45))).decision, 'reject');
      assert.equal((await s.engine.checkApproval('ApproveSignData', req(46))).decision, 'approve');
      assert.deepEqual(s.commits, [1, 1], 'one commit per approving evaluation, none for the refusal');
      assert.deepEqual(s.lines, ['JS:>  number 45 latest 44\n', 'JS:>  number 45 latest 45\n', 'JS:>  number 46 latest 45\n']);
      assert.notEqual(s.runner.threadId, -1);
    } finally {
      await s.engine.close();
    }
  });

  it('the event loop stays free while a rule spins to its deadline; calls still run in order', T, async () => {
    const s = setup('function ApproveTx(){ while (true) {} } function ApproveListing(){ return "Approve" }', 1500);
    try {
      await s.runner.ready();
      const events: string[] = [];
      const spin = s.engine.checkApproval('ApproveTx', '{}').then((d) => {
        events.push(`spin:${d.decision}`);
        return d;
      });
      const after = s.engine.checkApproval('ApproveListing', '{}').then((d) => events.push(`listing:${d.decision}`));
      // A bystander on the same event loop: timers and I/O keep running during the evaluation.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 20));
        events.push(`tick${i}`);
      }
      const d = await spin;
      await after;
      assert.deepEqual(events, ['tick0', 'tick1', 'tick2', 'spin:fallthrough', 'listing:approve']);
      assert.equal(d.decision === 'fallthrough' && d.kind, 'timeout');
    } finally {
      await s.engine.close();
    }
  });

  it('a worker that dies mid-evaluation fails that request as a crash (falls through) and is replaced', T, async () => {
    const s = setup('function ApproveTx(){ while (true) {} } function ApproveListing(){ return "Approve" }', 30_000);
    try {
      await s.runner.ready();
      const first = s.runner.threadId;
      const spin = s.engine.checkApproval('ApproveTx', '{}');
      await new Promise((r) => setTimeout(r, 50));
      await s.runner.kill();
      const d = await spin;
      assert.equal(d.decision, 'fallthrough');
      assert.equal(d.decision === 'fallthrough' && d.kind, 'crash');
      assert.equal(s.runner.restarts, 1);
      assert.ok(s.logger.lines().includes('ERROR Rules worker stopped, restarting it'));
      assert.equal((await s.engine.checkApproval('ApproveListing', '{}')).decision, 'approve');
      assert.notEqual(s.runner.threadId, first, 'a new worker');
    } finally {
      await s.engine.close();
    }
  });

  it('a syntax error is found at start-up and names the real file', T, async () => {
    const s = setup('function ApproveTx( { return "Approve" }');
    try {
      const err = await s.runner.checkSyntax();
      assert.match(err ?? '', /^SyntaxError: .*sealer\.js/);
      const d = await s.engine.checkApproval('ApproveTx', '{}');
      assert.equal(d.decision, 'fallthrough');
      assert.match(d.decision === 'fallthrough' ? d.error : '', /sealer\.js/);
      const ok = setup('function ApproveTx(){ return "Approve" }');
      assert.equal(await ok.runner.checkSyntax(), null);
      await ok.engine.close();
    } finally {
      await s.engine.close();
    }
  });
});
