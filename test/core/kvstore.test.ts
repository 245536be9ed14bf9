import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, sha256, toHexRaw, utf8 } from '../../core/bytes.ts';
import {
  decryptEntry,
  encryptEntry,
  ERR_AUTH,
  parseStore,
  serializeStore,
  StoreFormatError,
} from '../../core/kvstore.ts';
import type { StoreEntries } from '../../core/kvstore.ts';
import { deriveVault } from '../../core/vault.ts';

const fill = (len: number, b: number) => new Uint8Array(len).fill(b);
const seed256 = Uint8Array.from({ length: 256 }, (_, i) => i); // the §5.1 seed
const keys = deriveVault(seed256);

function storeOf(...items: [string, ReturnType<typeof encryptEntry>][]): StoreEntries {
  return new Map(items);
}

// vault-and-keystore.md §5.3: the three store files for the §5.1 seed with fixed nonces.
const SPEC_CONFIG =
  '{"ruleset_sha256":{"iv":"MzMzMzMzMzMzMzMz","c":"LrQEdnGDWRJ61ORKLL4whN1tOJbYNnaJa79IK2xr4xwV9a4cFmxzefVrs1vFlPbIx3HS4S50TxAmrMvzw0HzRwO9+MeIQRBGOYCaMrGMEfY="}}';
const SPEC_CREDENTIALS =
  '{"0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6":{"iv":"RERERERERERERERE","c":"4fJaKd+jqOxGYrhQSftDimFB4JExRf6ERsGtcnivTDcdqg=="}}';
const SPEC_JSSTORAGE = '{"lastblock":{"iv":"VVVVVVVVVVVVVVVV","c":"AuScyeiBqO9KM3+dCUhokzLL"}}';
const RULES_SHA = '723f92fb284a8358ebb8faf63399b0f8994a1a06fb6d5b1448c3475e92e0b1c1';

test('§5.3 config.json: attestation of the sample rule file, 159 bytes', () => {
  const rules = 'function ApproveListing(){ return "Approve" }\n';
  assert.equal(toHexRaw(sha256(utf8(rules))), RULES_SHA);
  const text = serializeStore(storeOf(['ruleset_sha256', encryptEntry(keys.configKey, 'ruleset_sha256', RULES_SHA, fill(12, 0x33))]));
  assert.equal(text, SPEC_CONFIG);
  assert.equal(utf8(text).length, 159);
  const parsed = parseStore(SPEC_CONFIG);
  assert.equal(decryptEntry(keys.configKey, 'ruleset_sha256', parsed.get('ruleset_sha256')!), RULES_SHA);
});

test('§5.3 credentials.json and jsstorage.json', () => {
  const addr = '0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6';
  const cred = serializeStore(storeOf([addr, encryptEntry(keys.credentialsKey, addr, 'myverylongpassword', fill(12, 0x44))]));
  assert.equal(cred, SPEC_CREDENTIALS);
  assert.equal(decryptEntry(keys.credentialsKey, addr, parseStore(SPEC_CREDENTIALS).get(addr)!), 'myverylongpassword');
  const js = serializeStore(storeOf(['lastblock', encryptEntry(keys.jsStorageKey, 'lastblock', '44', fill(12, 0x55))]));
  assert.equal(js, SPEC_JSSTORAGE);
  assert.equal(decryptEntry(keys.jsStorageKey, 'lastblock', parseStore(SPEC_JSSTORAGE).get('lastblock')!), '44');
});

test('§5.3: the key is the AAD — another name or another store key fails authentication', () => {
  const entry = parseStore(SPEC_CONFIG).get('ruleset_sha256')!;
  assert.throws(() => decryptEntry(keys.configKey, 'other_key', entry), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.jsStorageKey, 'ruleset_sha256', entry), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.credentialsKey, 'ruleset_sha256', entry), { message: ERR_AUTH });
});

test('tampering with nonce, ciphertext or tag fails; a wrong nonce length is a failure, not a crash', () => {
  const e = encryptEntry(keys.configKey, 'k', 'value', fill(12, 7));
  for (let i = 0; i < e.c!.length; i++) {
    const c = e.c!.slice();
    c[i] ^= 0x80;
    assert.throws(() => decryptEntry(keys.configKey, 'k', { iv: e.iv, c }), { message: ERR_AUTH });
  }
  const iv = e.iv!.slice();
  iv[0] ^= 1;
  assert.throws(() => decryptEntry(keys.configKey, 'k', { iv, c: e.c }), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.configKey, 'k', { iv: fill(16, 7), c: e.c }), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.configKey, 'k', { iv: fill(8, 7), c: e.c }), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.configKey, 'k', { iv: null, c: e.c }), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.configKey, 'k', { iv: e.iv, c: null }), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(keys.configKey, 'k', { iv: e.iv, c: e.c!.subarray(0, 10) }), { message: ERR_AUTH });
  assert.equal(decryptEntry(keys.configKey, 'k', e), 'value');
});

test('§5.4 encryption round trip (signer/storage TestEncryption)', () => {
  const key = utf8('AES256Key-32Characters1234567890');
  assert.equal(key.length, 32);
  const e = encryptEntry(key, '', 'exampleplaintext', fill(12, 0xab));
  assert.equal(e.c!.length, 16 + 16);
  assert.equal(decryptEntry(key, '', e), 'exampleplaintext');
});

