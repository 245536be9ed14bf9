import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctr } from '@noble/ciphers/aes.js';
import { concatBytes, keccak256, sha256, toHexRaw, utf8 } from '../../core/bytes.ts';
import {
  decryptMasterSeed,
  encryptMasterSeed,
  ERR_MASTER_SEED_DECRYPT,
  isMasterSeedText,
  LIGHT_SCRYPT,
  masterSeedWarning,
  MasterSeedError,
  STANDARD_SCRYPT,
} from '../../core/masterseed.ts';
import { encryptSecret } from '../../core/secret-storage.ts';
import { deriveVault } from '../../core/vault.ts';
import type { Kdf } from '../../core/ports.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { fixedRandom } from '../support/fakes.ts';

const kdf: Kdf = new NodeKdf();

const fill = (len: number, b: number) => new Uint8Array(len).fill(b);
const seed256 = Uint8Array.from({ length: 256 }, (_, i) => i);

// vault-and-keystore.md §5.1: seed 00..ff, password clefclefclef, salt 32×0x11, iv 16×0x22, light scrypt.
const SPEC_5_1_FILE =
  '{"description":"Clef seed","version":1,"params":{"cipher":"aes-128-ctr","ciphertext":"3808ff2bbf4d3ae03612a6a664f4f054b0f8873bbf74df7046fbf74a27dbafc9615c7eccdeda1160eb819b422854b4dc7befa79506dc15f8fcc14b0029cde28ad928d704a4f23df87955ddd047455f58083aa16eb6a0cddef41fdeea880fe8a13c6c429eda83de4eff602c28304bf60c9d9150b61a68fc8ac071e90f7136e97500abf97e71a76e4ccd25ac78bf0933dd4e6b1e0050993ad47415a37618e7b1b795bd97f54406e9db26e60452f907bc155edac5f52d3d6037317e284c40952bb705bde71a02f9b94c6c50aff48d53f3cd19a2ca52575468ddda5f3ea1f3bc0710aacf448c42a1da33171fa621c4f6b9f593731f3131ece4d7aab4716f8589ba98","cipherparams":{"iv":"22222222222222222222222222222222"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":4096,"p":6,"r":8,"salt":"1111111111111111111111111111111111111111111111111111111111111111"},"mac":"c64d991ec05887af4e84187e5c2b515aa53ad2b754f493cffab69287e28cf5f3"}}';
// §5.1: SHA-256 of that file.
const SPEC_5_1_SHA256 = '5b9aeb73e5ec7a7f358524f82af375d55b602c3a001d4c1855952eb7b25677f1';

const spec51 = () => encryptMasterSeed(seed256, 'clefclefclef', LIGHT_SCRYPT, kdf, fixedRandom(fill(32, 0x11), fill(16, 0x22)));

test('§5.1: the light master-seed file is reproduced byte for byte (866 bytes, sha256 matches)', async () => {
  const text = await spec51();
  assert.equal(text, SPEC_5_1_FILE);
  assert.equal(utf8(text).length, 866);
  assert.equal(toHexRaw(sha256(utf8(text))), SPEC_5_1_SHA256);
});

test('§5.1: the file decrypts to the seed without warning; §5.2 derivations follow', async () => {
  const r = await decryptMasterSeed(SPEC_5_1_FILE, 'clefclefclef', kdf);
  assert.deepEqual(r.seed, seed256);
  assert.equal(r.warning, undefined);
  // vault-and-keystore.md §5.2
  const v = deriveVault(r.seed);
  assert.equal(v.name, 'e8777416782dc213bedf');
  assert.equal(toHexRaw(v.credentialsKey), '2efa1c0dbfad23d3593a2fafef95fed8ef952b1fbacd2401ba802d4e4bf63a65');
  assert.equal(toHexRaw(v.jsStorageKey), 'c8647915c25dd6706ac07464509f190049f7e3d5246a3f730efc536cde811919');
  assert.equal(toHexRaw(v.configKey), '9f843dad7a4e3f0bba0a9fd0927e38425b533c3dc59e90fd1ad2e4844332f56f');
});

test('vault derivation depends on every seed byte and nothing else', () => {
  const other = seed256.slice();
  other[255] ^= 1;
  const a = deriveVault(seed256);
  const b = deriveVault(other);
  assert.notEqual(a.name, b.name);
  assert.notDeepEqual(a.credentialsKey, b.credentialsKey);
  assert.match(a.name, /^[0-9a-f]{20}$/);
});

test('standard KDF: the file is 868 bytes and opens (the one standard-scrypt case)', async () => {
  const seed = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
  const text = await encryptMasterSeed(seed, 'a long enough password', STANDARD_SCRYPT, kdf, fixedRandom(fill(32, 1), fill(16, 2)));
  assert.equal(utf8(text).length, 868);
  assert.match(text, /"kdfparams":\{"dklen":32,"n":262144,"p":1,"r":8,"salt":"(01){32}"\}/);
  assert.deepEqual((await decryptMasterSeed(text, 'a long enough password', kdf)).seed, seed);
});

