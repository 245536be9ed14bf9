import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from '../../core/bytes.ts';
import { decryptMasterSeed, encryptMasterSeed, LIGHT_SCRYPT } from '../../core/masterseed.ts';
import { ERR_AUTH } from '../../core/kvstore.ts';
import { deriveVault } from '../../core/vault.ts';
import type { LogAttrs, Logger } from '../../core/ports.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { goFileModeString, goOsError, GoOsError, writeFileAtomic } from '../../adapters/fs/atomic.ts';
import { FileSecretStore } from '../../adapters/vault/file-store.ts';
import { openVault, readMasterSeedFile, writeMasterSeedFile } from '../../adapters/vault/masterseed-file.ts';
import { fixedRandom } from '../support/fakes.ts';

const kdf = new NodeKdf();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const onWindows = process.platform === 'win32';
const fill = (len: number, b: number) => new Uint8Array(len).fill(b);
const seed256 = Uint8Array.from({ length: 256 }, (_, i) => i); // the §5.1 seed
const keys = deriveVault(seed256);


interface LogLine {
  level: string;
  msg: string;
  attrs?: LogAttrs;
}
function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, attrs?: LogAttrs) => void lines.push({ level, msg, attrs });
  return { lines, crit: at('crit'), error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clef-vault-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
const text = (p: string) => readFile(p, 'utf8');

// vault-and-keystore.md §5.3 store files for the §5.1 seed (fixed nonces).
const SPEC_CONFIG =
  '{"ruleset_sha256":{"iv":"MzMzMzMzMzMzMzMz","c":"LrQEdnGDWRJ61ORKLL4whN1tOJbYNnaJa79IK2xr4xwV9a4cFmxzefVrs1vFlPbIx3HS4S50TxAmrMvzw0HzRwO9+MeIQRBGOYCaMrGMEfY="}}';
const SPEC_CREDENTIALS =
  '{"0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6":{"iv":"RERERERERERERERE","c":"4fJaKd+jqOxGYrhQSftDimFB4JExRf6ERsGtcnivTDcdqg=="}}';
const SPEC_JSSTORAGE = '{"lastblock":{"iv":"VVVVVVVVVVVVVVVV","c":"AuScyeiBqO9KM3+dCUhokzLL"}}';

test('init → unlock → vault: §5.1 seed file, §5.2 vault directory, §5.3 store files on disk', async (t) => {
  const dir = await tempDir(t);
  const seedPath = join(dir, 'masterseed.json');
  const seedText = await encryptMasterSeed(seed256, 'clefclefclef', LIGHT_SCRYPT, kdf, fixedRandom(fill(32, 0x11), fill(16, 0x22)));
  await writeMasterSeedFile(seedPath, seedText);
  assert.equal(await modeOf(seedPath), 0o400);
  assert.equal((await stat(seedPath)).size, 866);
  const read = await readMasterSeedFile(seedPath);
  assert.equal(read, seedText);
  const { seed } = await decryptMasterSeed(read, 'clefclefclef', kdf);

  const vault = await openVault(dir, seed, undefined, { random: fixedRandom(fill(12, 0x33), fill(12, 0x44), fill(12, 0x55)) });
  assert.equal(vault.name, 'e8777416782dc213bedf');
  const vdir = join(dir, vault.name);
  if (!onWindows) assert.equal(await modeOf(vdir), 0o700);
  assert.deepEqual(await readdir(vdir), []); // stores appear on first write
  await vault.config.put('ruleset_sha256', '723f92fb284a8358ebb8faf63399b0f8994a1a06fb6d5b1448c3475e92e0b1c1');
  await vault.credentials.put('0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6', 'myverylongpassword');
  await vault.jsStorage.put('lastblock', '44');
  assert.equal(await text(join(vdir, 'config.json')), SPEC_CONFIG);
  assert.equal(await text(join(vdir, 'credentials.json')), SPEC_CREDENTIALS);
  assert.equal(await text(join(vdir, 'jsstorage.json')), SPEC_JSSTORAGE);
  if (!onWindows) for (const f of ['config.json', 'credentials.json', 'jsstorage.json']) assert.equal(await modeOf(join(vdir, f)), 0o600);
  assert.deepEqual((await readdir(vdir)).sort(), ['config.json', 'credentials.json', 'jsstorage.json']); // no temp files left

  // a second unlock reuses the directory and reads what the first wrote
  const again = await openVault(dir, seed);
  assert.equal(await again.credentials.get('0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6'), 'myverylongpassword');
  assert.equal(await again.jsStorage.get('lastblock'), '44');
  // another seed gets another vault in the same configdir
  const other = await openVault(dir, fill(256, 7));
  assert.notEqual(other.name, vault.name);
  await assert.rejects(other.config.get('ruleset_sha256'), { message: 'not found' });
});

test('the seed file is write-once', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'masterseed.json');
  await writeMasterSeedFile(p, '{"first":1}');
  await assert.rejects(writeMasterSeedFile(p, '{"second":2}'), { message: `master key ${p} already exists, will not overwrite` });
  assert.equal(await text(p), '{"first":1}');
  // the publish step itself refuses to clobber (the race after the existence check)
  await assert.rejects(writeFileAtomic(p, 'x', 0o400, { noOverwrite: true }), (e: unknown) => e instanceof GoOsError && e.code === 'EEXIST');
  assert.equal(await text(p), '{"first":1}');
  assert.deepEqual(await readdir(dir), ['masterseed.json']);
  await assert.rejects(writeMasterSeedFile(join(dir, 'missing', 'masterseed.json'), '{}'), {
    message: `open ${join(dir, 'missing', 'masterseed.json')}: no such file or directory`,
  });
});

