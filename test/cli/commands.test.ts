// The provisioning commands end to end, as scripts use them: `node --import tsx cli/main.ts …` with stdin from a
// pipe (or closed), temp directories and light scrypt. Files written are checked by decrypting them with the core
// modules (seed → vault keys → store entries; key files → address), not just by looking at the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256, toHexRaw, fromHex } from '../../core/bytes.ts';
import { decryptMasterSeed, encryptMasterSeed, LIGHT_SCRYPT } from '../../core/masterseed.ts';
import { deriveVault } from '../../core/vault.ts';
import { encryptKeyFile, scanAddress } from '../../core/keyfile.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { systemRandom } from '../../adapters/crypto/system.ts';
import { FileSecretStore } from '../../adapters/vault/file-store.ts';
import { writeMasterSeedFile } from '../../adapters/vault/masterseed-file.ts';
import { parseRawKeyFile } from '../../cli/commands/importraw.ts';
import { projectRoot } from '../support/vectors.ts';
import { tempDirMaker } from '../support/temp-dirs.ts';

const MAIN = join(projectRoot, 'cli', 'main.ts');
const TSX = pathToFileURL(join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const SETPW_ADDR = '0x9CD932F670F7eDe5dE86F756A6D02548e5899f47';
const RAW_KEY = '0102030405060708090a0102030405060708090a0102030405060708090a0102';
const RAW_ADDR = '0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6';
/** A well-formed attestation (attest takes 64 hex characters). */
const HASH_ABC = 'abc'.padEnd(64, '0');
const kdf = new NodeKdf();

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs clef in `cwd` with `input` piped to stdin (then closed). A run that waits on stdin would be killed. */
function clef(cwd: string, args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['--import', TSX, MAIN, ...args], { cwd, env: { ...process.env, TERM: 'dumb' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000); // a hang fails the test instead of blocking it
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading everything
    child.stdin.end(input);
  });
}

const tempDir = tempDirMaker('clef-cli-');

function vaultDirs(configdir: string): string[] {
  return readdirSync(configdir).filter((n) => /^[0-9a-f]{20}$/.test(n));
}

/** Opens the vault of `<configdir>/masterseed.json` with the master password, as a second implementation would. */
async function openStores(configdir: string, password: string): Promise<{ name: string; credentials: FileSecretStore; config: FileSecretStore }> {
  const { seed } = await decryptMasterSeed(readFileSync(join(configdir, 'masterseed.json'), 'utf8'), password, kdf);
  const keys = deriveVault(seed);
  const dir = join(configdir, keys.name);
  return {
    name: keys.name,
    credentials: new FileSecretStore(join(dir, 'credentials.json'), keys.credentialsKey),
    config: new FileSecretStore(join(dir, 'config.json'), keys.configKey),
  };
}

/** A configdir `./clef` holding a light-KDF seed with master password `clefclefclef` (what `init` writes, made in-process to save a spawn). */
async function initialized(): Promise<string> {
  const dir = tempDir();
  mkdirSync(join(dir, 'clef'), { mode: 0o700 });
  const text = await encryptMasterSeed(systemRandom.bytes(256), 'clefclefclef', LIGHT_SCRYPT, kdf, systemRandom);
  await writeMasterSeedFile(join(dir, 'clef', 'masterseed.json'), text);
  return dir;
}

