// Daemon lifecycle as a supervisor sees it (cli.md §7.1 steps 10 and 13, external-api.md §1.1): the readiness log
// line, the socket's mode, a clean stop on SIGINT and on SIGTERM (status 0, socket removed), and a stale socket
// left by a killed run replaced on the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { GethIpcClient } from '../support/ipc-client.ts';

/** Per-test bound: spawning tsx and provisioning takes seconds (bun's default is 5 s). */
const T = 60_000;

/** A daemon with no master seed (so no password is asked) and a fresh keystore, IPC in a short path. */
function start(dir: string): DaemonProcess {
  return spawnDaemon(['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--auditlog', ''], {
    cwd: dir,
    stdin: 'pipe',
  });
}

async function versionOver(path: string): Promise<string> {
  const c = await GethIpcClient.connect(path);
  try {
    return await c.call<string>('account_version');
  } finally {
    c.close();
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`start-up opens a 0600 socket; ${sig} stops with status 0 and removes it`, { timeout: T }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clef-e2e-'));
    const d = start(dir);
    try {
      const path = await d.ipcPath();
      assert.equal(path, join(dir, 'ipc', 'clef.ipc'));
      assert.match(d.output, /INFO \[[^\]]+\] IPC endpoint opened +url=ipc\/clef\.ipc\n/);
      const st = lstatSync(path);
      assert.ok(st.isSocket(), 'the endpoint is a unix socket');
      assert.equal(st.mode & 0o777, 0o600, `socket mode ${(st.mode & 0o777).toString(8)}`);
      assert.equal((lstatSync(join(dir, 'ipc')).mode & 0o777) & ~0o751, 0, 'socket directory at most 0751');
      await d.ready();
      assert.equal(await versionOver(path), '6.1.0');

      const status = await d.stop(sig);
      assert.deepEqual(status, { code: 0, signal: null }, d.tail());
      assert.equal(existsSync(path), false, 'socket removed on stop');
      const name = sig === 'SIGINT' ? 'interrupt' : 'terminated';
      assert.match(d.output, new RegExp(`Exiting\\.\\.\\. +signal=${name}\\n`));
      assert.match(d.output, /IPC endpoint closed +url=ipc\/clef\.ipc\n/);
      assert.ok(d.output.indexOf('Exiting...') < d.output.indexOf('IPC endpoint closed'));
    } finally {
      d.kill();
      await d.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`${sig} still stops the daemon after the console answered a prompt (stdin an open pipe)`, { timeout: T }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clef-e2e-'));
    const d = start(dir);
    try {
      d.autoApprove();
      const path = await d.ipcPath();
      await d.ready();
      const c = await GethIpcClient.connect(path);
      assert.deepEqual(await c.call('account_list'), [], 'listing approved on the console (empty keystore)');
      assert.equal(d.prompts, 1);
      c.close();
      // A supervisor stops the daemon while its stdin is still connected (a terminal, a pipe from a UI wrapper).
      assert.deepEqual(await d.stop(sig, 8000), { code: 0, signal: null }, d.tail());
      assert.equal(existsSync(path), false);
    } finally {
      d.kill();
      await d.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a stale socket from a killed run, or a stray file, is replaced on start', { timeout: T }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-e2e-'));
  const first = start(dir);
  let second: DaemonProcess | null = null;
  try {
    const path = await first.ipcPath();
    await first.ready();
    first.kill();
    const killed = await first.exited;
    assert.notEqual(killed.code, 0, 'the first run was killed, not stopped');
    assert.ok(lstatSync(path).isSocket(), 'SIGKILL leaves the socket file behind');
    await assert.rejects(GethIpcClient.connect(path, { timeoutMs: 2000 }), 'nobody listens on the stale socket');

    second = start(dir);
    assert.equal(await second.ipcPath(), path);
    await second.ready();
    assert.equal(await versionOver(path), '6.1.0');
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
    assert.deepEqual(await second.stop('SIGINT'), { code: 0, signal: null });
    assert.equal(existsSync(path), false);

    // A plain file where the socket belongs is deleted first, too.
    writeFileSync(path, 'not a socket');
    second = start(dir);
    await second.ready();
    assert.ok(lstatSync(path).isSocket());
    assert.equal(await versionOver(path), '6.1.0');
    assert.deepEqual(await second.stop('SIGTERM'), { code: 0, signal: null });
    assert.equal(existsSync(path), false);
  } finally {
    first.kill();
    second?.kill();
    await Promise.all([first.exited, second?.exited]);
    rmSync(dir, { recursive: true, force: true });
  }
});