test('seed file permission and stat checks use clef\'s messages', { skip: onWindows && 'no unix permissions' }, async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'masterseed.json');
  await assert.rejects(readMasterSeedFile(p), { message: `failed stat on ${p}: stat ${p}: no such file or directory` });
  await writeFile(p, '{}');
  for (const [mode, shown] of [
    [0o600, '-rw-------'],
    [0o444, '-r--r--r--'],
    [0o440, '-r--r-----'],
    [0o404, '-r-----r--'],
    [0o500, '-r-x------'],
    [0o200, '--w-------'],
  ] as const) {
    await chmod(p, mode);
    await assert.rejects(readMasterSeedFile(p), { message: `file (${p}) has insecure file permissions (${shown})` });
  }
  await chmod(p, 0o400);
  assert.equal(await readMasterSeedFile(p), '{}');
  await chmod(p, 0o000); // passes the check; only root can still read it
  if (isRoot) assert.equal(await readMasterSeedFile(p), '{}');
  else await assert.rejects(readMasterSeedFile(p), { message: `open ${p}: permission denied` });
  const d = join(dir, 'adir');
  await mkdir(d, { mode: 0o700 });
  await chmod(d, 0o700);
  await assert.rejects(readMasterSeedFile(d), { message: `file (${d}) has insecure file permissions (drwx------)` });
});

test('openVault: Go-style mkdir errors', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'nope');
  const vdir = join(missing, keys.name);
  await assert.rejects(openVault(missing, seed256), { message: `mkdir ${vdir}: no such file or directory` });
  await writeFile(join(dir, 'file'), 'x');
  await assert.rejects(openVault(join(dir, 'file'), seed256), { message: `mkdir ${join(dir, 'file', keys.name)}: not a directory` });
});

test('§5.4 end to end: two instances on one file', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  const a = new FileSecretStore(p, keys.jsStorageKey);
  const b = new FileSecretStore(p, keys.jsStorageKey);
  await a.put('bazonk', 'foobar');
  assert.equal(await b.get('bazonk'), 'foobar');
});

test('§5.4 swapped entries on disk fail authentication until swapped back', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  const log = memoryLogger();
  const s = new FileSecretStore(p, keys.jsStorageKey, { logger: log });
  await s.put('k1', 'v1');
  await s.put('k2', 'v2');
  const orig = JSON.parse(await text(p));
  await writeFile(p, JSON.stringify({ k1: orig.k2, k2: orig.k1 }));
  await assert.rejects(s.get('k1'), { message: ERR_AUTH });
  await assert.rejects(s.get('k2'), { message: ERR_AUTH });
  assert.deepEqual(log.lines.filter((l) => l.msg === 'Failed to decrypt key').map((l) => l.attrs), [{ key: 'k1' }, { key: 'k2' }]);
  await writeFile(p, JSON.stringify(orig));
  assert.equal(await s.get('k1'), 'v1');
  // a renamed entry fails too
  await writeFile(p, JSON.stringify({ k3: orig.k1 }));
  await assert.rejects(s.get('k3'), { message: ERR_AUTH });
  // wrong store key: every entry fails independently
  await writeFile(p, JSON.stringify(orig));
  await assert.rejects(new FileSecretStore(p, keys.configKey).get('k1'), { message: ERR_AUTH });
  // a bad iv length is an authentication failure, not a crash
  await writeFile(p, JSON.stringify({ k1: { iv: 'AAAAAAAAAAAAAAAAAAAAAA==', c: orig.k1.c } }));
  await assert.rejects(s.get('k1'), { message: ERR_AUTH });
});