test('the issue\'s flow: init, setpw, attest (password file), list-accounts — all from pipes and files', async () => {
  const dir = tempDir();
  const F = ['--keystore', './ddir/keystore', '--configdir', './clef', '--chainid', '15', '--suppress-bootwarn', '--lightkdf'];
  const init = await clef(dir, [...F, 'init'], 'clefclefclef\nclefclefclef\n');
  assert.equal(init.code, 0, init.stderr);
  assert.equal(init.stderr, '');
  assert.ok(
    init.stdout.startsWith(
      'The master seed of clef will be locked with a password.\nPlease specify a password. Do not forget this password!\n' +
        '!! Unsupported terminal, password will be echoed.\nPassword: \nRepeat password: \n\n' +
        'A master seed has been generated into clef/masterseed.json\n',
    ),
    init.stdout,
  );
  const seedPath = join(dir, 'clef', 'masterseed.json');
  assert.equal(statSync(join(dir, 'clef')).mode & 0o777, 0o700);
  assert.equal(statSync(seedPath).mode & 0o777, 0o400);
  assert.equal(statSync(seedPath).size, 866);

  const setpw = await clef(dir, [...F, 'setpw', SETPW_ADDR.toLowerCase()], 'testtesttest\ntesttesttest\nclefclefclef\n');
  assert.equal(setpw.code, 0, setpw.stderr);
  assert.match(setpw.stdout, /Please enter a password to store for this address:\n!! Unsupported terminal.*\nPassword: \nRepeat password: \n\nDecrypt master seed of clef\nPassword: \n/);
  assert.match(setpw.stdout, new RegExp(`^INFO \\[\\d\\d-\\d\\d\\|[\\d:.]+\\] Credential store updated {17}set=${SETPW_ADDR}$`, 'm'));

  writeFileSync(join(dir, 'rules.js'), 'function ApproveListing(){ return "Approve" }\n');
  writeFileSync(join(dir, 'clefpw'), 'clefclefclef\n');
  const hash = toHexRaw(sha256(readFileSync(join(dir, 'rules.js'))));
  const attest = await clef(dir, ['--signersecret', './clefpw', '--configdir', './clef', '--suppress-bootwarn', 'attest', hash]);
  assert.equal(attest.code, 0, attest.stderr);
  assert.match(attest.stdout, /INFO .*Using --signersecret as the master password file +file=\.\/clefpw seed=clef\/masterseed\.json/);
  assert.match(attest.stdout, new RegExp(`Ruleset attestation updated +sha256=${hash}`));
  assert.doesNotMatch(attest.stdout, /Password: /);

  const stores = await openStores(join(dir, 'clef'), 'clefclefclef');
  assert.deepEqual(vaultDirs(join(dir, 'clef')), [stores.name]);
  assert.equal(await stores.credentials.get(SETPW_ADDR), 'testtesttest');
  assert.equal(await stores.config.get('ruleset_sha256'), hash);
  assert.equal(statSync(join(dir, 'clef', stores.name, 'config.json')).size, 159);
  assert.equal(statSync(join(dir, 'clef', stores.name, 'credentials.json')).mode & 0o777, 0o600);

  const list = await clef(dir, [...F, 'list-accounts']);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, '\nThe keystore is empty.\n\n');
});

test('init is idempotent-safe: an existing seed is never overwritten', async () => {
  const dir = await initialized();
  const before = readFileSync(join(dir, 'clef', 'masterseed.json'));
  const r = await clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'init'], 'otherpassword\notherpassword\n');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'master key clef/masterseed.json already exists, will not overwrite\n');
  assert.doesNotMatch(r.stdout, /Password/); // refused before asking
  assert.deepEqual(readFileSync(join(dir, 'clef', 'masterseed.json')), before);
});

test('init takes the master password from a --signersecret password file; --loglevel filters the log', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'clefpw'), 'clefclefclef\n', { mode: 0o600 }); // a wider mode would add a WARN line
  const r = await clef(dir, ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'clefpw', '--lightkdf', 'init']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Password: /);
  assert.match(r.stdout, /INFO .*Using --signersecret as the master password file +file=clefpw\n/);
  await decryptMasterSeed(readFileSync(join(dir, 'clef', 'masterseed.json'), 'utf8'), 'clefclefclef', kdf);
  const quiet = await clef(dir, ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'clefpw', '--loglevel', '2', 'attest', HASH_ABC]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stdout, '');
});

