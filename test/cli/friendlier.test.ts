// Issue 10's command-line items, end to end as real processes: the daemon fails early (before any password
// prompt) on bad endpoints and paths, names a missing keystore or seed and address-less key files, logs geth's
// `Served …` lines, runs --stdio-ui-test on the console; list-* --json and log routing for scripts; importraw
// takes what cast prints; setpw checks the password against the key file; --signersecret password-file modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../core/bytes.ts';
import { encryptMasterSeed, LIGHT_SCRYPT } from '../../core/masterseed.ts';
import { encryptKeyFile } from '../../core/keyfile.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { systemRandom } from '../../adapters/crypto/system.ts';
import { writeMasterSeedFile } from '../../adapters/vault/masterseed-file.ts';
import { logsToStderr } from '../../cli/boot.ts';
import { goDuration } from '../../adapters/log/clef-logger.ts';
import { MASTER_PASSWORD, runClef, spawnDaemon } from '../support/daemon-process.ts';
import { tempDirMaker } from '../support/temp-dirs.ts';

const RAW_KEY = '0102030405060708090a0102030405060708090a0102030405060708090a0102';
const RAW_ADDR = '0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6';
const ACCOUNT_PASSWORD = 'accountpassword1';
const kdf = new NodeKdf();

const tempDir = tempDirMaker('clef-friendly-');

/** `<dir>/clef` with a light-KDF master seed (password MASTER_PASSWORD) and `<dir>/mpw` (0600) holding it. */
async function withSeed(dir: string): Promise<void> {
  mkdirSync(join(dir, 'clef'), { mode: 0o700 });
  const text = await encryptMasterSeed(systemRandom.bytes(256), MASTER_PASSWORD, LIGHT_SCRYPT, kdf, systemRandom);
  await writeMasterSeedFile(join(dir, 'clef', 'masterseed.json'), text);
  writeFileSync(join(dir, 'mpw'), `${MASTER_PASSWORD}\n`, { mode: 0o600 });
}

/** `<dir>/ks` with RAW_KEY's key file (light scrypt, ACCOUNT_PASSWORD) and one address-less (cast) key file. */
async function withKeystore(dir: string): Promise<string> {
  const ks = join(dir, 'ks');
  mkdirSync(ks);
  const json = await encryptKeyFile(fromHex(RAW_KEY), ACCOUNT_PASSWORD, { n: 4096, p: 6 }, kdf, systemRandom);
  writeFileSync(join(ks, `UTC--2026-01-01T00-00-00.000000000Z--${RAW_ADDR.slice(2).toLowerCase()}`), json);
  const cast = JSON.parse(json) as Record<string, unknown>;
  delete cast.address;
  writeFileSync(join(ks, 'cast-key'), JSON.stringify(cast));
  return ks;
}

test('the daemon refuses bad endpoints and paths before asking the master password, in Go\'s words', async () => {
  const dir = tempDir();
  await withSeed(dir);
  const base = ['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks'];
  const cases: Array<[string[], string]> = [
    [['--ipcdisable'], 'Fatal: --ipcdisable without --http leaves no endpoint to serve: add --http, or drop --ipcdisable'],
    [['--http', '--http.port', '99999'], 'Fatal: Could not start RPC api: listen tcp: address 99999: invalid port'],
    [['--http', '--http.port', '-1'], 'Fatal: Could not start RPC api: listen tcp: address -1: invalid port'],
    [['--rules', 'nope.js'], 'Fatal: Could not load rules: open nope.js: no such file or directory'],
    [['--rules', '.'], 'Fatal: Could not load rules: . is not a regular file'],
    [['--4bytedb', '.'], 'Fatal: --4bytedb . is not a regular file'],
    [['--auditlog', 'missing/audit.log'], 'Fatal: open missing/audit.log: no such file or directory'],
    [['--auditlog', '.'], 'Fatal: open .: is a directory'],
  ];
  for (const [args, message] of cases) {
    const r = await runClef([...base, ...args], { cwd: dir, input: `${MASTER_PASSWORD}\n` });
    assert.equal(r.code, 1, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(`${message}\n`), `${args.join(' ')}: ${r.stderr}`);
    assert.ok(!r.stdout.includes('Please enter the password to decrypt the master seed'), `${args.join(' ')} asked first:\n${r.stdout}`);
    assert.doesNotMatch(r.stderr, /ENOENT|EISDIR|options\.port|Received/, 'no Node wording');
  }
});

test('daemon start names a missing seed and keystore; address-less key files are warned about and counted; Served lines', async () => {
  const dir = tempDir();
  const missing = spawnDaemon(['--suppress-bootwarn', '--configdir', './none', '--keystore', './typo', '--ipcdisable', '--http', '--http.port', '0', '--auditlog', ''], {
    cwd: dir,
    stdin: 'null',
  });
  try {
    const ready = (await missing.waitForText(/Signer status[^\n]*/, 60_000)) as RegExpMatchArray;
    assert.match(ready[0], /seed=LOCKED .*accounts=0 +stored-passwords=0 +unaddressed-keys=0 /);
    await missing.waitForText(/WARN .*Keystore directory does not exist +keystore=\S*typo/);
    await missing.waitForText(/WARN .*No master seed: run 'clef init' first .*configdir=\.\/none/);
  } finally {
    await missing.stop('SIGINT');
  }

  await withKeystore(dir);
  const d = spawnDaemon(['--suppress-bootwarn', '--configdir', './none', '--keystore', './ks', '--ipcdisable', '--http', '--http.port', '0', '--auditlog', '', '--loglevel', '4'], {
    cwd: dir,
    stdin: 'null',
  });
  try {
    const ready = (await d.waitForText(/Signer status[^\n]*/, 60_000)) as RegExpMatchArray;
    assert.match(ready[0], /accounts=1 +stored-passwords=0 +unaddressed-keys=1 /);
    await d.waitForText(/WARN .*Key file has no address, run 'clef addaddress <file>' to use it path=\S*cast-key/);
    const url = await d.httpUrl();
    const call = async (body: object) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    assert.deepEqual(await call({ jsonrpc: '2.0', id: 7, method: 'account_version', params: [] }), { jsonrpc: '2.0', id: 7, result: '6.1.0' });
    await d.waitForText(/DEBUG\[[^\]]+\] Served account_version +reqid=7 +duration=\S+\n/);
    await call({ jsonrpc: '2.0', id: 'x1', method: 'account_nope', params: [] });
    await d.waitForText(/WARN .*Served account_nope +reqid=x1 +duration=\S+ +err="the method account_nope does not exist\/is not available"/);
  } finally {
    await d.stop('SIGINT');
  }
  assert.equal(goDuration(0.0005), '500ns');
  assert.equal(goDuration(0.0523), '52.3µs');
  assert.equal(goDuration(1.234567), '1.234567ms');
  assert.equal(goDuration(2500), '2.5s');
  assert.equal(goDuration(63_200), '1m3.2s');
});

