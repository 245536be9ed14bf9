// The keystore directory: geth's scan rules on its own fixture directory, duplicates, writes (names, modes,
// verify-then-rename), the change cache (no re-reads without changes, 10,000 files) and setAddress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import {
  DirKeyStore,
  compareBytewise,
  keyFileName,
  keyFileTimestamp,
  nodeKeyStoreFs,
  type KeyStoreFs,
} from '../../adapters/keystore/dir-keystore.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { systemRandom } from '../../adapters/crypto/system.ts';
import { toHex, type Address } from '../../core/bytes.ts';
import { UnknownAccountError } from '../../core/errors.ts';
import { decryptKeyFile, encryptKeyFile } from '../../core/keyfile.ts';
import { noVectors, readVector, readVectorText, vectorPath } from '../support/vectors.ts';
import { tempDirMaker } from '../support/temp-dirs.ts';

const isWindows = process.platform === 'win32';
// biome-ignore lint/suspicious/noExplicitAny: shared/vectors' index.json is free-form per file kind; the test reads what it knows
type Entry = any;

const tempDir = tempDirMaker('clef-ks-');

/** A copy of the fixture directory, writable, with `swapfile~`, a symlink, a FIFO and a README added. */
function fixtureCopy(): string {
  const dir = join(tempDir(), 'keystore');
  fs.cpSync(vectorPath('keystore/geth/keystore-dir'), dir, { recursive: true });
  for (const root of [dir, join(dir, 'foo')]) {
    fs.chmodSync(root, 0o700);
    for (const name of fs.readdirSync(root)) {
      if (fs.lstatSync(join(root, name)).isFile()) fs.chmodSync(join(root, name), 0o600);
    }
  }
  if (!fs.existsSync(join(dir, 'swapfile~'))) fs.copyFileSync(join(dir, 'aaa'), join(dir, 'swapfile~'));
  fs.writeFileSync(join(dir, 'README'), 'This directory contains accounts for testing.\n');
  if (!isWindows) fs.symlinkSync(join(dir, 'aaa'), join(dir, 'link-to-aaa'));
  try {
    execFileSync('mkfifo', [join(dir, 'fifo')], { stdio: 'ignore' }); // reading it would block: must not be opened
  } catch {
    // no mkfifo on this system
  }
  return dir;
}

/** A KeyStoreFs that counts file reads. */
function countingFs(): KeyStoreFs & { reads: number } {
  const c = {
    reads: 0,
    readdir: nodeKeyStoreFs.readdir,
    lstat: nodeKeyStoreFs.lstat,
    readFile(path: string) {
      c.reads++;
      return nodeKeyStoreFs.readFile(path);
    },
  };
  return c;
}

const lower = (a: string) => a.toLowerCase() as Address;

test('fixture directory: exactly the three accounts of index.json, sorted by URL; the rest skipped', { skip: noVectors }, async () => {
  const spec = (readVector('keystore/index.json').files as Entry[]).find((f) => f.kind === 'keystore-directory');
  const dir = fixtureCopy();
  const ks = new DirKeyStore(dir, { watch: false });
  const accounts = await ks.accounts();
  assert.deepEqual(
    accounts,
    spec.expected.scanResult.map((r: Entry) => ({ address: lower(r.address), url: `keystore://${join(dir, r.file)}`, path: join(dir, r.file) })),
  );
  for (const e of spec.entries as Entry[]) {
    const listed = accounts.some((a) => a.path === join(dir, e.name.replace(/\/$/, '')));
    assert.equal(listed, e.includedInScan, e.name);
  }
  // Only `no-address` is a key file lacking an address; `zero` has one (all zero) and is not offered.
  assert.deepEqual(await ks.unaddressed(), [{ path: join(dir, 'no-address'), url: `keystore://${join(dir, 'no-address')}` }]);
  ks.close();
});

test('a relative directory is made absolute; a missing directory is an empty keystore', async () => {
  assert.equal(new DirKeyStore(join('rel', 'keystore'), { watch: false }).dir, join(process.cwd(), 'rel', 'keystore'));
  const base = tempDir();
  const ks = new DirKeyStore(join(base, 'missing', 'keystore'), { watch: false });
  assert.deepEqual(await ks.accounts(), []);
  assert.deepEqual(await ks.unaddressed(), []);
  await assert.rejects(ks.find('0xf466859ead1932d743d622cb74fc058882e8648a'), UnknownAccountError);
  assert.equal(fs.existsSync(join(base, 'missing')), false); // not created until a key is written
  ks.close();
});

