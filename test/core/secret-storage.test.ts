import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cbc } from '@noble/ciphers/aes.js';
import { concatBytes, fromHex, keccak256, toHexRaw, utf8 } from '../../core/bytes.ts';
import { decryptSecret, decryptSecretV1, encryptSecret, ERR_DECRYPT, goHexDecode } from '../../core/secret-storage.ts';
import type { CryptoJson } from '../../core/secret-storage.ts';
import type { Kdf, Random } from '../../core/ports.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { noVectors, readVector, readVectorText } from '../support/vectors.ts';
import { fixedRandom } from '../support/fakes.ts';

const kdf: Kdf = new NodeKdf();
const LIGHT = { n: 4096, p: 6 };

/** A Random that hands out the given byte strings in order. */
const fill = (len: number, b: number) => new Uint8Array(len).fill(b);
const seed256 = Uint8Array.from({ length: 256 }, (_, i) => i);

// vault-and-keystore.md §5.1: the params object of the light master-seed vector (salt 32×0x11, iv 16×0x22).
const SPEC_5_1_PARAMS =
  '{"cipher":"aes-128-ctr","ciphertext":"3808ff2bbf4d3ae03612a6a664f4f054b0f8873bbf74df7046fbf74a27dbafc9615c7eccdeda1160eb819b422854b4dc7befa79506dc15f8fcc14b0029cde28ad928d704a4f23df87955ddd047455f58083aa16eb6a0cddef41fdeea880fe8a13c6c429eda83de4eff602c28304bf60c9d9150b61a68fc8ac071e90f7136e97500abf97e71a76e4ccd25ac78bf0933dd4e6b1e0050993ad47415a37618e7b1b795bd97f54406e9db26e60452f907bc155edac5f52d3d6037317e284c40952bb705bde71a02f9b94c6c50aff48d53f3cd19a2ca52575468ddda5f3ea1f3bc0710aacf448c42a1da33171fa621c4f6b9f593731f3131ece4d7aab4716f8589ba98","cipherparams":{"iv":"22222222222222222222222222222222"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":4096,"p":6,"r":8,"salt":"1111111111111111111111111111111111111111111111111111111111111111"},"mac":"c64d991ec05887af4e84187e5c2b515aa53ad2b754f493cffab69287e28cf5f3"}';

// vault-and-keystore.md §6.8: go-ethereum's keystore test file `aaa` (password foobar, n=8, p=16).
const SPEC_6_8_AAA = JSON.parse(
  '{"address":"f466859ead1932d743d622cb74fc058882e8648a","crypto":{"cipher":"aes-128-ctr","ciphertext":"cb664472deacb41a2e995fa7f96fe29ce744471deb8d146a0e43c7898c9ddd4d","cipherparams":{"iv":"dfd9ee70812add5f4b8f89d0811c9158"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":8,"p":16,"r":8,"salt":"0d6769bf016d45c479213990d6a08d938469c4adad8a02ce507b4a4e7b7739f1"},"mac":"bac9af994b15a45dd39669fc66f9aa8a3b9dd8c22cb16e4d8d7ea089d0f1a1a9"},"id":"472e8b3d-afb6-45b5-8111-72c89895099a","version":3}',
);
const AAA_PRIV = '539f9b4106fb452408e1ee43d177077f057a8fdc1e1fad92c61e68982b4e3c4b';

async function lightCrypto(plain: Uint8Array, password: string): Promise<CryptoJson> {
  return JSON.parse(JSON.stringify(await encryptSecret(plain, password, LIGHT, kdf, fixedRandom(fill(32, 0x11), fill(16, 0x22)))));
}

test('encryptSecret reproduces the §5.1 params byte for byte (salt then iv drawn in that order)', async () => {
  const c: CryptoJson = await encryptSecret(seed256, 'clefclefclef', LIGHT, kdf, fixedRandom(fill(32, 0x11), fill(16, 0x22)));
  assert.equal(JSON.stringify(c), SPEC_5_1_PARAMS);
});

