// Bounded input and argument checks, end to end as real processes: every read of a file or of stdin a user names
// stops at its documented cap with a clear error (fed /dev/zero, which never ends); the keystore scan skips
// oversized and absurdly nested files; commands refuse arguments clef silently ignored, changing nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { decryptMasterSeed } from '../../core/masterseed.ts';
import { deriveVault } from '../../core/vault.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { FileSecretStore } from '../../adapters/vault/file-store.ts';
import { FileTooLargeError, readFileBounded } from '../../adapters/fs/bounded-read.ts';
import { DirKeyStore, firstValueTooDeep } from '../../adapters/keystore/dir-keystore.ts';
import { StdioTerminal, InputTooLongError, type TerminalInput } from '../../adapters/terminal/stdio-terminal.ts';
import { MASTER_PASSWORD, provision, repoRoot, runClef, type RunResult } from '../support/daemon-process.ts';
import { inCi, vectorsVerdict } from '../support/vectors.ts';
import { tempDirMaker } from '../support/temp-dirs.ts';

const tempDir = tempDirMaker('clef-limits-');

const ZERO = '/dev/zero';
const hasDevZero = existsSync(ZERO) ? false : 'no /dev/zero on this platform';

function assertRefused(r: RunResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit status\nstdout:${r.stdout}\nstderr:${r.stderr}`);
  assert.equal(r.signal, null);
  assert.match(r.stdout + r.stderr, pattern);
}

test('every file a user names is read up to its cap: /dev/zero fails at once with a clear message', { skip: hasDevZero }, async () => {
  const dir = tempDir();
  const cases: Array<[string[], RegExp]> = [
    [['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'newaccount', '--password', ZERO], /Fatal: Failed to read password file: \/dev\/zero: password file is larger than 1 MiB/],
    [['--suppress-bootwarn', '--signersecret', ZERO, '--configdir', './c', 'attest', 'a'.repeat(64)], /Fatal: \/dev\/zero: --signersecret file is larger than 1 MiB/],
    [['--suppress-bootwarn', '--signersecret', ZERO, '--configdir', './c', 'init'], /Fatal: \/dev\/zero: --signersecret file is larger than 1 MiB/],
    [['--suppress-bootwarn', '--keystore', './ks', 'importraw', ZERO], /\/dev\/zero: key file is larger than 1 MiB/],
    [['--suppress-bootwarn', '--keystore', './ks', 'addaddress', ZERO], /\/dev\/zero: key file is larger than 1 MiB/],
    [['rules', 'test', ZERO], /\/dev\/zero: rules file is larger than 4 MiB/],
  ];
  for (const [args, pattern] of cases) assertRefused(await runClef(args, { cwd: dir, timeoutMs: 60_000 }), pattern);

  writeFileSync(join(dir, 'rules.js'), 'function ApproveListing(){ return "Approve" }\n');
  const r = await runClef(['rules', 'test', 'rules.js', ZERO], { cwd: dir, timeoutMs: 60_000 });
  assertRefused(r, /\/dev\/zero: request file is larger than 16 MiB/);
  assert.equal(existsSync(join(dir, 'ks')), false, 'no keystore written');
  assert.equal(existsSync(join(dir, 'c')), false, 'no configdir written');
});

test('stdin that never ends a line (clef init < /dev/zero) fails with "input line longer than 1 MiB"', { skip: hasDevZero }, async () => {
  const dir = tempDir();
  // A real /dev/zero on stdin: spawned through the shell's redirection, bounded by the timeout.
  const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  for (const [args, pattern] of [
    [['--suppress-bootwarn', '--configdir', './c', 'init'], /Fatal: Failed to read password: input line longer than 1 MiB/],
    [['--configdir', './c', 'init'], /Failed to read user input: input line longer than 1 MiB/],
  ] as Array<[string[], RegExp]>) {
    const r = spawnSync('sh', ['-c', `exec "$0" "$@" < /dev/zero`, tsx, join(repoRoot, 'cli', 'main.ts'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assertRefused({ code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }, pattern);
  }
  assert.equal(existsSync(join(dir, 'c')), false);
});

test('readFileBounded: exactly at the cap is read, one byte more is refused, a directory is Go\'s "is a directory"', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'at'), Buffer.alloc(1000, 0x61));
  writeFileSync(join(dir, 'over'), Buffer.alloc(1001, 0x61));
  assert.equal((await readFileBounded(join(dir, 'at'), 1000)).length, 1000);
  await assert.rejects(readFileBounded(join(dir, 'over'), 1000, 'key file'), (e: unknown) => e instanceof FileTooLargeError && /key file is larger than 1000 bytes/.test(e.message));
  await assert.rejects(readFileBounded(join(dir, 'missing'), 1000), { message: `open ${join(dir, 'missing')}: no such file or directory` });
  await assert.rejects(readFileBounded(dir, 1000), { message: `read ${dir}: is a directory` });
});

test('the terminal refuses a line longer than its limit, for this and every later read', async () => {
  const listeners: Record<string, ((x?: unknown) => void)[]> = { data: [], end: [], error: [] };
  const input: TerminalInput = {
    on: (ev: string, cb: (x?: unknown) => void) => void listeners[ev].push(cb),
    removeListener: (ev: string, cb: (x?: unknown) => void) => void (listeners[ev] = listeners[ev].filter((f) => f !== cb)),
    pause: () => undefined,
    resume: () => {
      // An endless stream of zero bytes, one chunk per resume (what /dev/zero gives).
      queueMicrotask(() => listeners.data.forEach((f) => { f(new Uint8Array(4096)); }));
    },
  } as TerminalInput;
  let out = '';
  const t = new StdioTerminal({ input, write: (s) => (out += s), lineLimit: 10_000 });
  await assert.rejects(t.readLine(), (e: unknown) => e instanceof InputTooLongError && e.message === 'input line longer than 10000 bytes');
  await assert.rejects(t.readPassword('Password: '), InputTooLongError);
  assert.match(out, /Password: /);
  t.close();
});

test('keystore scan: a file over 1 MiB is skipped with one warning, a deeply nested one without parsing', async () => {
  const dir = tempDir();
  const ks = join(dir, 'ks');
  mkdirSync(ks);
  writeFileSync(join(ks, 'big'), Buffer.alloc((1 << 20) + 1, 0x5b));
  writeFileSync(join(ks, 'deep'), '['.repeat(20_000));
  writeFileSync(join(ks, 'deepobj'), '{"a":'.repeat(20_000));
  const key = { address: '9160dc9105f7de5dc5e7f3d97ef11da47269bda6', crypto: {}, version: 3 };
  writeFileSync(join(ks, 'UTC--ok'), JSON.stringify(key));
  // A small first value followed by deep trailing data is still a key file (Go decodes only the first value).
  writeFileSync(join(ks, 'UTC--trailing'), JSON.stringify({ ...key, address: '9cd932f670f7ede5de86f756a6d02548e5899f47' }) + '['.repeat(20_000));
  const warnings: string[] = [];
  const logger = { crit() {}, error() {}, warn: (m: string, a?: Record<string, unknown>) => warnings.push(`${m} ${String(a?.path)}`), info() {}, debug() {}, trace() {} };
  const store = new DirKeyStore(ks, { logger, watch: false });
  try {
    const accounts = await store.accounts();
    assert.deepEqual(accounts.map((a) => a.address).sort(), ['0x9160dc9105f7de5dc5e7f3d97ef11da47269bda6', '0x9cd932f670f7ede5de86f756a6d02548e5899f47']);
    assert.deepEqual(warnings, [`Skipping oversized file in keystore ${join(ks, 'big')}`]);
    await store.refresh();
    assert.equal(warnings.length, 1, 'the warning is not repeated for an unchanged file');
  } finally {
    store.close();
  }
  assert.equal(firstValueTooDeep('['.repeat(10_001)), true);
  assert.equal(firstValueTooDeep('['.repeat(10_000)), false);
  assert.equal(firstValueTooDeep(`{"s":"${'['.repeat(20_000)}"}`), false, 'brackets inside strings do not count');
});

test('attest refuses a malformed hash or an extra argument and keeps the valid attestation', async () => {
  const dir = tempDir();
  const p = await provision(dir, { setpw: false });
  const good = 'ab'.repeat(32);
  const base = ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', p.masterPasswordFile];
  const ok = await runClef([...base, 'attest', good.toUpperCase()], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  for (const [args, message] of [
    [['attest', 'xyz'], 'Fatal: Invalid sha256 hash specified: "xyz" (want the 64 hex characters sha256sum prints)'],
    [['attest', 'a'.repeat(63)], `Fatal: Invalid sha256 hash specified: "${'a'.repeat(63)}"`],
    [['attest', good.replace('a', 'g')], 'Fatal: Invalid sha256 hash specified'],
    [['attest', 'cd'.repeat(32), 'extra'], 'Fatal: unexpected argument: "extra"'],
    [['setpw', p.address, 'extra'], 'Fatal: unexpected argument: "extra"'],
    [['delpw', p.address, 'extra'], 'Fatal: unexpected argument: "extra"'],
    [['delpw', p.address], `Fatal: No password stored for ${p.address}`],
  ] as Array<[string[], string]>) {
    const r = await runClef([...base, ...args], { cwd: dir });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
  }
  // The stored attestation is still the valid one (upper case folded, as the daemon compares).
  const { seed } = await decryptMasterSeed(readFileSync(join(p.configdir, 'masterseed.json'), 'utf8'), MASTER_PASSWORD, new NodeKdf());
  const keys = deriveVault(seed);
  const config = new FileSecretStore(join(p.configdir, keys.name, 'config.json'), keys.configKey);
  assert.equal(await config.get('ruleset_sha256'), good);
});

test('newaccount, list-accounts, list-wallets and gendoc refuse extra arguments, writing nothing', async () => {
  const dir = tempDir();
  for (const args of [
    ['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'newaccount', 'foo'],
    ['--suppress-bootwarn', '--keystore', './ks', 'list-accounts', 'foo'],
    ['--suppress-bootwarn', '--keystore', './ks', 'list-wallets', 'foo'],
    ['gendoc', 'foo'],
  ]) {
    const r = await runClef(args, { cwd: dir, input: 'password123456\n' });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.startsWith('Fatal: unexpected argument: "foo"\n'), r.stderr);
    assert.ok(!r.stdout.includes('Generated account'), r.stdout);
  }
  assert.equal(existsSync(join(dir, 'ks')), false);
});

test('missing shared vectors: a local run skips with a note, CI fails', () => {
  assert.deepEqual(vectorsVerdict(true, true), { skip: false, fail: null });
  assert.match(String(vectorsVerdict(false, false).skip), /^shared vectors not found .*; skipping$/);
  assert.match(String(vectorsVerdict(false, true).fail), /CI is set: failing instead of skipping/);
  assert.equal(inCi({ CI: 'true' }), true);
  assert.equal(inCi({ CI: '1' }), true);
  assert.equal(inCi({}), false);
  assert.equal(inCi({ CI: 'false' }), false);
  // And for real: a test file importing the vectors module in CI without vectors fails to load.
  const empty = tempDir();
  const code = `import(${JSON.stringify(join(repoRoot, 'test', 'support', 'vectors.ts'))}).then(() => console.log('loaded'))`;
  const run = (ci: string | undefined) =>
    spawnSync('node', ['--import', 'tsx', '-e', code], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, CLEF_VECTORS: empty, CI: ci ?? '' },
      timeout: 60_000,
    });
  const local = run(undefined);
  assert.equal(local.status, 0, local.stderr);
  assert.match(local.stdout, /loaded/);
  const ci = run('true');
  assert.notEqual(ci.status, 0);
  assert.match(ci.stderr, /shared vectors not found .* CI is set: failing instead of skipping/);
});