test('find: the one file, unknown account, and duplicates listed but ambiguous', { skip: noVectors }, async () => {
  const dir = fixtureCopy();
  const ks = new DirKeyStore(dir, { watch: false });
  const aaa = '0xf466859ead1932d743d622cb74fc058882e8648a' as Address;
  assert.deepEqual(await ks.find(aaa), { address: aaa, url: `keystore://${join(dir, 'aaa')}`, path: join(dir, 'aaa') });
  await assert.rejects(ks.find('0x0000000000000000000000000000000000000001'), { message: 'unknown account' });
  fs.copyFileSync(join(dir, 'aaa'), join(dir, 'bbb'));
  await ks.refresh();
  assert.deepEqual(
    (await ks.accounts()).map((a) => a.path.slice(dir.length + 1)),
    ['UTC--2016-03-22T12-57-55.920751759Z--7ef5a6135f1fd6a02593eedc869c6d41d934aef8', 'aaa', 'bbb', 'zzz'],
  );
  await assert.rejects(ks.find(aaa), { message: `multiple keys match address (${join(dir, 'aaa')}, ${join(dir, 'bbb')})` });
  ks.close();
});

test('write: mkdir -p 0700, UTC--<ns time>--<hex> file 0600 with the exact text, verify before rename, cached at once', async () => {
  const dir = join(tempDir(), 'a', 'keystore');
  const nanos = BigInt(Date.UTC(2016, 2, 22, 12, 57, 55)) * 1_000_000n + 920751759n;
  const ks = new DirKeyStore(dir, { watch: false, nowNanos: () => nanos });
  assert.deepEqual(await ks.accounts(), []); // scanned now; no rescan for 2 s without a watcher
  const key = new Uint8Array(32).fill(7);
  const json = await encryptKeyFile(key, 'password123', { n: 2, p: 1 }, new NodeKdf(), systemRandom);
  const address = `0x${JSON.parse(json).address}` as Address;
  let verified: string | null = null;
  const entry = await ks.write(address, json, async (text) => {
    verified = text;
    assert.deepEqual(await decryptKeyFile(text, 'password123', new NodeKdf(), address), key);
  });
  assert.equal(verified, json);
  const name = `UTC--2016-03-22T12-57-55.920751759Z--${address.slice(2)}`;
  assert.deepEqual(entry, { address, url: `keystore://${join(dir, name)}`, path: join(dir, name) });
  assert.deepEqual(fs.readdirSync(dir), [name]); // no temporary file left behind
  assert.equal(fs.readFileSync(join(dir, name), 'utf8'), json);
  if (!isWindows) {
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(join(dir, name)).mode & 0o777, 0o600);
  }
  assert.deepEqual(await ks.accounts(), [entry]); // listed before any rescan
  assert.deepEqual(await ks.find(address), entry);
  await assert.rejects(ks.write(address, json, async () => {}), { message: 'account already exists' });
  ks.close();
});

test('write: a failed verification leaves the hidden temporary file, names it, and creates no key file', async () => {
  const dir = tempDir();
  const ks = new DirKeyStore(dir, { watch: false });
  const json = await encryptKeyFile(new Uint8Array(32).fill(9), 'pw', { n: 2, p: 1 }, new NodeKdf(), systemRandom);
  const address = `0x${JSON.parse(json).address}` as Address;
  const err = await ks.write(address, json, async () => {
    throw new Error('could not decrypt key with given password');
  }).then(
    () => assert.fail('write succeeded'),
    (e: Error) => e,
  );
  const left = fs.readdirSync(dir);
  assert.equal(left.length, 1);
  assert.match(left[0], new RegExp(`^\\.UTC--\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{9}Z--${address.slice(2)}\\.tmp\\d+$`));
  assert.ok(err.message.includes(join(dir, left[0])), err.message);
  assert.ok(err.message.includes('could not decrypt key with given password'), err.message);
  if (!isWindows) assert.equal(fs.statSync(join(dir, left[0])).mode & 0o777, 0o600);
  await ks.refresh();
  assert.deepEqual(await ks.accounts(), []); // hidden: never scanned
  ks.close();
});