test('get/put/del edge cases follow clef', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  const log = memoryLogger();
  const s = new FileSecretStore(p, keys.credentialsKey, { logger: log });
  await assert.rejects(s.get(''), { message: '0-length key' });
  await assert.rejects(s.get('absent'), { message: 'not found' }); // missing file = empty store
  assert.deepEqual(log.lines.at(-1), { level: 'warn', msg: 'Key does not exist', attrs: { key: 'absent' } });
  await s.put('', 'ignored');
  await assert.rejects(stat(p), { code: 'ENOENT' }); // empty key: nothing written
  await s.del('absent'); // del on a missing file creates {}
  assert.equal(await text(p), '{}');
  if (!onWindows) assert.equal(await modeOf(p), 0o600);
  await s.put('k', '');
  assert.equal(await s.get('k'), ''); // empty value is an encrypted empty string
  await s.put('k', 'second');
  assert.equal(await s.get('k'), 'second');
  await s.del('k');
  await assert.rejects(s.get('k'), { message: 'not found' });
  assert.equal(await text(p), '{}');
  // 'null' behaves as empty (clef would panic on the next Put)
  await writeFile(p, 'null');
  await assert.rejects(s.get('k'), { message: 'not found' });
  await s.put('k', 'v');
  assert.equal(await s.get('k'), 'v');
  // secrets never reach the log
  for (const l of log.lines) assert.doesNotMatch(JSON.stringify(l), /second|"v"/);
});

test('a corrupt or unreadable store is never overwritten', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  const log = memoryLogger();
  const s = new FileSecretStore(p, keys.configKey, { logger: log });
  for (const garbage of ['', 'garbage', '{"k":{"iv":"!!"}}', '\ufeff{}', '[1,2]']) {
    await writeFile(p, garbage);
    await assert.rejects(s.put('k', 'v'), /is unreadable, not overwriting it/);
    await assert.rejects(s.del('k'), /is unreadable, not overwriting it/);
    await assert.rejects(s.get('k'));
    assert.equal(await text(p), garbage);
  }
  assert.ok(log.lines.some((l) => l.msg === 'Failed to unmarshal encrypted storage' && l.attrs?.file === p));
  assert.ok(log.lines.some((l) => l.msg === 'Failed to read encrypted storage'));
  // a directory in place of the file: an OS error worded like Go's
  await rm(p);
  await mkdir(p);
  await assert.rejects(s.get('k'), { message: `read ${p}: is a directory` });
  await assert.rejects(s.put('k', 'v'), { message: `encrypted storage ${p} is unreadable, not overwriting it: read ${p}: is a directory` });
});

test('unreadable store file (permission denied)', { skip: (isRoot || onWindows) && 'root reads anything' }, async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  await writeFile(p, '{}');
  await chmod(p, 0o000);
  const s = new FileSecretStore(p, keys.configKey);
  await assert.rejects(s.get('k'), { message: `open ${p}: permission denied` });
  await assert.rejects(s.put('k', 'v'), /not overwriting/);
});

test('an existing store keeps its mode; entries under another key survive untouched', { skip: onWindows && 'no unix permissions' }, async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  const a = new FileSecretStore(p, keys.configKey);
  const b = new FileSecretStore(p, keys.jsStorageKey);
  await a.put('a', 'from a');
  await chmod(p, 0o640);
  const before = JSON.parse(await text(p)).a;
  await b.put('b', 'from b');
  assert.equal(await modeOf(p), 0o640);
  assert.deepEqual(JSON.parse(await text(p)).a, before); // copied, not re-encrypted
  assert.equal(await a.get('a'), 'from a');
  assert.equal(await b.get('b'), 'from b');
  await assert.rejects(a.get('b'), { message: ERR_AUTH });
});