test('decryptSecret opens the §5.1 params and rejects a wrong password', async () => {
  const c = JSON.parse(SPEC_5_1_PARAMS);
  assert.deepEqual(await decryptSecret(c, 'clefclefclef', kdf), seed256);
  await assert.rejects(decryptSecret(c, 'clefclefclex', kdf), { message: ERR_DECRYPT });
});

test('decryptSecret opens the §6.8 key file (parameters taken from the file)', async () => {
  assert.equal(toHexRaw(await decryptSecret(SPEC_6_8_AAA.crypto, 'foobar', kdf)), AAA_PRIV);
  await assert.rejects(decryptSecret(SPEC_6_8_AAA.crypto, 'Foobar', kdf), { message: ERR_DECRYPT });
});

test('round trip with random inputs and a non-ASCII password', async () => {
  const plain = utf8('any length works, even 37 bytes…');
  const rnd: Random = { bytes: (n) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255) };
  const c = await encryptSecret(plain, 'pässwörd ✓', { n: 16, p: 1 }, kdf, rnd);
  assert.deepEqual(await decryptSecret(c, 'pässwörd ✓', kdf), plain);
  await assert.rejects(decryptSecret(c, 'passwoerd', kdf), { message: ERR_DECRYPT });
});

test('tampering with ciphertext or mac is detected', async () => {
  const c = await lightCrypto(utf8('secret'), 'pw');
  const flipped = { ...c, ciphertext: (c.ciphertext[0] === '0' ? '1' : '0') + c.ciphertext.slice(1) };
  await assert.rejects(decryptSecret(flipped, 'pw', kdf), { message: ERR_DECRYPT });
  const badMac = { ...c, mac: c.mac.slice(0, -2) + (c.mac.endsWith('00') ? '01' : '00') };
  await assert.rejects(decryptSecret(badMac, 'pw', kdf), { message: ERR_DECRYPT });
  const shortMac = { ...c, mac: c.mac.slice(0, 62) };
  await assert.rejects(decryptSecret(shortMac, 'pw', kdf), { message: ERR_DECRYPT });
});

test('go-ethereum error texts: cipher, KDF, PRF', async () => {
  const c = await lightCrypto(utf8('x'), 'pw');
  await assert.rejects(decryptSecret({ ...c, cipher: 'aes-128-cbc' }, 'pw', kdf), { message: 'cipher not supported: aes-128-cbc' });
  await assert.rejects(decryptSecret({ ...c, cipher: undefined }, 'pw', kdf), { message: 'cipher not supported: ' });
  await assert.rejects(decryptSecret({ ...c, kdf: 'argon2id' }, 'pw', kdf), { message: 'unsupported KDF: argon2id' });
  const pb = { ...c, kdf: 'pbkdf2', kdfparams: { c: 10, dklen: 32, prf: 'hmac-sha512', salt: '00' } };
  await assert.rejects(decryptSecret(pb, 'pw', kdf), { message: 'unsupported PBKDF2 PRF: hmac-sha512' });
  await assert.rejects(decryptSecret(null, 'pw', kdf), { message: 'cipher not supported: ' });
  await assert.rejects(decryptSecret(42, 'pw', kdf), /cannot unmarshal number/);
  await assert.rejects(decryptSecret({ ...c, cipher: 7 }, 'pw', kdf), {
    message: 'json: cannot unmarshal number into Go struct field CryptoJSON.cipher of type string',
  });
});

