// The rules' synchronous storage over the vault's encrypted jsstorage.json (vault-and-keystore.md §4–5), checked
// against the spec's known-answer file, clef's store tests, and the async FileSecretStore reading the same file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../../core/bytes.ts';
import { decryptEntry, parseStore } from '../../../core/kvstore.ts';
import type { Random } from '../../../core/ports.ts';
import { FileSecretStore } from '../../../adapters/vault/file-store.ts';
import { EncryptedRuleStorage, JsonFileRuleStorage, MemoryRuleStorage } from '../../../adapters/rules/storage.ts';
import { RecordingLogger } from './support.ts';

/** Rule-storage key of the spec's test seed 00 01 … ff (vault-and-keystore.md §5.2). */
const KEY = fromHex('c8647915c25dd6706ac07464509f190049f7e3d5246a3f730efc536cde811919');
const OTHER_KEY = fromHex('2efa1c0dbfad23d3593a2fafef95fed8ef952b1fbacd2401ba802d4e4bf63a65');

/** Every nonce = 12 × `byte`. */
function fixedRandom(byte: number): Random {
  return { bytes: (n: number) => new Uint8Array(n).fill(byte) };
}

let dir: string;
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clef-rules-storage-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => join(dir, `jsstorage-${++n}.json`);

describe('EncryptedRuleStorage', () => {
  it('writes the spec known-answer file for lastblock=44 (nonce 12×0x55), mode 0600, and reads it back', () => {
    const path = fresh();
    const logger = new RecordingLogger();
    const st = new EncryptedRuleStorage(path, KEY, { random: fixedRandom(0x55), logger });
    st.put('lastblock', '44');
    assert.equal(readFileSync(path, 'utf8'), '{"lastblock":{"iv":"VVVVVVVVVVVVVVVV","c":"AuScyeiBqO9KM3+dCUhokzLL"}}');
    if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(st.get('lastblock'), '44');
    assert.deepEqual(logger.records, []);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), [], 'no temp files left behind');
  });

  it('every put is on disk at once, readable by a second instance and by the async FileSecretStore (and back)', async () => {
    const path = fresh();
    const a = new EncryptedRuleStorage(path, KEY);
    a.put('bazonk', 'foobar');
    assert.equal(new EncryptedRuleStorage(path, KEY).get('bazonk'), 'foobar');
    const vaultView = new FileSecretStore(path, KEY);
    assert.equal(await vaultView.get('bazonk'), 'foobar');
    await vaultView.put('other', 'från vault');
    assert.equal(a.get('other'), 'från vault');
    a.put('zeta', '1');
    a.put('alpha', '2');
    assert.deepEqual([...parseStore(readFileSync(path, 'utf8')).keys()], ['alpha', 'bazonk', 'other', 'zeta']);
    a.del('bazonk');
    await assert.rejects(vaultView.get('bazonk'), { message: 'not found' });
  });

  it('missing, empty and deleted keys read as ""; an empty key is never written', () => {
    const path = fresh();
    const logger = new RecordingLogger();
    const st = new EncryptedRuleStorage(path, KEY, { logger });
    assert.equal(st.get('nope'), '');
    st.put('', 'x');
    assert.throws(() => statSync(path), { code: 'ENOENT' });
    assert.equal(st.get(''), '');
    st.put('k', 'v');
    st.del('k');
    assert.equal(st.get('k'), '');
    assert.equal(readFileSync(path, 'utf8'), '{}');
    assert.deepEqual(logger.lines(), ['WARN Key does not exist', 'WARN Key does not exist']);
  });

  it('entries under another key read as "" and survive untouched; swapped entries fail until swapped back', () => {
    const path = fresh();
    new EncryptedRuleStorage(path, OTHER_KEY).put('foreign', 'secret');
    const logger = new RecordingLogger();
    const st = new EncryptedRuleStorage(path, KEY, { logger });
    assert.equal(st.get('foreign'), '');
    assert.deepEqual(logger.lines(), ['WARN Failed to decrypt key']);
    const foreignBefore = JSON.parse(readFileSync(path, 'utf8')).foreign;
    st.put('k1', 'v1');
    st.put('k2', 'v2');
    const obj = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(obj.foreign, foreignBefore);
    assert.equal(decryptEntry(OTHER_KEY, 'foreign', parseStore(readFileSync(path, 'utf8')).get('foreign')!), 'secret');
    [obj.k1, obj.k2] = [obj.k2, obj.k1];
    writeFileSync(path, JSON.stringify(obj));
    assert.equal(st.get('k1'), '');
    [obj.k1, obj.k2] = [obj.k2, obj.k1];
    writeFileSync(path, JSON.stringify(obj));
    assert.equal(st.get('k1'), 'v1');
  });

  it('a corrupt file reads as "" and is never overwritten by put or del', () => {
    const path = fresh();
    writeFileSync(path, '{"lastblock": {"iv": ');
    const logger = new RecordingLogger();
    const st = new EncryptedRuleStorage(path, KEY, { logger });
    assert.equal(st.get('lastblock'), '');
    st.put('lastblock', '99');
    st.del('lastblock');
    assert.equal(readFileSync(path, 'utf8'), '{"lastblock": {"iv": ');
    assert.deepEqual(logger.lines(), Array(3).fill('WARN Failed to unmarshal encrypted storage'));
    assert.equal(logger.records[0].attrs.file, path);
  });

  it('a file holding null is an empty store; an unreadable path warns and writes nothing', () => {
    const path = fresh();
    writeFileSync(path, 'null');
    const st = new EncryptedRuleStorage(path, KEY);
    assert.equal(st.get('x'), '');
    st.put('x', 'y');
    assert.equal(st.get('x'), 'y');
    const asDir = join(dir, `dir-${++n}`);
    mkdirSync(asDir);
    const logger = new RecordingLogger();
    const broken = new EncryptedRuleStorage(asDir, KEY, { logger });
    assert.equal(broken.get('x'), '');
    broken.put('x', 'y');
    assert.deepEqual(logger.lines(), ['WARN Failed to read encrypted storage', 'WARN Failed to read encrypted storage']);
    assert.match(String(logger.records[0].attrs.err), /is a directory/);
  });

  it('a failed write is logged (Failed to write entry), not thrown, and leaves no temp file', () => {
    const sub = join(dir, `gone-${++n}`); // parent directory does not exist: reading is "empty", writing fails
    const logger = new RecordingLogger();
    const st = new EncryptedRuleStorage(join(sub, 'jsstorage.json'), KEY, { logger });
    st.put('k', 'v');
    assert.deepEqual(logger.lines(), ['WARN Failed to write entry']);
    assert.match(String(logger.records[0].attrs.err), /^open .*jsstorage\.json: no such file or directory$/);
    assert.equal(st.get('k'), '');
  });

  it('an existing file keeps its permission bits across rewrites', { skip: process.platform === 'win32' }, () => {
    const path = fresh();
    writeFileSync(path, '{}', { mode: 0o640 });
    chmodSync(path, 0o640);
    new EncryptedRuleStorage(path, KEY).put('k', 'v');
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  it('rejects a key that is not 32 bytes', () => {
    assert.throws(() => new EncryptedRuleStorage(fresh(), new Uint8Array(16)), /32 bytes/);
  });
});

describe('MemoryRuleStorage and JsonFileRuleStorage', () => {
  it('memory: empty key ignored, missing → ""', () => {
    const m = new MemoryRuleStorage();
    m.put('', 'x');
    m.put('a', 'b');
    assert.deepEqual([...m.map], [['a', 'b']]);
    assert.equal(m.get('zz'), '');
  });

  it('plain JSON file: loads, persists each change sorted, rejects non-string values', () => {
    const path = fresh();
    writeFileSync(path, '{"lastblock":"44"}');
    const st = new JsonFileRuleStorage(path);
    assert.equal(st.get('lastblock'), '44');
    st.put('b', '1');
    st.put('a', '2');
    st.del('lastblock');
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { a: '2', b: '1' });
    assert.equal(readFileSync(path, 'utf8'), '{\n  "a": "2",\n  "b": "1"\n}\n');
    writeFileSync(path, '{"n": 1}');
    assert.throws(() => new JsonFileRuleStorage(path), /not a string/);
    writeFileSync(path, '[1]');
    assert.throws(() => new JsonFileRuleStorage(path), /not a JSON object/);
    const absent = new JsonFileRuleStorage(fresh());
    assert.equal(absent.get('x'), '');
  });
});