test('concurrent puts on one instance lose no update', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'store.json');
  const s = new FileSecretStore(p, keys.jsStorageKey);
  await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? s.put(`k${i}`, `v${i}`) : s.del(`x${i}`).then(() => s.put(`k${i}`, `v${i}`)))));
  const stored = Object.keys(JSON.parse(await text(p)));
  assert.equal(stored.length, 40);
  for (let i = 0; i < 40; i++) assert.equal(await s.get(`k${i}`), `v${i}`);
});

test('atomicity: a failed write leaves the old store intact; stray temp files are harmless', async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'credentials.json');
  const good = new FileSecretStore(p, keys.credentialsKey);
  await good.put('k', 'v');
  const before = await text(p);
  // a writer that dies halfway (partial temp file, then an error)
  const log = memoryLogger();
  const failing = new FileSecretStore(p, keys.credentialsKey, {
    logger: log,
    write: async (path) => {
      await writeFile(join(dir, '.credentials.json.tmp999'), '{"k":{"iv":"');
      throw goOsError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 'write', path);
    },
  });
  await assert.rejects(failing.put('k2', 'v2'), { message: `write ${p}: no space left on device` });
  assert.ok(log.lines.some((l) => l.msg === 'Failed to write entry'));
  assert.equal(await text(p), before);
  // the queue keeps working after a failure, and the leftover temp file changes nothing
  await good.put('k3', 'v3');
  assert.equal(await good.get('k'), 'v');
  assert.equal(await good.get('k3'), 'v3');
  assert.equal(await text(join(dir, '.credentials.json.tmp999')), '{"k":{"iv":"');
});

test('writeFileAtomic: replaces whole files, cleans up after a failed rename, modes as asked', { skip: onWindows && 'no unix permissions' }, async (t) => {
  const dir = await tempDir(t);
  const p = join(dir, 'f.json');
  await writeFileAtomic(p, 'one', 0o600);
  assert.equal(await text(p), 'one');
  assert.equal(await modeOf(p), 0o600);
  await writeFileAtomic(p, utf8('two'), 0o644);
  assert.equal(await text(p), 'two');
  assert.equal(await modeOf(p), 0o644 & ~0o022 & 0o777); // a fresh file each time (umask applies)
  await chmod(p, 0o604);
  await writeFileAtomic(p, 'three', 0o600, { keepMode: true });
  assert.equal(await modeOf(p), 0o604);
  // rename onto a non-empty directory fails: the directory is untouched and no temp file remains
  const d = join(dir, 'sub');
  await mkdir(d);
  await writeFile(join(d, 'inner'), 'x');
  await assert.rejects(writeFileAtomic(d, 'data', 0o600), (e: unknown) => e instanceof GoOsError && e.op === 'rename');
  assert.deepEqual((await readdir(dir)).sort(), ['f.json', 'sub']);
  await assert.rejects(writeFileAtomic(join(dir, 'none', 'x'), 'data', 0o600), { message: `open ${join(dir, 'none', 'x')}: no such file or directory` });
});

test('goOsError and goFileModeString render like Go', () => {
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, stat 'clef/masterseed.json'"), { code: 'ENOENT' });
  assert.equal(goOsError(enoent, 'stat', 'clef/masterseed.json').message, 'stat clef/masterseed.json: no such file or directory');
  assert.equal(goOsError(Object.assign(new Error('x'), { code: 'EACCES' }), 'open', 'x').message, 'open x: permission denied');
  assert.equal(goOsError(Object.assign(new Error('x'), { code: 'ENOENT' }), 'mkdir', '/a/b').message, 'mkdir /a/b: no such file or directory');
  assert.equal(goOsError(Object.assign(new Error('EWEIRD: Something Odd, open \'x\''), { code: 'EWEIRD' }), 'open', 'x').message, 'open x: something odd');
  assert.equal(goFileModeString(0o100600), '-rw-------');
  assert.equal(goFileModeString(0o100400), '-r--------');
  assert.equal(goFileModeString(0o100000), '----------');
  assert.equal(goFileModeString(0o040700), 'drwx------');
  assert.equal(goFileModeString(0o104755), 'urwxr-xr-x');
  assert.equal(goFileModeString(0o020620), 'Dcrw--w----');
  assert.equal(goFileModeString(0o041777), 'dtrwxrwxrwx');
  assert.equal(goFileModeString(0o010644), 'prw-r--r--');
  assert.equal(goFileModeString(0o140755), 'Srwxr-xr-x');
});