test('init with no input or a weak password fails at once and leaves the disk untouched', async () => {
  const dir = tempDir();
  const [eof, weak, mismatch, parent] = await Promise.all([
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'init']),
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'init'], 'short\nshort\n'),
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'init'], 'clefclefclef\nclefclefcle\n'),
    clef(dir, ['--suppress-bootwarn', '--configdir', './a/b', 'init']),
  ]);
  assert.equal(eof.code, 1);
  assert.equal(eof.stderr, 'Fatal: Failed to read password: EOF\n');
  assert.ok(eof.stdout.endsWith('Fatal: Failed to read password: EOF\n'), 'Fatal goes to stdout too when it is another file');
  assert.equal(weak.code, 1);
  assert.match(weak.stdout, /^invalid password: password too short \(<10 characters\)$/m);
  assert.equal(mismatch.code, 1);
  assert.equal(mismatch.stderr, 'Fatal: Passwords do not match\n');
  assert.equal(existsSync(join(dir, 'clef')), false);
  assert.equal(parent.stderr, 'mkdir ./a/b: no such file or directory\n');
});

test('the boot warning reads `ok` from the same buffer as the passwords that follow it', async () => {
  const dir = tempDir();
  const [r, no, eof] = await Promise.all([
    clef(dir, ['--configdir', './clef', '--lightkdf', 'init'], 'ok\nclefclefclef\nclefclefclef\n'),
    clef(dir, ['--configdir', './clef2', 'init'], 'no\n'),
    clef(dir, ['--configdir', './clef2', 'init']),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\nWARNING!\n\nClef is an account management tool/);
  assert.match(r.stdout, /\nEnter 'ok' to proceed:\n> \nThe master seed of clef will be locked/);
  assert.equal(no.code, 1);
  assert.equal(no.stderr, 'aborted by user\n');
  assert.equal(eof.code, 1);
  assert.match(eof.stdout, /> CRIT \[[^\]]+\] Failed to read user input +err=EOF\n$/);
  assert.equal(existsSync(join(dir, 'clef2')), false);
});

test('--signersecret given an encrypted seed file uses it; an insecure or missing seed is Fatal', async () => {
  const dir = await initialized();
  copyFileSync(join(dir, 'clef', 'masterseed.json'), join(dir, 'seed.json'));
  chmodSync(join(dir, 'seed.json'), 0o400);
  const [ok, missing, noSecret] = await Promise.all([
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'seed.json', 'attest', HASH_ABC], 'clefclefclef\n'),
    clef(dir, ['--suppress-bootwarn', '--configdir', './none', 'setpw', SETPW_ADDR], 'testtesttest\ntesttesttest\nclefclefclef\n'),
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'nope', 'delpw', SETPW_ADDR]),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Using --signersecret as the encrypted master seed +file=seed\.json\n/);
  assert.match(ok.stdout, /Decrypt master seed of clef\n.*\nPassword: \n/);
  assert.equal(await (await openStores(join(dir, 'clef'), 'clefclefclef')).config.get('ruleset_sha256'), HASH_ABC);

  chmodSync(join(dir, 'seed.json'), 0o600);
  const insecure = await clef(dir, ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'seed.json', 'attest', HASH_ABC], 'clefclefclef\n');
  assert.equal(insecure.code, 1);
  assert.equal(insecure.stderr, 'Fatal: file (seed.json) has insecure file permissions (-rw-------)\n');
  assert.doesNotMatch(insecure.stdout, /Password: /, 'fails before asking');

  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Fatal: failed stat on none/masterseed.json: stat none/masterseed.json: no such file or directory (run `clef init` first)\n');
  assert.doesNotMatch(missing.stdout, /Password: /, 'fails before asking');
  assert.equal(noSecret.stderr, 'Fatal: failed stat on nope: stat nope: no such file or directory\n');
});

test('bad input changes nothing: wrong master password, malformed address, missing argument', async () => {
  const dir = await initialized();
  const [wrong, bad, none, noAddr] = await Promise.all([
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'setpw', SETPW_ADDR], 'testtesttest\ntesttesttest\nwrongwrong\n'),
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'setpw', '0x123'], 'x\n'),
    clef(dir, ['--suppress-bootwarn', '--configdir', './clef', 'attest']),
    clef(dir, ['--configdir', './clef', 'delpw']),
  ]);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, 'Fatal: failed to decrypt the master seed of clef\n');
  assert.deepEqual(vaultDirs(join(dir, 'clef')), []);
  assert.equal(bad.stderr, 'Fatal: Invalid address specified: 0x123\n');
  assert.equal(none.stderr, 'Fatal: This command requires an argument.\n');
  assert.equal(none.stdout, 'Fatal: This command requires an argument.\n');
  assert.equal(noAddr.stderr, 'Fatal: This command requires an address to be passed as an argument\n');
  assert.deepEqual(readdirSync(join(dir, 'clef')), ['masterseed.json']);
});

