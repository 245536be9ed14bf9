// The daemon driven by an external UI over stdio, through the real command line: the --stdio-ui-test handshake
// completes with 0 errors, the UI's clef_* calls are answered on the same pipe, and an external IPC request
// becomes a ui_approveListing call whose answer reaches the IPC caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JsonObject } from '../../core/gojson.ts';
import { projectRoot } from '../support/vectors.ts';
import { ScriptedUi } from '../support/scripted-ui.ts';
import { GethIpcClient } from '../support/ipc-client.ts';

const MAIN = join(projectRoot, 'cli', 'main.ts');
const TSX = pathToFileURL(join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

test('--stdio-ui --stdio-ui-test: handshake with 0 errors, clef_* answered, IPC listing approved by the UI', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-sui-'));
  const child = spawn('node', ['--import', TSX, MAIN, '--stdio-ui', '--stdio-ui-test', '--suppress-bootwarn', '--configdir', join(dir, 'c'), '--keystore', join(dir, 'k'), '--auditlog', ''], {
    cwd: dir,
    env: { ...process.env, TERM: 'dumb' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ui = new ScriptedUi();
  const lines: JsonObject[] = [];
  const replies = new Map<number, JsonObject>();
  let listingMode = false;
  const send = (msg: unknown) => child.stdin.write(JSON.stringify(msg) + '\n');
  let completed!: (text: string) => void;
  const done = new Promise<string>((r) => (completed = r));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as JsonObject;
    lines.push(msg);
    if (typeof msg.method !== 'string') {
      replies.set(msg.id as number, msg);
      return;
    }
    const param = (msg.params as JsonObject[])[0];
    if (listingMode && msg.method === 'ui_approveListing') {
      send({ jsonrpc: '2.0', id: msg.id, result: { accounts: param.accounts } });
      return;
    }
    const result = ui.handle(msg);
    if (msg.id !== undefined) send({ jsonrpc: '2.0', id: msg.id, result: result ?? null });
    if (msg.method === 'ui_showInfo' && String(param.text).startsWith('Tests completed.')) completed(String(param.text));
  });
  try {
    const guard = setTimeout(() => completed('timed out'), 80_000);
    const report = await done;
    clearTimeout(guard);
    assert.equal(report, 'Tests completed. 0 errors:\n\n', stderr.slice(-2000));
    assert.ok(lines.some((m) => m.method === 'ui_onSignerStartup'), 'start-up notification sent');
    assert.doesNotMatch(JSON.stringify(lines), /WARNING|"level"/, 'stdout carries only JSON-RPC');

    // The UI calls back into clef on the same pipe.
    send({ jsonrpc: '2.0', id: 900, method: 'clef_chainId' });
    send({ jsonrpc: '2.0', id: 901, method: 'clef_listAccounts' });
    for (let i = 0; i < 100 && !(replies.has(900) && replies.has(901)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(replies.get(900), { jsonrpc: '2.0', id: 900, result: '0x1' });
    assert.deepEqual(replies.get(901), { jsonrpc: '2.0', id: 901, result: null });

    // An external caller's listing goes to the UI, which approves it.
    listingMode = true;
    const ipc = await GethIpcClient.connect(join(dir, 'c', 'clef.ipc'));
    assert.deepEqual(await ipc.call('account_list'), []);
    ipc.close();
    assert.match(stderr, /Using stdin\/stdout as UI-channel/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