test('inputs that crash go-ethereum give clear errors instead', async () => {
  const c = await lightCrypto(utf8('x'), 'pw');
  const kp = c.kdfparams;
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...kp, dklen: 16 } }, 'pw', kdf), /dklen 16 is less than 32/);
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...kp, salt: undefined } }, 'pw', kdf), /salt missing/);
  await assert.rejects(decryptSecret({ ...c, kdfparams: undefined }, 'pw', kdf), /salt missing/);
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...kp, n: '4096' } }, 'pw', kdf), /n missing or not a number/);
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...kp, dklen: undefined } }, 'pw', kdf), /dklen missing/);
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...kp, n: 1000 } }, 'pw', kdf), {
    message: 'scrypt: N must be > 1 and a power of 2',
  });
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...kp, p: 0 } }, 'pw', kdf), /parameters are too large/);
  const pb = { ...c, kdf: 'pbkdf2', kdfparams: { c: 10, dklen: 32, salt: '00' } };
  await assert.rejects(decryptSecret(pb, 'pw', kdf), { message: 'unsupported PBKDF2 PRF: ' });
  // A wrong-length IV only matters once the MAC matched (the MAC does not cover the IV).
  await assert.rejects(decryptSecret({ ...c, cipherparams: { iv: '2222' } }, 'pw', kdf), /invalid IV length 2/);
});

test('numeric KDF parameters are truncated; a larger dklen is honoured', async () => {
  const c = await lightCrypto(utf8('trunc'), 'pw');
  const frac = { ...c, kdfparams: { ...c.kdfparams, n: 4096.9, p: 6.5, r: 8.99, dklen: 32.7 } };
  assert.equal(new TextDecoder().decode(await decryptSecret(frac, 'pw', kdf)), 'trunc');
  // dklen 64: DK[0:16] and DK[16:32] are the same bytes scrypt's longer output starts with.
  const long = { ...c, kdfparams: { ...c.kdfparams, dklen: 64 } };
  assert.equal(new TextDecoder().decode(await decryptSecret(long, 'pw', kdf)), 'trunc');
});

test('struct member names match case-insensitively; kdfparams names do not', async () => {
  const c = await lightCrypto(utf8('case'), 'pw');
  const upper = {
    Cipher: c.cipher,
    CipherText: c.ciphertext,
    CIPHERPARAMS: { IV: c.cipherparams.iv },
    Kdf: c.kdf,
    KdfParams: c.kdfparams,
    MAC: c.mac,
  };
  assert.equal(new TextDecoder().decode(await decryptSecret(upper, 'pw', kdf)), 'case');
  const { n, ...rest } = c.kdfparams;
  await assert.rejects(decryptSecret({ ...c, kdfparams: { ...rest, N: n } }, 'pw', kdf), /n missing/);
});

test('hex decoding uses Go encoding/hex wording', async () => {
  assert.deepEqual(goHexDecode('00ff'), Uint8Array.of(0, 255));
  assert.deepEqual(goHexDecode('ABcd'), Uint8Array.of(0xab, 0xcd));
  assert.throws(() => goHexDecode('0x00'), { message: "encoding/hex: invalid byte: U+0078 'x'" });
  assert.throws(() => goHexDecode('abc'), { message: 'encoding/hex: odd length hex string' });
  assert.throws(() => goHexDecode('abz'), { message: "encoding/hex: invalid byte: U+007A 'z'" });
  assert.throws(() => goHexDecode('a\n'), { message: 'encoding/hex: invalid byte: U+000A' });
  const c = await lightCrypto(utf8('x'), 'pw');
  await assert.rejects(decryptSecret({ ...c, mac: 'zz' }, 'pw', kdf), { message: "encoding/hex: invalid byte: U+007A 'z'" });
});

test('pbkdf2 hmac-sha256 (go-ethereum v3 wiki vector)', { skip: noVectors }, async () => {
  const v = readVector('keystore/geth/v3_test_vector.json').wikipage_test_vector_pbkdf2;
  assert.equal(toHexRaw(await decryptSecret(v.json.crypto, v.password, kdf)), v.priv);
});

test('31- and 30-byte plaintexts decrypt (go-ethereum v3 vectors)', { skip: noVectors }, async () => {
  const all = readVector('keystore/geth/v3_test_vector.json');
  for (const name of ['31_byte_key', '30_byte_key']) {
    const v = all[name];
    assert.equal(toHexRaw(await decryptSecret(v.json.crypto, v.password, kdf)), v.priv, name);
  }
});