test('every failure is reported uniformly', async () => {
  const bad = async (text: string, pw = 'clefclefclef') =>
    assert.rejects(decryptMasterSeed(text, pw, kdf), (e: unknown) => e instanceof MasterSeedError && e.message === ERR_MASTER_SEED_DECRYPT);
  await bad(SPEC_5_1_FILE, 'wrong password');
  await bad('');
  await bad('not json');
  await bad('[]');
  await bad('null');
  await bad(SPEC_5_1_FILE.replace('"version":1', '"version":"1"'));
  await bad(SPEC_5_1_FILE.replace('"version":1', '"version":1.5'));
  await bad(SPEC_5_1_FILE.replace('"description":"Clef seed"', '"description":7'));
  await bad(SPEC_5_1_FILE.replace('aes-128-ctr', 'aes-128-cbc'));
  await bad(SPEC_5_1_FILE.replace('"kdf":"scrypt"', '"kdf":"bcrypt"'));
  await bad(SPEC_5_1_FILE.replace('"dklen":32', '"dklen":16'));
  await bad(SPEC_5_1_FILE.replace(/"mac":"c6/, '"mac":"c7'));
  await bad(SPEC_5_1_FILE.replace(/"ciphertext":"38/, '"ciphertext":"39'));
});

test('Go decoding: member names case-insensitive, unknown members ignored', async () => {
  const text = SPEC_5_1_FILE.replace('"description"', '"Description"').replace('"params"', '"PARAMS"').replace('{"description"', '{"extra":[1,2],"description"');
  const mixed = '{"extra":true,' + SPEC_5_1_FILE.slice(1).replace('"version"', '"Version"').replace('"params"', '"Params"');
  assert.deepEqual((await decryptMasterSeed(text, 'clefclefclef', kdf)).seed, seed256);
  assert.deepEqual((await decryptMasterSeed(mixed, 'clefclefclef', kdf)).seed, seed256);
});

test('a version other than 1 warns and still decrypts; the warning rides along on failure', async () => {
  const v2 = SPEC_5_1_FILE.replace('"version":1', '"version":2');
  const r = await decryptMasterSeed(v2, 'clefclefclef', kdf);
  assert.deepEqual(r.seed, seed256);
  assert.equal(r.warning, 'unsupported encryption format of seed: 2, operation will likely fail');
  const noVersion = SPEC_5_1_FILE.replace('"version":1,', '');
  assert.equal((await decryptMasterSeed(noVersion, 'clefclefclef', kdf)).warning, 'unsupported encryption format of seed: 0, operation will likely fail');
  assert.equal(masterSeedWarning(SPEC_5_1_FILE.replace('"version":1', '"version":-3')), 'unsupported encryption format of seed: -3, operation will likely fail');
  assert.equal(masterSeedWarning(SPEC_5_1_FILE), undefined);
  assert.equal(masterSeedWarning('garbage'), undefined); // Go returns the JSON error before warning
  await assert.rejects(decryptMasterSeed(v2, 'nope', kdf), (e: unknown) =>
    e instanceof MasterSeedError && e.message === ERR_MASTER_SEED_DECRYPT && e.warning === r.warning,
  );
});

test('seed length: under 256 bytes refused, longer seeds used whole', async () => {
  const wrap = async (seed: Uint8Array) =>
    JSON.stringify({ description: 'Clef seed', version: 1, params: await encryptSecret(seed, 'pw', { n: 16, p: 1 }, kdf, fixedRandom(fill(32, 3), fill(16, 4))) });
  await assert.rejects(decryptMasterSeed(await wrap(new Uint8Array(255)), 'pw', kdf), {
    message: 'master seed of insufficient length, expected >255 bytes, got 255',
  });
  await assert.rejects(decryptMasterSeed(await wrap(new Uint8Array(0)), 'pw', kdf), {
    message: 'master seed of insufficient length, expected >255 bytes, got 0',
  });
  const long = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
  assert.deepEqual((await decryptMasterSeed(await wrap(long), 'pw', kdf)).seed, long);
  assert.notEqual(deriveVault(long).name, deriveVault(long.subarray(0, 256)).name);
});

test('a pbkdf2-wrapped seed is accepted (§2.4 step 3)', async () => {
  const salt = fill(32, 9);
  const iv = fill(16, 8);
  const dk = await kdf.pbkdf2Sha256(utf8('pw'), salt, 1000, 32);
  const ct = ctr(dk.slice(0, 16), iv).encrypt(seed256);
  const params = {
    cipher: 'aes-128-ctr',
    ciphertext: toHexRaw(ct),
    cipherparams: { iv: toHexRaw(iv) },
    kdf: 'pbkdf2',
    kdfparams: { c: 1000, dklen: 32, prf: 'hmac-sha256', salt: toHexRaw(salt) },
    mac: toHexRaw(keccak256(concatBytes(dk.subarray(16, 32), ct))),
  };
  const text = JSON.stringify({ description: 'Clef seed', version: 1, params });
  assert.deepEqual((await decryptMasterSeed(text, 'pw', kdf)).seed, seed256);
  await assert.rejects(decryptMasterSeed(text, 'pw2', kdf), { message: ERR_MASTER_SEED_DECRYPT });
});

test('isMasterSeedText tells a seed file from other text', () => {
  assert.equal(isMasterSeedText(SPEC_5_1_FILE), true);
  assert.equal(isMasterSeedText(SPEC_5_1_FILE.replace('"params"', '"Params"')), true);
  assert.equal(isMasterSeedText('my password\n'), false);
  assert.equal(isMasterSeedText('"a json string"'), false);
  assert.equal(isMasterSeedText('{"description":"Clef seed","version":1}'), false);
  assert.equal(isMasterSeedText('{"address":"f466859ead1932d743d622cb74fc058882e8648a","crypto":{}}'), false);
  assert.equal(isMasterSeedText(''), false);
  assert.equal(isMasterSeedText('null'), false);
});