test('rescans pick up creates, updates and deletes, re-reading only changed files', { skip: noVectors }, async () => {
  const dir = fixtureCopy();
  const counting = countingFs();
  const ks = new DirKeyStore(dir, { watch: false, fs: counting });
  assert.equal((await ks.accounts()).length, 3);
  // Read: UTC, aaa, zzz, empty, garbage, no-address, zero, README (not hidden, swapfile~, link, foo/).
  assert.equal(counting.reads, 8);
  counting.reads = 0;
  await ks.refresh();
  assert.equal(counting.reads, 0);

  const zzz = readVectorText('keystore/geth/keystore-dir/zzz');
  fs.writeFileSync(join(dir, 'new'), zzz);
  fs.rmSync(join(dir, 'aaa'));
  fs.writeFileSync(join(dir, 'zero'), readVectorText('keystore/geth/keystore-dir/aaa'));
  await ks.refresh();
  assert.equal(counting.reads, 2); // `new` and the rewritten `zero`
  assert.deepEqual(
    (await ks.accounts()).map((a) => [a.path.slice(dir.length + 1), a.address]),
    [
      ['UTC--2016-03-22T12-57-55.920751759Z--7ef5a6135f1fd6a02593eedc869c6d41d934aef8', '0x7ef5a6135f1fd6a02593eedc869c6d41d934aef8'],
      ['new', '0x289d485d9771714cce91d3393d764e1311907acc'],
      ['zero', '0xf466859ead1932d743d622cb74fc058882e8648a'],
      ['zzz', '0x289d485d9771714cce91d3393d764e1311907acc'],
    ],
  );
  ks.close();
});

test('10,000 key files: one read each at start, none on a rescan without changes, one after one change', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const template = '{"address":"%A","crypto":{"cipher":"aes-128-ctr","ciphertext":"00","cipherparams":{"iv":"00"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":2,"p":1,"r":8,"salt":"00"},"mac":"00"},"id":"472e8b3d-afb6-45b5-8111-72c89895099a","version":3}';
  const addr = (i: number) => (i + 1).toString(16).padStart(40, '0');
  for (let i = 0; i < 10_000; i++) fs.writeFileSync(join(dir, `key-${String(i).padStart(5, '0')}`), template.replace('%A', addr(i)));
  const counting = countingFs();
  const ks = new DirKeyStore(dir, { watch: false, fs: counting });
  const list = await ks.accounts();
  assert.equal(list.length, 10_000);
  assert.equal(counting.reads, 10_000);
  assert.equal(list[9_999].address, `0x${addr(9_999)}`);
  counting.reads = 0;
  await ks.refresh();
  assert.equal((await ks.accounts()).length, 10_000);
  assert.equal(counting.reads, 0);
  fs.writeFileSync(join(dir, 'key-00042'), template.replace('%A', 'ff'.repeat(20)) + ' ');
  await ks.refresh();
  assert.equal(counting.reads, 1);
  assert.equal((await ks.find(`0x${'ff'.repeat(20)}`)).path, join(dir, 'key-00042'));
  await assert.rejects(ks.find(`0x${addr(42)}`), UnknownAccountError);
  ks.close();
});

test('the watcher notices a new file without an explicit refresh', async (t) => {
  const dir = tempDir();
  const ks = new DirKeyStore(dir);
  assert.deepEqual(await ks.accounts(), []);
  fs.writeFileSync(join(dir, 'late'), '{"address":"00000000000000000000000000000000000000aa"}');
  // Eventually listed: by the watcher (500 ms coalescing) or by the 2 s fallback rescan.
  let found = false;
  for (let i = 0; i < 100 && !found; i++) {
    await new Promise((r) => setTimeout(r, 100));
    found = (await ks.accounts()).length === 1;
  }
  ks.close();
  if (!found) t.diagnostic('file never listed');
  assert.ok(found);
});