test('--stdio-ui-test without --stdio-ui runs the UI test on the console, as clef did', async () => {
  const dir = tempDir();
  const d = spawnDaemon(['--suppress-bootwarn', '--configdir', './none', '--keystore', './ks', '--stdio-ui-test', '--auditlog', ''], { cwd: dir });
  try {
    await d.waitForText(/INFO .*Performing UI test/, 60_000);
    await d.waitForText("If you see this message, enter 'yes' to next question");
    await d.waitForText('Did you see the message? [yes/no]');
  } finally {
    await d.stop('SIGINT');
  }
});

test('list-accounts / list-wallets: --json on stdout, logs on stderr when stdout is captured', async () => {
  const dir = tempDir();
  await withKeystore(dir);
  const lower = RAW_ADDR.toLowerCase();
  const accounts = await runClef(['--suppress-bootwarn', '--keystore', './ks', 'list-accounts', '--json'], { cwd: dir });
  assert.equal(accounts.code, 0, accounts.stderr);
  const list = JSON.parse(accounts.stdout) as Array<{ address: string; url: string }>;
  assert.equal(list.length, 1);
  assert.equal(list[0].address, lower);
  assert.match(list[0].url, new RegExp(`^keystore://.*/ks/UTC--.*--${lower.slice(2)}$`));
  assert.match(accounts.stderr, /WARN .*Key file has no address/);

  const wallets = await runClef(['--suppress-bootwarn', '--json', '--keystore', './ks', 'list-wallets'], { cwd: dir });
  assert.equal(wallets.code, 0, wallets.stderr);
  assert.deepEqual(JSON.parse(wallets.stdout), [{ url: list[0].url, status: 'Locked', accounts: [list[0]] }]);

  // Text output captured through a pipe: the list alone on stdout, the warning on stderr.
  const text = await runClef(['--suppress-bootwarn', '--keystore', './ks', 'list-accounts'], { cwd: dir });
  assert.equal(text.stdout, `\n${RAW_ADDR} (${list[0].url})\n`);
  assert.match(text.stderr, /WARN .*Key file has no address/);
  // Other commands keep clef's logs on stdout unless --log.stderr is given.
  assert.equal(logsToStderr({ stdioUi: false, logStderr: false, json: false }, 'newaccount', false), false);
  assert.equal(logsToStderr({ stdioUi: false, logStderr: true, json: false }, null, true), true);
  assert.equal(logsToStderr({ stdioUi: false, logStderr: false, json: false }, 'list-accounts', true), false);
  assert.equal(logsToStderr({ stdioUi: false, logStderr: false, json: false }, 'list-accounts', false), true);
});

test('importraw takes a 0x-prefixed key with surrounding whitespace (what cast prints)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'key.txt'), `  0x${RAW_KEY}  \n\n`);
  writeFileSync(join(dir, 'pw'), `${ACCOUNT_PASSWORD}\n`);
  const r = await runClef(['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'importraw', '--password', 'pw', 'key.txt'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`Address ${RAW_ADDR}`));
});

test('setpw warns when the password does not decrypt the key file; a master-password file others can read is warned about', async () => {
  const dir = tempDir();
  await withSeed(dir);
  await withKeystore(dir);
  const setpw = (password: string) =>
    runClef(['--suppress-bootwarn', '--keystore', './ks', '--configdir', './clef', '--signersecret', 'mpw', 'setpw', RAW_ADDR], {
      cwd: dir,
      input: `${password}\n${password}\n`,
    });
  const wrong = await setpw('not-the-password');
  assert.equal(wrong.code, 0, wrong.stderr);
  assert.match(wrong.stdout, /WARN .*The password does not decrypt the key file of this address: signing with it will fail +address=0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6 .*err="could not decrypt key with given password"/);
  assert.match(wrong.stdout, /Credential store updated/);
  const right = await setpw(ACCOUNT_PASSWORD);
  assert.equal(right.code, 0, right.stderr);
  assert.doesNotMatch(right.stdout, /does not decrypt|No usable key file/);
  assert.doesNotMatch(right.stdout, /accessible to other users/, 'a 0600 password file is fine');

  chmodSync(join(dir, 'mpw'), 0o644);
  const exposed = await runClef(['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'mpw', 'attest', 'ab'.repeat(32)], { cwd: dir });
  assert.equal(exposed.code, 0, exposed.stderr);
  assert.match(exposed.stdout, /WARN .*Master password file is accessible to other users: restrict it with chmod 600 +file=mpw mode=-rw-r--r--/);
});