test('setpw takes the account password from --password (no repeat), updates in place; delpw removes it', async () => {
  const dir = await initialized();
  writeFileSync(join(dir, 'pw'), 'first password\r\nsecond\n');
  writeFileSync(join(dir, 'master'), 'clefclefclef');
  const common = ['--suppress-bootwarn', '--configdir', './clef', '--signersecret', 'master'];
  const a = await clef(dir, [...common, 'setpw', '--password', 'pw', SETPW_ADDR]);
  assert.equal(a.code, 0, a.stderr);
  assert.doesNotMatch(a.stdout, /Password: /);
  writeFileSync(join(dir, 'pw2'), 'changed\n');
  const b = await clef(dir, ['--password', 'pw2', ...common, 'setpw', SETPW_ADDR.slice(2).toLowerCase()]);
  assert.equal(b.code, 0, b.stderr);
  const stores = await openStores(join(dir, 'clef'), 'clefclefclef');
  assert.equal(await stores.credentials.get(SETPW_ADDR), 'changed');
  const del = await clef(dir, [...common, 'delpw', SETPW_ADDR]);
  assert.equal(del.code, 0, del.stderr);
  assert.match(del.stdout, new RegExp(`Credential store updated +unset=${SETPW_ADDR}`));
  await assert.rejects(stores.credentials.get(SETPW_ADDR), /not found/);
  const missingPw = await clef(dir, [...common, 'setpw', '--password', 'nofile', SETPW_ADDR]);
  assert.equal(missingPw.stderr, 'Fatal: Failed to read password file: open nofile: no such file or directory\n');
});

test('newaccount: piped password, --password file, and three failed attempts without input', async () => {
  const dir = tempDir();
  const [piped, eof, weak] = await Promise.all([
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'newaccount'], 'newaccountpw\n'),
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks3', 'newaccount']),
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks4', 'newaccount'], 'short\nshort\nshort\n'),
  ]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /## New account password\n\nPlease enter a password for the new account to be created \(attempt 0 of 3\)\n/);
  const generated = /Generated account (0x[0-9a-fA-F]{40})\n/.exec(piped.stdout);
  assert.ok(generated, piped.stdout);
  const files = readdirSync(join(dir, 'ks'));
  assert.equal(files.length, 1);
  assert.equal(scanAddress(readFileSync(join(dir, 'ks', files[0]), 'utf8')), generated[1].toLowerCase());

  writeFileSync(join(dir, 'pw'), 'filepassword\n');
  const fromFile = await clef(dir, ['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'newaccount', '--password', 'pw']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.doesNotMatch(fromFile.stdout, /## New account password/);
  assert.equal(readdirSync(join(dir, 'ks')).length, 2);

  assert.equal(eof.code, 1);
  assert.equal(eof.stderr, 'account creation failed\n');
  assert.equal((eof.stdout.match(/WARN .*error obtaining password/g) ?? []).length, 3);
  assert.equal(existsSync(join(dir, 'ks3')), false);

  assert.equal(weak.code, 1);
  assert.match(weak.stdout, /## Error \nAccount creation attempt #3 failed due to password requirements: password too short \(<10 characters\)\n/);
  assert.equal(existsSync(join(dir, 'ks4')), false);
});

test('importraw: clef\'s known answer, duplicate, mismatch, weak password and key-file errors', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'key.hex'), RAW_KEY + '\n');
  const args = ['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'importraw'];
  const ok = await clef(dir, [...args, 'key.hex'], 'myverylongpassword\nmyverylongpassword\n');
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.includes(`## Info \nKey imported:\n  Address ${RAW_ADDR}\n  Keystore file: ${join(dir, 'ks')}`), ok.stdout);
  const cases: Array<[string, string]> = [
    ['abc\n', 'key file too short, want 64 hex characters'],
    ['zz' + RAW_KEY.slice(2), "invalid hex character 'z' in private key"],
  ];
  cases.forEach(([content], i) => { writeFileSync(join(dir, `bad${i}.hex`), content); });
  const pw2 = 'myverylongpassword\nmyverylongpassword\n';
  const [dup, mismatch, weak, missing, noArg, ...bad] = await Promise.all([
    clef(dir, [...args, 'key.hex'], pw2),
    clef(dir, [...args, 'key.hex'], 'myverylongpassword\nmyverylongpasswort\n'),
    clef(dir, [...args, 'key.hex'], 'short\nshort\n'),
    clef(dir, [...args, 'nope.hex']),
    clef(dir, args),
    ...cases.map((_c, i) => clef(dir, [...args, `bad${i}.hex`], pw2)),
  ]);
  assert.equal(dup.stderr, 'account already exists\n');
  assert.equal(mismatch.stderr, 'Passwords do not match\n');
  assert.equal(weak.stderr, 'password requirements not met: password too short (<10 characters)\n');
  assert.equal(readdirSync(join(dir, 'ks')).length, 1);

  cases.forEach(([, message], i) => {
    assert.equal(bad[i].code, 1);
    assert.equal(bad[i].stderr, `${message}\n`);
    assert.doesNotMatch(bad[i].stdout, /## Password/, 'the key file is checked before any prompt');
  });
  assert.equal(missing.stderr, 'open nope.hex: no such file or directory\n');
  assert.equal(noArg.stderr, '<keyfile> must be given as first argument\n');
});

