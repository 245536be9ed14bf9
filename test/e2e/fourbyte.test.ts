// The full 4byte database end to end: a geth-style account_signTransaction whose selector was not among the old 345
// built-ins (mint(), multicall(uint256,bytes[]) …) reaches the console UI decoded, instead of being refused; an
// unknown selector is refused with clef's text followed by how to proceed. Runs the daemon under tsx, and the
// built binary too when CLEF_BINARY names one (started in an empty directory: the database is inside it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { binaryClef, spawnDaemon, tsxClef, type ClefCommand } from '../support/daemon-process.ts';
import { GethIpcClient } from '../support/ipc-client.ts';
import { COMMON_CALLS } from '../support/fourbyte-calls.ts';

const T = 90_000;
const FROM = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';
const TO = '0x1111111111111111111111111111111111111111';

const runs: [string, ClefCommand][] = [['tsx', tsxClef()]];
if (process.env.CLEF_BINARY) runs.push(['binary', binaryClef(resolve(process.env.CLEF_BINARY))]);

for (const [name, clef] of runs) {
  test(`${name}: common selectors are shown decoded on the console; an unknown one is refused with the hint`, { timeout: T }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clef-4b-e2e-'));
    const d = spawnDaemon(['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--auditlog', ''], {
      cwd: dir,
      stdin: 'pipe',
      clef,
    });
    try {
      d.autoApprove(() => 'n'); // deny: the point is that the prompt appears with the decoded call
      const c = await GethIpcClient.connect(await d.ipcPath(), { callTimeoutMs: 30000 });
      await d.ready();
      for (const call of COMMON_CALLS) {
        const before = d.prompts;
        const tx = { from: FROM, to: TO, gas: '0x5208', gasPrice: '0x3b9aca00', value: '0x0', nonce: '0x0', data: call.data };
        await assert.rejects(c.call('account_signTransaction', [tx]), { code: -32000, message: 'request denied' }, call.name);
        assert.equal(d.prompts, before + 1, `${call.name}: the console was asked`);
        assert.ok(d.stdout.includes(`  * Info : Transaction invokes the following method: ${call.shown}\n`), `${call.name}\n${d.tail()}`);
      }
      const unknown = { from: FROM, to: TO, gas: '0x5208', gasPrice: '0x1', data: '0xb2f0a5bb' };
      const prompts = d.prompts;
      await assert.rejects(c.call('account_signTransaction', [unknown]), (e: Error & { code?: number }) => {
        assert.equal(e.code, -32000);
        assert.ok(e.message.startsWith('validation failed: Transaction contains data, but the ABI signature could not be found: signature b2f0a5bb not found'), e.message);
        assert.match(e.message, /--4bytedb FILE.*--advanced/);
        return true;
      });
      assert.equal(d.prompts, prompts, 'refused before the UI');
      c.close();
      assert.deepEqual(await d.stop('SIGTERM'), { code: 0, signal: null }, d.tail());
    } finally {
      d.kill();
      await d.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