test('v1 vector (AES-128-CBC, Keccak-derived key) — the one standard-scrypt case', { skip: noVectors }, async () => {
  const v = readVector('keystore/geth/v1_test_vector.json').test1;
  // the on-disk v1 key file (member `Crypto`, capitalised; same crypto object as the vector's json)
  const file = JSON.parse(readVectorText('keystore/geth/v1/cb61d5a9c4896fb9658090b597ef0e7be6f7b67e/cb61d5a9c4896fb9658090b597ef0e7be6f7b67e'));
  assert.equal(toHexRaw(await decryptSecretV1(file.Crypto, v.password, kdf)), v.priv);
});

/** Builds a v1 crypto object with light scrypt, optionally with a raw (already padded or not) CBC body. */
async function v1Crypto(plain: Uint8Array, password: string, opts: { rawPadded?: Uint8Array } = {}): Promise<Omit<CryptoJson, 'cipher'> & { cipher: string }> {
  const salt = fill(32, 0x77);
  const iv = fill(16, 0x66);
  const dk = await kdf.scrypt(utf8(password), salt, 16, 8, 1, 32);
  const key = keccak256(dk.subarray(0, 16)).slice(0, 16);
  const ct = opts.rawPadded
    ? cbc(key, iv, { disablePadding: true }).encrypt(opts.rawPadded)
    : cbc(key, iv).encrypt(plain);
  const mac = keccak256(concatBytes(dk.subarray(16, 32), ct));
  return {
    cipher: 'aes-128-cbc',
    ciphertext: toHexRaw(ct),
    cipherparams: { iv: toHexRaw(iv) },
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 16, p: 1, r: 8, salt: toHexRaw(salt) },
    mac: toHexRaw(mac),
  };
}

test('v1: PKCS#7 unpadding; bad padding and partial blocks are ERR_DECRYPT; cipher is not checked', async () => {
  const key = fromHex('0102030405060708090a0102030405060708090a0102030405060708090a0102');
  const good = await v1Crypto(key, 'pw');
  assert.deepEqual(await decryptSecretV1(good, 'pw', kdf), key);
  assert.deepEqual(await decryptSecretV1({ ...good, cipher: 'whatever' }, 'pw', kdf), key);
  await assert.rejects(decryptSecretV1(good, 'px', kdf), { message: ERR_DECRYPT });
  const full = new Uint8Array(32).fill(16); // 16 data bytes of 0x10 followed by a whole padding block
  assert.deepEqual(await decryptSecretV1(await v1Crypto(full, 'pw', { rawPadded: full }), 'pw', kdf), new Uint8Array(16).fill(16));
  const zeroPad = new Uint8Array(32); // last byte 0 → invalid
  await assert.rejects(decryptSecretV1(await v1Crypto(zeroPad, 'pw', { rawPadded: zeroPad }), 'pw', kdf), { message: ERR_DECRYPT });
  const bigPad = new Uint8Array(32).fill(17); // 17 > block size
  await assert.rejects(decryptSecretV1(await v1Crypto(bigPad, 'pw', { rawPadded: bigPad }), 'pw', kdf), { message: ERR_DECRYPT });
  const mixed = new Uint8Array(32).fill(3);
  mixed[30] = 2; // pad 3 claims three bytes but one differs
  await assert.rejects(decryptSecretV1(await v1Crypto(mixed, 'pw', { rawPadded: mixed }), 'pw', kdf), { message: ERR_DECRYPT });
  // partial block with a matching MAC: undecryptable, not a crash
  const partial = { ...good };
  const dk = await kdf.scrypt(utf8('pw'), fill(32, 0x77), 16, 8, 1, 32);
  const ct = fromHex(good.ciphertext).subarray(0, 40);
  partial.ciphertext = toHexRaw(ct);
  partial.mac = toHexRaw(keccak256(concatBytes(dk.subarray(16, 32), ct)));
  await assert.rejects(decryptSecretV1(partial, 'pw', kdf), { message: ERR_DECRYPT });
});