test('list-accounts and list-wallets print clef\'s formats, and name key files that lack an address', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'key.hex'), RAW_KEY);
  writeFileSync(join(dir, 'pw'), 'myverylongpassword\n');
  const imp = await clef(dir, ['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', '--password', 'pw', 'importraw', 'key.hex']);
  assert.equal(imp.code, 0, imp.stderr);
  const file = readdirSync(join(dir, 'ks'))[0];
  const url = `keystore://${join(dir, 'ks', file)}`;
  const [accounts, wallets, empty] = await Promise.all([
    clef(dir, ['--keystore', './ks', 'list-accounts', '--suppress-bootwarn']),
    clef(dir, ['--keystore', './ks', 'list-wallets', '--suppress-bootwarn']),
    clef(dir, ['--keystore', './none', '--suppress-bootwarn', 'list-wallets']),
  ]);
  assert.equal(accounts.stdout, `\n${RAW_ADDR} (${url})\n`);
  assert.equal(wallets.stdout, `\n- Wallet 0 at ${url} (Locked )\n  -Account 0: ${RAW_ADDR} (${url})\n\n`);
  assert.equal(empty.stdout, '\nThere are no wallets.\n\n');
});

test('addaddress makes a key file without address usable; wrong password changes nothing; rerun is harmless', async () => {
  const dir = tempDir();
  const priv = fromHex(RAW_KEY);
  const full = JSON.parse(await encryptKeyFile(priv, 'castpassword', { n: 4096, p: 6 }, kdf, systemRandom)) as Record<string, unknown>;
  delete full.address; // what Foundry's cast writes
  const text = JSON.stringify(full);
  const ks = join(dir, 'ks');
  const path = join(ks, 'cast-key');
  await import('node:fs/promises').then((fs) => fs.mkdir(ks));
  writeFileSync(path, text, { mode: 0o600 });

  const [before, wrong] = await Promise.all([
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks', 'list-accounts']),
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks', 'addaddress', 'ks/cast-key'], 'wrongpassword\n'),
  ]);
  // stdout is a pipe here: the list alone on stdout, the warning on stderr.
  assert.match(before.stderr, /WARN .*Key file has no address, run 'clef addaddress <file>' to use it path=.*cast-key\n/);
  assert.equal(before.stdout, '\nThe keystore is empty.\n\n');

  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, 'could not decrypt key with given password\n');
  assert.match(wrong.stdout, /## Password\n\nPlease enter the password for the key file .*cast-key\n/);
  assert.equal(readFileSync(path, 'utf8'), text);

  const ok = await clef(dir, ['--suppress-bootwarn', '--keystore', './ks', 'addaddress', 'ks/cast-key'], 'castpassword\n');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`Added address ${RAW_ADDR} to ${path}\n`));
  assert.equal(scanAddress(readFileSync(path, 'utf8')), RAW_ADDR.toLowerCase());
  assert.equal(statSync(path).mode & 0o777, 0o600);

  const [again, after, unreadable] = await Promise.all([
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks', 'addaddress', 'ks/cast-key']),
    clef(dir, ['--suppress-bootwarn', '--keystore', './ks', 'list-accounts']),
    clef(dir, ['--suppress-bootwarn', 'addaddress', 'nope']),
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already has address/);
  assert.equal(after.stdout, `\n${RAW_ADDR} (keystore://${path})\n`);
  assert.equal(unreadable.stderr, 'open nope: no such file or directory\n');
});