test('§5.4 file round trip (signer/storage TestFileStorage): exact bytes on disk and back', () => {
  const entries: StoreEntries = new Map([
    ['secret', { iv: fromHex('cdb30036279601aeee60f16b'), c: fromHex('f311ac49859d7260c2c464c28ffac122daf6be801d3cfd3edcbde7e00c9ff74f') }],
    ['secret2', { iv: fromHex('afb8a7579bf971db9f8ceeed'), c: fromHex('2df87baf86b5073ef1f03e3cc738de75b511400f5465bb0ddeacf47ae4dc267d') }],
  ]);
  const text = serializeStore(entries);
  assert.equal(
    text,
    '{"secret":{"iv":"zbMANieWAa7uYPFr","c":"8xGsSYWdcmDCxGTCj/rBItr2voAdPP0+3L3n4Ayf908="},"secret2":{"iv":"r7inV5v5cdufjO7t","c":"Lfh7r4a1Bz7x8D48xzjedbURQA9UZbsN3qz0euTcJn0="}}',
  );
  assert.deepEqual(parseStore(text), entries);
});

test('§5.4 swapped entries: both fail, swapping back restores them', () => {
  const key = keys.jsStorageKey;
  const s = new Map([
    ['k1', encryptEntry(key, 'k1', 'v1', fill(12, 1))],
    ['k2', encryptEntry(key, 'k2', 'v2', fill(12, 2))],
  ]);
  const swapped = parseStore(serializeStore(new Map([['k1', s.get('k2')!], ['k2', s.get('k1')!]])));
  assert.throws(() => decryptEntry(key, 'k1', swapped.get('k1')!), { message: ERR_AUTH });
  assert.throws(() => decryptEntry(key, 'k2', swapped.get('k2')!), { message: ERR_AUTH });
  const back = parseStore(serializeStore(new Map([['k1', swapped.get('k2')!], ['k2', swapped.get('k1')!]])));
  assert.equal(decryptEntry(key, 'k1', back.get('k1')!), 'v1');
  assert.equal(decryptEntry(key, 'k2', back.get('k2')!), 'v2');
});

test('serialisation: byte-wise key order, HTML escaping, empty store, iv before c', () => {
  const e = { iv: fill(12, 0), c: new Uint8Array(16) };
  const s = new Map([
    ['b', e],
    ['a<b>&', e],
    ['\u{1F600}', e], // U+1F600 sorts after U+FFFD in UTF-8 although its UTF-16 form sorts before
    ['\uFFFD', e],
    ['B', e],
  ]);
  const text = serializeStore(s);
  const order = [...text.matchAll(/"([^"]*)":\{"iv"/g)].map((m) => m[1]);
  assert.deepEqual(order, ['B', 'a\\u003cb\\u003e\\u0026', 'b', '\uFFFD', '\u{1F600}']);
  assert.equal(serializeStore(new Map()), '{}');
  assert.equal(serializeStore(new Map([['n', { iv: null, c: new Uint8Array(0) }]])), '{"n":{"iv":null,"c":""}}');
});

test('parsing: null is empty, invalid JSON and wrong shapes are StoreFormatError', () => {
  assert.equal(parseStore('null').size, 0);
  assert.equal(parseStore(' {} \n').size, 0);
  for (const bad of ['', '   ', '{', 'nul', '[]', '"x"', '3', '{"k":3}', '{"k":{"iv":5}}', '{"k":{"c":"!!!!"}}', '{"k":{"c":"QQ"}}', '\ufeff{}']) {
    assert.throws(() => parseStore(bad), StoreFormatError, JSON.stringify(bad));
  }
  assert.throws(() => parseStore(''), { message: 'unexpected end of JSON input' });
});

test('parsing follows Go: case-insensitive iv/c, unknown members dropped, lenient base64, null entries', () => {
  const p = parseStore('{"a":{"IV":"AAAAAAAAAAAAAAAA","C":"QQ==","x":1},"b":null,"c":{"c":"QR=="},"d":{"iv":"QQ\\r\\n=="}}');
  assert.deepEqual(p.get('a'), { iv: new Uint8Array(12), c: Uint8Array.of(0x41) });
  assert.deepEqual(p.get('b'), { iv: null, c: null });
  assert.deepEqual(p.get('c'), { iv: null, c: Uint8Array.of(0x41) }); // Go ignores non-zero trailing bits
  assert.deepEqual(p.get('d'), { iv: Uint8Array.of(0x41), c: null }); // and CR/LF inside base64
  assert.equal(
    serializeStore(p),
    '{"a":{"iv":"AAAAAAAAAAAAAAAA","c":"QQ=="},"b":{"iv":null,"c":null},"c":{"iv":null,"c":"QQ=="},"d":{"iv":"QQ==","c":null}}',
  );
});

test('non-ASCII keys and values round trip (UTF-8 AAD and plaintext)', () => {
  const e = encryptEntry(keys.jsStorageKey, 'schlüssel', 'wert ✓', fill(12, 9));
  const back = parseStore(serializeStore(new Map([['schlüssel', e]])));
  assert.equal(decryptEntry(keys.jsStorageKey, 'schlüssel', back.get('schlüssel')!), 'wert ✓');
  assert.throws(() => decryptEntry(keys.jsStorageKey, 'schlussel', back.get('schlüssel')!), { message: ERR_AUTH });
  const empty = encryptEntry(keys.jsStorageKey, 'k', '', fill(12, 9));
  assert.equal(empty.c!.length, 16);
  assert.equal(decryptEntry(keys.jsStorageKey, 'k', empty), '');
});
