// The rules engine inside the real daemon (issue 8 items 9 and 14): a rule busy for seconds no longer stalls other
// clients (its evaluation runs in a worker thread), and a rules file that does not parse is reported as
// rules=broken with its error and its real name, instead of rules=active.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provision, runClefOk, spawnDaemon, type DaemonProcess, type Provisioned } from '../support/daemon-process.ts';
import { GethIpcClient } from '../support/ipc-client.ts';

const T = 120_000;

async function withRules(source: string, run: (p: Provisioned, d: DaemonProcess) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clef-e2e-rules-'));
  let d: DaemonProcess | undefined;
  try {
    const p = await provision(dir);
    writeFileSync(join(dir, 'sealer-rules.js'), source);
    const hash = createHash('sha256').update(readFileSync(join(dir, 'sealer-rules.js'))).digest('hex');
    await runClefOk(['--suppress-bootwarn', '--configdir', './clef', '--signersecret', p.masterPasswordFile, 'attest', hash], { cwd: dir });
    d = spawnDaemon(
      ['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--auditlog', '', '--signersecret', p.masterPasswordFile, '--rules', 'sealer-rules.js'],
      { cwd: dir, stdin: 'null' },
    );
    await run(p, d);
  } finally {
    d?.kill();
    await d?.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a bystander is answered while a rule is busy; the busy request is answered after, as the rule decided', { timeout: T }, async () => {
  const rules = `
    function ApproveSignData(r) {
      console.log("spinning");
      var t = Date.now();
      while (Date.now() - t < 1500) {}
      return "Reject";
    }`;
  await withRules(rules, async (p, d) => {
    const path = await d.ipcPath();
    const status = await d.ready();
    assert.match(status, /rules=active/);
    const busy = await GethIpcClient.connect(path);
    const bystander = await GethIpcClient.connect(path);
    try {
      const order: string[] = [];
      const slow = busy.call('account_signData', ['text/plain', p.address, '0x6869']).then(
        () => order.push('busy: signed'),
        (e: Error) => order.push(`busy: ${e.message}`),
      );
      await d.waitForText('JS:>  spinning');
      order.push(`bystander: ${await bystander.call<string>('account_version')}`);
      await slow;
      assert.deepEqual(order, ['bystander: 6.1.0', 'busy: request denied']);
    } finally {
      busy.close();
      bystander.close();
    }
  });
});

test('a rules file with a syntax error: rules=broken with the error naming the file; requests fall through', { timeout: T }, async () => {
  await withRules('function ApproveListing() { return "Approve"\n', async (_p, d) => {
    await d.ipcPath();
    const status = await d.ready();
    assert.match(status, /rules=broken/);
    assert.match(status, /rules-error="SyntaxError: [^"]*sealer-rules\.js:2/);
    assert.match(d.output, /WARN[^\n]*Rules file does not parse/);
  });
});