test('grammar errors, unknown commands, help and version through the program', async () => {
  const dir = tempDir();
  const [notDefined, unknown, version, help, globalErr] = await Promise.all([
    clef(dir, ['init', '--lightkdf']),
    clef(dir, ['--suppress-bootwarn', 'frobnicate']),
    clef(dir, ['--version']),
    clef(dir, ['--help']),
    clef(dir, ['--http', '--http.addr']),
  ]);
  assert.equal(notDefined.code, 1);
  assert.equal(notDefined.stderr, 'flag provided but not defined: -lightkdf\n');
  assert.ok(notDefined.stdout.startsWith('Incorrect Usage: flag provided but not defined: -lightkdf\n\nNAME:\n   clef init - '), notDefined.stdout);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'invalid command: "frobnicate"\n');
  assert.equal(unknown.stdout, '', 'fails before the boot warning');
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^Clef version \d+\.\d+\.\d+\S*\nclef-ts \d+\.\d+\.\d+\S*, a TypeScript successor of go-ethereum's clef \((node|bun|deno) [^,]+, \w+\/\w+\)\n$/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^NAME:\n {3}clef - Manage Ethereum account operations\n/);
  assert.equal(globalErr.stderr, 'flag needs an argument: -http.addr\n');
  assert.match(globalErr.stdout, /^Incorrect Usage\. flag needs an argument: -http\.addr\n\nNAME:/);
});

test('raw key files follow go-ethereum\'s LoadECDSA rules and messages (plus 0x and surrounding whitespace)', () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  assert.equal(toHexRaw(parseRawKeyFile(enc(RAW_KEY))), RAW_KEY);
  assert.equal(toHexRaw(parseRawKeyFile(enc(RAW_KEY + '\r\n'))), RAW_KEY);
  assert.equal(toHexRaw(parseRawKeyFile(enc(RAW_KEY.toUpperCase() + '\n\n'))), RAW_KEY);
  // Extension: what cast prints (0x prefix) and stray whitespace around the key are accepted.
  for (const text of ['0x' + RAW_KEY, '0X' + RAW_KEY + '\n', `  0x${RAW_KEY} \t\r\n\n\n`, ' ' + RAW_KEY, RAW_KEY + ' ']) {
    assert.equal(toHexRaw(parseRawKeyFile(enc(text))), RAW_KEY, JSON.stringify(text));
  }
  const cases: Array<[string, string]> = [
    ['', 'key file too short, want 64 hex characters'],
    ['abc\n', 'key file too short, want 64 hex characters'],
    ['0x', 'key file too short, want 64 hex characters'],
    ['0x0x' + RAW_KEY, "invalid character '0' at end of key file"],
    [RAW_KEY + 'x', "invalid character 'x' at end of key file"],
    [RAW_KEY + ' x', "invalid character ' ' at end of key file"],
    [RAW_KEY + '\t\n1', "invalid character '\\t' at end of key file"],
    ['zz' + RAW_KEY.slice(2), "invalid hex character 'z' in private key"],
    ['0' + 'g' + RAW_KEY.slice(2), "invalid hex character 'g' in private key"],
    ['f'.repeat(64), 'invalid private key, >=N'],
    ['0'.repeat(64), 'invalid private key, zero or negative'],
  ];
  for (const [content, message] of cases) assert.throws(() => parseRawKeyFile(enc(content)), { message }, JSON.stringify(content));
});