test('setAddress: a cast key file gets its address as first member, same bytes otherwise, same mode', { skip: noVectors }, async () => {
  const dir = tempDir();
  const text = readVectorText('keystore/fresh/random-key.json');
  const f = (readVector('keystore/index.json').files as Entry[]).find((e) => e.file === 'fresh/random-key.json');
  const path = join(dir, 'cast-key');
  fs.writeFileSync(path, text, { mode: 0o640 });
  fs.chmodSync(path, 0o640);
  const ks = new DirKeyStore(dir, { watch: false });
  assert.deepEqual(await ks.accounts(), []);
  assert.deepEqual(await ks.unaddressed(), [{ path, url: `keystore://${path}` }]);
  const address = lower(f.address);
  const entry = await ks.setAddress(path, address);
  assert.deepEqual(entry, { address, url: `keystore://${path}`, path });
  const updated = fs.readFileSync(path, 'utf8');
  assert.equal(updated, `{"address":"${address.slice(2)}",${text.slice(1)}`);
  if (!isWindows) assert.equal(fs.statSync(path).mode & 0o777, 0o640);
  assert.deepEqual(fs.readdirSync(dir), ['cast-key']);
  assert.deepEqual(await ks.accounts(), [entry]);
  assert.deepEqual(await ks.unaddressed(), []);
  assert.equal(toHex(await decryptKeyFile(updated, f.password, new NodeKdf(), address)), f.privateKey);
  await assert.rejects(ks.setAddress(path, address), /not a key file without address/);
  // A second copy of the same key cannot be given the address already present.
  fs.writeFileSync(join(dir, 'copy'), text);
  await assert.rejects(ks.setAddress(join(dir, 'copy'), address), { message: 'account already exists' });
  assert.equal(fs.readFileSync(join(dir, 'copy'), 'utf8'), text);
  ks.close();
});

test('key file names and URL order', () => {
  const nanos = BigInt(Date.UTC(2016, 2, 22, 12, 57, 55)) * 1_000_000n + 920751759n;
  assert.equal(keyFileTimestamp(nanos), '2016-03-22T12-57-55.920751759Z');
  assert.equal(keyFileTimestamp(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n + 7n), '2024-01-02T03-04-05.000000007Z');
  assert.equal(
    keyFileName('0x7EF5A6135F1FD6A02593EEDC869C6D41D934AEF8' as Address, nanos),
    'UTC--2016-03-22T12-57-55.920751759Z--7ef5a6135f1fd6a02593eedc869c6d41d934aef8',
  );
  const names = ['zzz', 'aaa', 'UTC--x', 'a\u{1F600}', 'a\uFFFD', 'README'];
  assert.deepEqual(names.sort(compareBytewise), ['README', 'UTC--x', 'aaa', 'a\uFFFD', 'a\u{1F600}', 'zzz']);
});

test('the first scan removes torn key-file temps a killed writer left, keeps young ones, whole keys and other files', async () => {
  const dir = tempDir();
  const addr = '7ef5a6135f1fd6a02593eedc869c6d41d934aef8';
  const name = (n: number) => `.UTC--2026-12-05T21-00-00.000000000Z--${addr}.tmp${n}`;
  const old = new Date(Date.now() - 3_600_000);
  const torn = [name(1), name(2)];
  fs.writeFileSync(join(dir, torn[0]), '{"address":"7ef5a6135f1fd6a02593eedc869c6d41d934aef8","crypto":{"ciphe');
  fs.writeFileSync(join(dir, torn[1]), '');
  const whole = name(3);
  fs.writeFileSync(join(dir, whole), JSON.stringify({ address: addr, crypto: { cipher: 'aes-128-ctr' }, version: 3 }));
  const young = name(4); // a live writer's, mid-write
  fs.writeFileSync(join(dir, young), '{"addr');
  const others = ['.UTC--x--zz.tmp1', 'UTC--2026--' + addr + '.tmp1', '.notes.tmp5', `.UTC--2026-12-05T21-00-00.000000000Z--${addr}.tmpx`];
  for (const f of others) fs.writeFileSync(join(dir, f), '');
  for (const f of [...torn, whole, ...others]) fs.utimesSync(join(dir, f), old, old);
  const warnings: string[] = [];
  const logger = { crit() {}, error() {}, info() {}, debug() {}, trace() {}, warn: (m: string) => void warnings.push(m) };
  const ks = new DirKeyStore(dir, { watch: false, logger });
  await ks.accounts();
  ks.close();
  const left = fs.readdirSync(dir);
  for (const f of torn) assert.ok(!left.includes(f), `${f} removed`);
  for (const f of [whole, young, ...others]) assert.ok(left.includes(f), `${f} kept`);
  assert.ok(warnings.some((w) => /interrupted write/.test(w)));
});
