// Key file format: every decryptable vector of vectors/keystore, the scan-time address rule, Go's error texts,
// and the exact JSON we write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { fromHex, toHex, type Address } from '../../core/bytes.ts';
import {
  decryptKeyFile,
  encryptKeyFile,
  looksLikeUnaddressedKeyFile,
  randomUuid,
  scanAddress,
  withAddressMember,
} from '../../core/keyfile.ts';
import type { Random } from '../../core/ports.ts';
import { ERR_DECRYPT } from '../../core/secret-storage.ts';
import { noVectors, readVector, readVectorText } from '../support/vectors.ts';

const kdf = new NodeKdf();
const lower = (a: string) => a.toLowerCase() as Address;

/** Deterministic Random: bytes 1, 2, 3 … so written files are reproducible. */
function countingRandom(): Random {
  let next = 1;
  return {
    bytes(n) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = next++ & 0xff;
      return b;
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: shared/vectors' index.json is free-form per file kind; the test reads what it knows
type Entry = any;
const index = (): Entry => readVector('keystore/index.json');
const fileEntry = (file: string): Entry => index().files.find((f: Entry) => f.file === file);

test('v3 vectors: wiki scrypt (r=1: node:crypto refuses, the noble fallback runs) and pbkdf2 decrypt; 31/30-byte keys are invalid keys', { skip: noVectors }, async () => {
  const vectors = readVector('keystore/geth/v3_test_vector.json');
  const entries = fileEntry('geth/v3_test_vector.json').entries;
  assert.equal(Object.keys(entries).length, 4);
  for (const [name, e] of Object.entries<Entry>(entries)) {
    const json = JSON.stringify(vectors[name].json);
    if (e.expected.decryptKey === 'ok') {
      const key = await decryptKeyFile(json, e.password, kdf, lower(e.expected.address));
      assert.equal(toHex(key), e.expected.privateKey, name);
    } else {
      assert.match(e.expected.decryptKey, /invalid key: invalid length, need 256 bits/);
      await assert.rejects(decryptKeyFile(json, e.password, kdf), { message: 'invalid key: invalid length, need 256 bits' }, name);
      await assert.rejects(decryptKeyFile(json, e.password + 'x', kdf), { message: ERR_DECRYPT }, name);
    }
  }
});

test('v1: the test vector and the legacy v1 key file decrypt (Crypto member, AES-CBC)', { skip: noVectors }, async () => {
  const vectors = readVector('keystore/geth/v1_test_vector.json');
  const e = fileEntry('geth/v1_test_vector.json').entries.test1;
  const key = await decryptKeyFile(JSON.stringify(vectors.test1.json), e.password, kdf, lower(e.expected.address));
  assert.equal(toHex(key), e.expected.privateKey);

  const rel = 'geth/v1/cb61d5a9c4896fb9658090b597ef0e7be6f7b67e/cb61d5a9c4896fb9658090b597ef0e7be6f7b67e';
  const f = fileEntry(rel);
  const text = readVectorText('keystore/' + rel);
  assert.equal(toHex(await decryptKeyFile(text, f.password, kdf, f.expected.decrypt.address)), f.expected.decrypt.privateKey);
});

test('very light scrypt file: empty password decrypts, another password is a MAC mismatch', { skip: noVectors }, async () => {
  const f = fileEntry('geth/very-light-scrypt.json');
  const text = readVectorText('keystore/geth/very-light-scrypt.json');
  assert.equal(f.password, '');
  assert.equal(toHex(await decryptKeyFile(text, '', kdf, lower(f.expected.decrypt.address))), f.expected.decrypt.privateKey);
  await assert.rejects(decryptKeyFile(text, 'bad', kdf), { message: ERR_DECRYPT });
  assert.equal(scanAddress(text), lower(f.expected.decrypt.address));
});

test('keystore-dir files: decrypt with foobar, and the content rule of the scan', { skip: noVectors }, async () => {
  const dir = fileEntry('geth/keystore-dir/');
  let decrypted = 0;
  for (const e of dir.entries as Entry[]) {
    if (e.type === 'directory') {
      for (const c of e.contains) {
        const text = readVectorText(`keystore/geth/keystore-dir/${e.name}${c.name}`);
        const key = await decryptKeyFile(text, dir.password, kdf, lower(c.decryptsWithFoobar.address));
        assert.equal(toHex(key), c.decryptsWithFoobar.privateKey);
        decrypted++;
      }
      continue;
    }
    let text: string;
    try {
      text = readVectorText(`keystore/geth/keystore-dir/${e.name}`);
    } catch (err) {
      if (e.synthesized) continue; // swapfile~ may be dropped by some VCS setups
      throw err;
    }
    // Content rule only: hidden and backup files hold a valid key but are skipped by name (adapter test).
    const skippedByName = e.name.startsWith('.') || e.name.endsWith('~');
    const scanned = scanAddress(text);
    if (e.includedInScan || skippedByName) assert.ok(scanned, e.name);
    else assert.equal(scanned, null, e.name);
    if (e.decryptsWithFoobar) {
      const want = lower(e.decryptsWithFoobar.address);
      if (scanned) assert.equal(scanned, want, e.name);
      const key = await decryptKeyFile(text, dir.password, kdf, scanned ?? undefined);
      assert.equal(toHex(key), e.decryptsWithFoobar.privateKey, e.name);
      await assert.rejects(decryptKeyFile(text, 'foobaz', kdf), { message: ERR_DECRYPT }, e.name);
      decrypted++;
    } else if (!skippedByName) {
      await assert.rejects(decryptKeyFile(text, dir.password, kdf), e.name);
    }
  }
  assert.equal(decrypted, 7);
});

test('garbage and empty files fail with Go JSON syntax errors', { skip: noVectors }, async () => {
  await assert.rejects(decryptKeyFile(readVectorText('keystore/geth/keystore-dir/empty'), 'foobar', kdf), {
    message: 'unexpected end of JSON input',
  });
  const garbage = fileEntry('geth/keystore-dir/').entries.find((e: Entry) => e.name === 'garbage');
  const firstByte = String.fromCharCode(parseInt(garbage.contentHex.slice(0, 2), 16));
  await assert.rejects(decryptKeyFile(readVectorText('keystore/geth/keystore-dir/garbage'), 'foobar', kdf), {
    message: `invalid character '${firstByte}' looking for beginning of value`,
  });
});

test('fresh cast/ethers files decrypt; cast files have no address and look unaddressed', { skip: noVectors }, async () => {
  const fresh = (index().files as Entry[]).filter((f) => f.kind === 'fresh-v3');
  assert.equal(fresh.length, 4);
  for (const f of fresh) {
    const text = readVectorText('keystore/' + f.file);
    const key = await decryptKeyFile(text, f.password, kdf, lower(f.address));
    assert.equal(toHex(key), f.privateKey, f.file);
    await assert.rejects(decryptKeyFile(text, f.password + ' ', kdf), { message: ERR_DECRYPT }, f.file);
    assert.equal(scanAddress(text) !== null, f.expected.includedInDirectoryScan, f.file);
    assert.equal(looksLikeUnaddressedKeyFile(text), !f.hasAddressField, f.file);
  }
});

test('key content mismatch names both addresses in lowercase hex', { skip: noVectors }, async () => {
  const aaa = readVectorText('keystore/geth/keystore-dir/aaa');
  await assert.rejects(decryptKeyFile(aaa, 'foobar', kdf, '0x289d485d9771714cce91d3393d764e1311907acc'), {
    message: 'key content mismatch: have account f466859ead1932d743d622cb74fc058882e8648a, want 289d485d9771714cce91d3393d764e1311907acc',
  });
});

// A light key file (n=2) built from the aaa vector's structure for the error-path cases below.
async function lightFile(): Promise<{ obj: Record<string, unknown>; key: Uint8Array }> {
  const key = fromHex('0102030405060708090a0102030405060708090a0102030405060708090a0102');
  const text = await encryptKeyFile(key, 'pw', { n: 2, p: 1 }, kdf, countingRandom());
  return { obj: JSON.parse(text), key };
}

test('v3 decode errors use go-ethereum wording', async () => {
  const { obj, key } = await lightFile();
  const run = (o: unknown) => decryptKeyFile(typeof o === 'string' ? o : JSON.stringify(o), 'pw', kdf);
  assert.deepEqual(await run(obj), key);
  await assert.rejects(run({ ...obj, version: '3' }), {
    message: 'json: cannot unmarshal string into Go struct field encryptedKeyJSONV3.version of type int',
  });
  await assert.rejects(run(JSON.stringify(obj).replace('"version":3', '"version":3.0')), {
    message: 'json: cannot unmarshal number 3.0 into Go struct field encryptedKeyJSONV3.version of type int',
  });
  await assert.rejects(run({ ...obj, version: 4 }), { message: 'version not supported: 4' });
  await assert.rejects(run({ ...obj, version: undefined }), { message: 'version not supported: 0' });
  await assert.rejects(run('null'), { message: 'version not supported: 0' });
  await assert.rejects(run('[]'), { message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' });
  await assert.rejects(run({ ...obj, id: undefined }), { message: 'invalid UUID length: 0' });
  await assert.rejects(run({ ...obj, id: 7 }), {
    message: 'json: cannot unmarshal number into Go struct field encryptedKeyJSONV3.id of type string',
  });
  await assert.rejects(run({ ...obj, id: '472e8b3d-afb6-45b5-8111-72c89895099z' }), { message: 'invalid UUID format' });
  await assert.rejects(run({ ...obj, id: '[472e8b3d-afb6-45b5-8111-72c89895099a]' }), { message: 'invalid prefix: braces expected' });
  await assert.rejects(run({ ...obj, id: 'urx:uuid:472e8b3d-afb6-45b5-8111-72c89895099a' }), { message: 'invalid urn prefix: "urx:uuid:"' });
  for (const id of ['{472e8b3d-afb6-45b5-8111-72c89895099a}', 'URN:uuid:472e8b3d-afb6-45b5-8111-72c89895099a', '472e8b3dafb645b5811172c89895099a']) {
    assert.deepEqual(await run({ ...obj, id }), key, id);
  }
  await assert.rejects(run({ ...obj, crypto: { ...(obj.crypto as object), cipher: 'aes-256-ctr' } }), { message: 'cipher not supported: aes-256-ctr' });
  await assert.rejects(run({ ...obj, crypto: 'x' }), {
    message: 'json: cannot unmarshal string into Go struct field encryptedKeyJSONV3.crypto of type keystore.CryptoJSON',
  });
  await assert.rejects(run(JSON.stringify(obj) + 'x'), { message: "invalid character 'x' after top-level value" });
  await assert.rejects(run(JSON.stringify(obj).slice(0, -1)), { message: 'unexpected end of JSON input' });
  await assert.rejects(run('{"version":tru}'), { message: "invalid character '}' in literal true (expecting 'e')" });
  await assert.rejects(run('{"a" 1}'), { message: "invalid character '1' after object key" });
  await assert.rejects(run('{"a":1 "b":2}'), { message: `invalid character '"' after object key:value pair` });
  await assert.rejects(run('{"a":-x}'), { message: "invalid character 'x' in numeric literal" });
  await assert.rejects(run("{'a':1}"), { message: "invalid character '\\'' looking for beginning of object key string" });
  // Member names match case-insensitively; trailing whitespace is fine; `"version":"1"` selects the v1 path.
  const renamed = JSON.stringify(obj).replace('"crypto"', '"CRYPTO"').replace('"id"', '"ID"');
  assert.deepEqual(await run(renamed + '\n\t '), key);
  await assert.rejects(run({ ...obj, version: '1' }), { message: ERR_DECRYPT }); // CBC of a CTR ciphertext
});

test('encryptKeyFile writes geth\'s exact compact JSON, and it decrypts back', async () => {
  const key = fromHex('0102030405060708090a0102030405060708090a0102030405060708090a0102');
  const text = await encryptKeyFile(key, 'a password', { n: 4096, p: 6 }, kdf, countingRandom());
  const m = text.match(
    /^\{"address":"([0-9a-f]{40})","crypto":\{"cipher":"aes-128-ctr","ciphertext":"([0-9a-f]{64})","cipherparams":\{"iv":"([0-9a-f]{32})"\},"kdf":"scrypt","kdfparams":\{"dklen":32,"n":4096,"p":6,"r":8,"salt":"([0-9a-f]{64})"\},"mac":"[0-9a-f]{64}"\},"id":"([0-9a-f-]{36})","version":3\}$/,
  );
  assert.ok(m, text);
  assert.equal(m[1], '9160dc9105f7de5dc5e7f3d97ef11da47269bda6'); // raw-key import vector of §6.8
  // The id is drawn first (bytes 1..16, v4 bits set), then the salt (17..48), then the IV (49..64).
  assert.equal(m[5], '01020304-0506-4708-890a-0b0c0d0e0f10');
  assert.equal(m[4], toHex(Uint8Array.from({ length: 32 }, (_, i) => 17 + i)).slice(2));
  assert.equal(m[3], toHex(Uint8Array.from({ length: 16 }, (_, i) => 49 + i)).slice(2));
  assert.deepEqual(await decryptKeyFile(text, 'a password', kdf, '0x9160dc9105f7de5dc5e7f3d97ef11da47269bda6'), key);
  await assert.rejects(decryptKeyFile(text, 'A password', kdf), { message: ERR_DECRYPT });
  await assert.rejects(encryptKeyFile(new Uint8Array(32), 'pw', { n: 2, p: 1 }, kdf, countingRandom()), {
    message: 'invalid key: invalid private key, zero or negative',
  });
});

test('randomUuid is a lowercase version-4 UUID', () => {
  const id = randomUuid({ bytes: (n) => new Uint8Array(n).fill(0xff) });
  assert.equal(id, 'ffffffff-ffff-4fff-bfff-ffffffffffff');
});

test('scanAddress: first JSON value only, case-insensitive member, geth HexToAddress leniency', () => {
  const a = '7ef5a6135f1fd6a02593eedc869c6d41d934aef8';
  assert.equal(scanAddress(`{"address":"${a}"}`), `0x${a}`);
  assert.equal(scanAddress(` {"Address":"0x${a.toUpperCase()}"} trailing garbage {`), `0x${a}`);
  assert.equal(scanAddress(`{"ADDRESS":"${a}","crypto":5}`), `0x${a}`);
  assert.equal(scanAddress(`{"address":"${a}","address":"${'0'.repeat(40)}"}`), null); // last member wins
  const b = 'f466859ead1932d743d622cb74fc058882e8648a';
  assert.equal(scanAddress(`{"address":"${b}","Address":"${'0'.repeat(40)}","address":"${a}"}`), `0x${a}`); // Go: last assignment
  assert.equal(scanAddress(`{"addreſs":"${a}"}`), `0x${a}`); // Go folds U+017F to s
  assert.equal(scanAddress(`\ufeff{"address":"${a}"}`), null); // a BOM is an invalid character for Go
  assert.equal(scanAddress(`{"address":"${'0'.repeat(40)}"}`), null);
  assert.equal(scanAddress('{"address":null}'), null);
  assert.equal(scanAddress('{"address":5}'), null);
  assert.equal(scanAddress(`["${a}"]`), null);
  assert.equal(scanAddress(`{"address":"${a}"`), null); // incomplete first value
  assert.equal(scanAddress(''), null);
  assert.equal(scanAddress('{"address":"abc"}'), '0x0000000000000000000000000000000000000abc'); // odd length padded
  assert.equal(scanAddress('{"address":"12zz"}'), '0x0000000000000000000000000000000000000012'); // decoded up to the bad byte
  assert.equal(scanAddress(`{"address":"ffff${a}"}`), `0x${a}`); // longer: last 20 bytes
});

test('withAddressMember inserts the address first and keeps every other byte', { skip: noVectors }, () => {
  const text = readVectorText('keystore/fresh/random-key.json');
  const out = withAddressMember(text, '0x459C06209276ebc14E052e752BC92C61C771DA1c' as Address);
  assert.equal(out, '{"address":"459c06209276ebc14e052e752bc92c61c771da1c",' + text.slice(1));
  assert.equal(scanAddress(out), '0x459c06209276ebc14e052e752bc92c61c771da1c');
  assert.equal(looksLikeUnaddressedKeyFile(out), false);
  assert.throws(() => withAddressMember(out, '0x459c06209276ebc14e052e752bc92c61c771da1c'), /not a key file without address/);
  assert.throws(() => withAddressMember('{"crypto":1}', '0x459c06209276ebc14e052e752bc92c61c771da1c'), /not a key file without address/);
});
