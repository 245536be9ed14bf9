// The real console UI in a spawned daemon (issue 8 items 11 and 17): an approval timeout withdraws the prompt so the
// next answer reaches the next request; a stop while a prompt is open answers the caller with a clean error and
// exits 0 (no "crashed", audit log closed last); a stop during the master seed's decryption is honoured; on a TTY
// (a pty from `script`) type-ahead is dropped before a prompt, while piped answers are read in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MASTER_PASSWORD, binaryClef, repoRoot, runClefOk, spawnDaemon, tsxClef, type ClefCommand, type DaemonProcess } from '../support/daemon-process.ts';
import { GethIpcClient } from '../support/ipc-client.ts';

const T = 90_000;
const BASE = ['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc'];

async function withDaemon(args: string[], body: (d: DaemonProcess, dir: string) => Promise<void>, opts: { pty?: boolean } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clef-console-'));
  const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  const cmd = [tsx, join(repoRoot, 'cli', 'main.ts'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const d = opts.pty
    ? // `script` gives clef a pseudo-terminal as stdin/stdout; our pipe writes arrive as typed keys.
      spawnDaemon(['-qfec', cmd, '/dev/null'], { cwd: dir, stdin: 'pipe', clef: { command: 'script', prefix: [] }, env: { TERM: 'dumb', NO_COLOR: '1' } })
    : spawnDaemon(args, { cwd: dir, stdin: 'pipe' });
  try {
    await body(d, dir);
  } finally {
    d.kill();
    await d.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--approval-timeout: a timed-out prompt is withdrawn, the next answer goes to the next request', { timeout: T }, async () => {
  await withDaemon([...BASE, '--auditlog', '', '--approval-timeout', '1'], async (d) => {
    const c = await GethIpcClient.connect(await d.ipcPath());
    await d.ready();
    await assert.rejects(c.call('account_list'), { code: -32000, message: 'request timed out waiting for approval (1 s)' });
    await d.waitForText('## Request withdrawn');
    assert.equal(d.prompts, 1);
    // The second request is shown and answered in time: before the fix the dead read took this `y`.
    const second = c.call('account_list');
    await d.waitFor((o) => (o.split('Approve? [y/N]:').length - 1 === 2 ? true : null), 20000, 'second prompt');
    d.write('y\n');
    assert.deepEqual(await second, []);
    // And a third, denied, is denied (not timed out).
    const third = c.call('account_list');
    await d.waitFor(() => (d.prompts === 3 ? true : null), 20000, 'third prompt');
    d.write('n\n');
    await assert.rejects(third, { code: -32000, message: 'request denied' });
    assert.equal(d.stdout.split('## Request withdrawn').length - 1, 1, d.tail());
    c.close();
    assert.deepEqual(await d.stop('SIGINT'), { code: 0, signal: null }, d.tail());
  });
});

test('SIGINT with a prompt open: the caller gets a clean error, the audit log is closed last, exit 0', { timeout: T }, async () => {
  await withDaemon([...BASE, '--auditlog', './audit.log'], async (d, dir) => {
    const c = await GethIpcClient.connect(await d.ipcPath());
    await d.ready();
    const pending = c.call('account_list');
    await d.waitFor(() => (d.prompts === 1 ? true : null), 20000, 'prompt');
    d.signal('SIGINT');
    await assert.rejects(pending, { code: -32000, message: 'request cancelled: the signer is shutting down' });
    assert.deepEqual(await d.exited, { code: 0, signal: null }, d.tail());
    assert.doesNotMatch(d.output, /crashed|is closed/, d.tail());
    assert.match(d.stdout, /## Request withdrawn \nrequest cancelled: the signer is shutting down/);
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8');
    assert.match(audit, /List/, audit);
    c.close();
  });
});

const seedRuns: [string, ClefCommand][] = [['tsx', tsxClef()]];
if (process.env.CLEF_BINARY) seedRuns.push(['binary', binaryClef(resolve(process.env.CLEF_BINARY))]);

for (const [name, clef] of seedRuns) test(`${name}: SIGINT while the master seed is being decrypted stops the daemon`, { timeout: T }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-console-'));
  try {
    // A standard-strength seed (scrypt N=2^18): decryption takes a noticeable time.
    await runClefOk(['--suppress-bootwarn', '--configdir', './clef', 'init'], { cwd: dir, input: `${MASTER_PASSWORD}\n${MASTER_PASSWORD}\n`, timeoutMs: 60000 });
    writeFileSync(join(dir, 'mpw'), `${MASTER_PASSWORD}\n`, { mode: 0o600 });
    const d = spawnDaemon(['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--signersecret', './mpw', '--ipcpath', './ipc', '--auditlog', ''], {
      cwd: dir,
      stdin: 'pipe',
      clef,
    });
    try {
      await d.waitForText('Using --signersecret');
      d.signal('SIGINT');
      // Before: the signal was lost (binary) or killed the process mid-way (node); now: a clean stop.
      assert.deepEqual(await d.exited, { code: 0, signal: null }, d.tail());
      assert.match(d.output, /Exiting\.\.\. +signal=interrupt/);
    } finally {
      d.kill();
      await d.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('TTY: type-ahead is dropped before an approval prompt (a stray y does not approve)', { timeout: T, skip: !hasScript && 'no script(1)' }, async () => {
  await withDaemon(
    [...BASE, '--auditlog', ''],
    async (d) => {
      const c = await GethIpcClient.connect(await d.ipcPath());
      await d.ready();
      await d.waitForText('No accounts found');
      d.write('y\n'); // typed before any question
      await d.waitForText(/\ny\r?\n/);
      await new Promise((r) => setTimeout(r, 300)); // let the daemon read it (not an assertion on time)
      const pending = c.call('account_list');
      await d.waitFor(() => (d.prompts === 1 ? true : null), 20000, 'prompt');
      d.write('n\n');
      await assert.rejects(pending, { code: -32000, message: 'request denied' }, d.tail());
      c.close();
    },
    { pty: true },
  );
});

test('pipe: answers written ahead are read in order, one line per prompt', { timeout: T }, async () => {
  await withDaemon([...BASE, '--auditlog', ''], async (d) => {
    const c = await GethIpcClient.connect(await d.ipcPath());
    await d.ready();
    d.write('y\nn\n');
    assert.deepEqual(await c.call('account_list'), []);
    await assert.rejects(c.call('account_list'), { code: -32000, message: 'request denied' });
    c.close();
    assert.deepEqual(await d.stop('SIGTERM'), { code: 0, signal: null }, d.tail());
  });
});

test('TTY: Ctrl-C at the master-password prompt (raw mode, no SIGINT from the terminal) stops the daemon', { timeout: T, skip: !hasScript && 'no script(1)' }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'clef-console-'));
  try {
    await runClefOk(['--suppress-bootwarn', '--configdir', './clef', '--lightkdf', 'init'], { cwd: home, input: `${MASTER_PASSWORD}\n${MASTER_PASSWORD}\n` });
    const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
    const args = [tsx, join(repoRoot, 'cli', 'main.ts'), ...BASE, '--auditlog', ''];
    const cmd = args.map((a) => `'${a}'`).join(' ');
    const d = spawnDaemon(['-qfec', cmd, '/dev/null'], { cwd: home, stdin: 'pipe', clef: { command: 'script', prefix: [] }, env: { TERM: 'dumb', NO_COLOR: '1' } });
    try {
      await d.waitForText('Please enter the password to decrypt the master seed');
      await d.waitForText('> ');
      d.write('\x03');
      await d.waitForText(/Exiting\.\.\. +signal=interrupt/);
      assert.doesNotMatch(d.output, /IPC endpoint opened|Failed to open master/, d.tail());
      assert.equal((await d.exited).code, 0, d.tail());
    } finally {
      d.kill();
      await d.exited;
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
