import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, fromHex, keccak256, toHex, utf8 } from '../../core/bytes.ts';
import { SignerError } from '../../core/errors.ts';
import type { Json } from '../../core/gojson.ts';
import { parseMediaType } from '../../core/mime.ts';
import type { NameValueType } from '../../core/ports.ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { addressOfPrivateKey, signDigest } from '../../core/secp256k1.ts';
import {
  adjustV,
  ecRecover,
  prepareSignData,
  textHash,
  type TypedDataHandler,
} from '../../core/signdata.ts';
import { goJsonSyntaxError } from '../../core/gojson-scan.ts';
import { noVectors, readVector } from '../support/vectors.ts';

/** A stand-in for the EIP-712 module: records what it got, returns a fixed 66-byte payload. */
function fakeTyped(fail?: Error) {
  const seen: Json[] = [];
  const rawData = concatBytes(Uint8Array.of(0x19, 0x01), new Uint8Array(64).fill(0xab));
  const messages: NameValueType[] = [{ name: 'fake', value: 'typed', type: 'string' }];
  const handler: TypedDataHandler = {
    prepare(json) {
      seen.push(json);
      if (fail) throw fail;
      return { rawData, messages };
    },
  };
  return { handler, seen, rawData, messages };
}

const noTyped = fakeTyped().handler;
/** A copy of a signature with another V byte. */
const withV = (sig: Uint8Array, v: number) => {
  const out = sig.slice();
  out[64] = v;
  return out;
};
const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** The -32000 message prepareSignData fails with. */
function failure(contentType: string, data: Json, typed: TypedDataHandler = noTyped): string {
  try {
    prepareSignData(contentType, data, typed);
  } catch (e) {
    assert.ok(e instanceof SignerError, `SignerError expected, got ${String(e)}`);
    assert.equal(e.code, -32000);
    return e.message;
  }
  return '<no error>';
}

interface PersonalVector {
  id: string;
  signer: { privateKey: string; address: string };
  message: { hex: string; byteLength: number; utf8?: string };
  request: { params: [string, string, string] };
  expected: { prefixedMessagePrefixHex: string; messageHash: string; signature: string; v: number; recoveredAddress: string };
}

test('every personal_sign vector: raw_data, hash, signature (V 27/28), ecRecover', { skip: noVectors }, () => {
  const { vectors } = readVector<{ vectors: PersonalVector[] }>('signatures/personal_sign.json');
  assert.ok(vectors.length >= 11);
  for (const v of vectors) {
    const [contentType, , data] = v.request.params;
    const p = prepareSignData(contentType, data, noTyped);
    const msg = fromHex(v.message.hex);
    assert.equal(p.contentType, 'text/plain');
    assert.equal(p.clique, false);
    assert.equal(toHex(p.rawData), v.expected.prefixedMessagePrefixHex + v.message.hex.slice(2), v.id);
    assert.equal(p.rawData.length - msg.length, fromHex(v.expected.prefixedMessagePrefixHex).length, v.id);
    assert.equal(toHex(p.hash), v.expected.messageHash, v.id);
    assert.equal(toHex(textHash(msg)), v.expected.messageHash, v.id);
    assert.equal(p.messages.length, 1);
    assert.equal(p.messages[0].name, 'message');
    assert.equal(p.messages[0].type, 'text/plain');
    if (v.message.utf8 !== undefined) assert.equal(p.messages[0].value, `\x19Ethereum Signed Message:\n${v.message.byteLength}${v.message.utf8}`);
    const sig = adjustV(signDigest(fromHex(v.signer.privateKey), p.hash), p.clique);
    assert.equal(toHex(sig), v.expected.signature, v.id);
    assert.equal(sig[64], v.expected.v, v.id);
    assert.equal(ecRecover(msg, sig), v.expected.recoveredAddress.toLowerCase(), v.id);
  }
});

interface ValidatorVector {
  id: string;
  signer: { privateKey: string; address: string };
  request: { params: [string, string, { address: string; message: string }] };
  expected: { preimage: string; hash: string; signature: string; v: number };
}

test('every data/validator vector: preimage, hash, messages, signature', { skip: noVectors }, () => {
  const { vectors } = readVector<{ vectors: ValidatorVector[] }>('signatures/data_validator.json');
  assert.equal(vectors.length, 2);
  for (const v of vectors) {
    const [contentType, , data] = v.request.params;
    const p = prepareSignData(contentType, data, noTyped);
    assert.equal(p.contentType, 'data/validator');
    assert.equal(toHex(p.rawData), v.expected.preimage, v.id);
    assert.equal(toHex(p.hash), v.expected.hash, v.id);
    assert.deepEqual(p.messages, [
      { name: 'This is a request to sign data intended for a particular validator (see EIP 191 version 0)', value: '', type: 'description' },
      { name: 'Intended validator address', value: data.address, type: 'address' },
      { name: 'Application-specific data', value: data.message.toLowerCase(), type: 'hexdata' },
      { name: 'Full message for signing', value: v.expected.preimage, type: 'hexdata' },
    ]);
    const sig = adjustV(signDigest(fromHex(v.signer.privateKey), p.hash), p.clique);
    assert.equal(toHex(sig), v.expected.signature, v.id);
    assert.equal(sig[64], v.expected.v, v.id);
  }
});

test('text/plain: the hello-world example of external-api §7.2', () => {
  const p = prepareSignData('text/plain', '0x68656c6c6f20776f726c64', noTyped);
  assert.equal(base64(p.rawData), 'GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk');
  assert.equal(toHex(p.hash), '0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68');
  assert.deepEqual(p.messages, [{ name: 'message', value: '\u0019Ethereum Signed Message:\n11hello world', type: 'text/plain' }]);
  const empty = prepareSignData('text/plain', '0x', noTyped);
  assert.deepEqual(empty.rawData, utf8('\x19Ethereum Signed Message:\n0'));
});

test('text/plain and default branch: data errors', () => {
  assert.equal(failure('text/plain', { a: 1 }), 'wrong type map[string]interface {}');
  assert.equal(failure('text/plain', 1.5), 'wrong type float64');
  assert.equal(failure('text/plain', null), 'wrong type <nil>');
  assert.equal(failure('text/plain', [1]), 'wrong type []interface {}');
  assert.equal(failure('text/plain', true), 'wrong type bool');
  assert.equal(failure('text/plain', ''), 'empty hex string');
  assert.equal(failure('text/plain', 'abcd'), 'hex string without 0x prefix');
  assert.equal(failure('text/plain', '0xabc'), 'hex string of odd length');
  assert.equal(failure('text/plain', '0xzz'), 'invalid hex string');
  assert.equal(failure('foo', 7), 'wrong type float64');
});

test('content types: Go media-type parsing and dispatch', () => {
  const hello = '0x68656c6c6f';
  // Recognised only by their exact identifiers; everything else is a personal message under its own name.
  for (const [ct, want] of [
    ['text/plain', 'text/plain'],
    ['TEXT/Plain; charset=utf-8', 'text/plain'],
    ['  text/plain ;charset="utf-8"; format=flowed;', 'text/plain'],
    ['data/plain', 'data/plain'],
    ['text/validator', 'text/validator'],
    ['application/clique', 'application/clique'],
    ['foo', 'foo'],
  ] as const) {
    const p = prepareSignData(ct, hello, noTyped);
    assert.equal(p.contentType, want, ct);
    assert.equal(p.messages[0].type, 'text/plain', ct);
    assert.equal(toHex(p.hash), toHex(textHash(fromHex(hello))), ct);
    assert.equal(p.cliqueNumber, undefined);
  }
  assert.equal(prepareSignData(' Data/Validator ', { address: '0x01', message: '0x02' }, noTyped).contentType, 'data/validator');
  assert.equal(failure('', hello), 'mime: no media type');
  assert.equal(failure('text/', hello), 'mime: expected token after slash');
  assert.equal(failure('a/b c', hello), 'mime: unexpected content after media subtype');
  assert.equal(failure('a b', hello), 'mime: expected slash after first token');
  assert.equal(failure('/plain', hello), 'mime: no media type');
  assert.equal(failure('text/plain; charset', hello), 'mime: invalid media parameter');
  assert.equal(failure('text/plain; a=1; a=2', hello), 'mime: duplicate parameter name');
  assert.equal(parseMediaType('text/plain; a=1; A=1'), 'text/plain');
  assert.equal(parseMediaType('text/plain; title*0="a"; title*1="b"'), 'text/plain');
  assert.equal(parseMediaType('text/plain;'), 'text/plain');
  assert.throws(() => parseMediaType('text/plain; a="unterminated'), { message: 'mime: invalid media parameter' });
  assert.equal(parseMediaType('Kelvin\u212A/x'), 'kelvink/x');
});

test('data/validator: errors and the lenient address length quirk', () => {
  const ok = '0x01';
  assert.equal(failure('data/validator', '0x00'), 'validator input is not a map[string]interface{}');
  assert.equal(failure('data/validator', [1]), 'validator input is not a map[string]interface{}');
  assert.equal(failure('data/validator', { message: ok }), 'validator address error: wrong type <nil>');
  assert.equal(failure('data/validator', { Address: ok, message: ok }), 'validator address error: wrong type <nil>');
  assert.equal(failure('data/validator', { address: 5, message: ok }), 'validator address error: wrong type float64');
  assert.equal(failure('data/validator', { address: 'xyz', message: ok }), 'validator address error: hex string without 0x prefix');
  assert.equal(failure('data/validator', { address: '0x', message: ok }), 'validator address is undefined');
  assert.equal(failure('data/validator', { address: ok }), 'message error: wrong type <nil>');
  assert.equal(failure('data/validator', { address: ok, message: '0x1' }), 'message error: hex string of odd length');
  assert.equal(failure('data/validator', { address: ok, message: '0x' }), 'message is undefined');
  // Longer input keeps the last 20 bytes, shorter input is left-padded.
  const long = prepareSignData('data/validator', { address: '0x' + 'ff'.repeat(12) + '8a8eafb1cf62bfbeb1741769dae1a9dd47996192', message: ok }, noTyped);
  assert.equal(long.messages[1].value, '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192');
  assert.equal(toHex(long.rawData), '0x1900' + '8a8eafb1cf62bfbeb1741769dae1a9dd47996192' + '01');
  const short = prepareSignData('data/validator', { address: '0xdead', message: ok }, noTyped);
  assert.equal(toHex(short.rawData), '0x1900' + '00'.repeat(18) + 'dead' + '01');
  assert.equal(toHex(short.hash), toHex(keccak256(short.rawData)));
});

interface CliqueVector {
  id: string;
  request: { params: [string, string, string] };
  expected: { outcome: string; sealHash?: string; message?: NameValueType; signature?: string };
  signer?: { privateKey: string };
}

test('application/x-clique-header through prepareSignData: V stays 0/1, post-Shanghai refused with -32000', { skip: noVectors }, () => {
  const { vectors } = readVector<{ vectors: CliqueVector[] }>('clique/headers.json');
  for (const v of vectors) {
    const [ct, , data] = v.request.params;
    if (v.expected.outcome === 'error') {
      assert.match(failure(ct, data), /^clique headers cannot carry post-Shanghai fields \(withdrawalsRoot\)$/, v.id);
      continue;
    }
    const p = prepareSignData(ct, data, noTyped);
    assert.equal(p.contentType, 'application/x-clique-header');
    assert.equal(p.clique, true);
    assert.equal(p.cliqueNumber, BigInt(String(v.expected.message!.value).split(' ')[2]));
    assert.deepEqual(p.rawData, fromHex(data));
    assert.equal(toHex(p.hash), v.expected.sealHash, v.id);
    assert.deepEqual(p.messages, [v.expected.message]);
    if (v.signer) {
      const sig = adjustV(signDigest(fromHex(v.signer.privateKey), p.hash), p.clique);
      assert.equal(toHex(sig), v.expected.signature, v.id);
      assert.ok(sig[64] === 0 || sig[64] === 1);
    }
  }
  assert.equal(failure('application/x-clique-header', { a: 1 }), 'wrong type map[string]interface {}');
  assert.equal(failure('application/x-clique-header', '0x'), 'EOF');
  assert.equal(failure('application/x-clique-header', '0xc0'), 'rlp: too few elements for types.Header');
  assert.equal(failure('application/x-clique-header', '0x80'), 'rlp: expected input list for types.Header');
});

test('data/typed: hex-encoded JSON handed to the EIP-712 handler', () => {
  const td = { types: { EIP712Domain: [] }, primaryType: 'EIP712Domain', domain: {}, message: {} };
  const fake = fakeTyped();
  const p = prepareSignData('data/typed', toHex(utf8(JSON.stringify(td))), fake.handler);
  assert.deepEqual(fake.seen, [td]);
  assert.equal(p.contentType, 'data/typed');
  assert.equal(p.clique, false);
  assert.deepEqual(p.rawData, fake.rawData);
  assert.deepEqual(p.hash, keccak256(fake.rawData));
  assert.deepEqual(p.messages, fake.messages);
  // null leaves Go's zero TypedData, handed over as an empty object.
  const f2 = fakeTyped();
  prepareSignData('data/typed', toHex(utf8(' null ')), f2.handler);
  assert.deepEqual(f2.seen, [{}]);

  assert.equal(failure('data/typed', td as unknown as Json), 'wrong type map[string]interface {}');
  assert.equal(failure('data/typed', '0x'), 'unexpected end of JSON input');
  assert.equal(failure('data/typed', toHex(utf8('{"types":'))), 'unexpected end of JSON input');
  assert.equal(failure('data/typed', toHex(utf8('{"types" 1}'))), "invalid character '1' after object key");
  assert.equal(failure('data/typed', toHex(utf8('[]'))), 'json: cannot unmarshal array into Go value of type apitypes.TypedData');
  assert.equal(failure('data/typed', toHex(utf8('"x"'))), 'json: cannot unmarshal string into Go value of type apitypes.TypedData');
  assert.equal(failure('data/typed', toHex(utf8('12'))), 'json: cannot unmarshal number into Go value of type apitypes.TypedData');
  assert.equal(failure('data/typed', toHex(utf8('true'))), 'json: cannot unmarshal bool into Go value of type apitypes.TypedData');
  assert.equal(failure('data/typed', '{'), 'hex string without 0x prefix');
  // The handler's own errors surface as -32000 with their text.
  assert.equal(failure('data/typed', toHex(utf8('{}')), fakeTyped(new Error('primary type undefined')).handler), 'primary type undefined');
});

test('Go encoding/json syntax errors (json.Unmarshal checkValid)', () => {
  const cases: [string | Uint8Array, string | null][] = [
    ['{"a":[1,2.5e-3,{"b":null}],"c":"\\u00e9\\n"}', null],
    ['  true ', null],
    ['-0.0E+1', null],
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['[1,', 'unexpected end of JSON input'],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{a:1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    [Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), "invalid character 'ï' looking for beginning of value"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ['"a\n"', "invalid character '\\n' in string literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['nulx', "invalid character 'x' in literal null (expecting 'l')"],
    ['fa1se', "invalid character '1' in literal false (expecting 'l')"],
    ['-', "invalid character ' ' in numeric literal"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['1.e5', "invalid character 'e' after decimal point in numeric literal"],
    ['1e', "invalid character ' ' in exponent of numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['['.repeat(10000), 'unexpected end of JSON input'],
    ['['.repeat(10001), "invalid character '[' exceeded max depth"],
    [Uint8Array.of(0x5b, 0x80), "invalid character '\\u0080' looking for beginning of value"],
  ];
  for (const [input, want] of cases) {
    const bytes = typeof input === 'string' ? utf8(input) : input;
    assert.equal(goJsonSyntaxError(bytes), want, JSON.stringify(typeof input === 'string' ? input.slice(0, 40) : toHex(input)));
    if (want === null) assert.doesNotThrow(() => JSON.parse(new TextDecoder().decode(bytes)));
  }
});

test('ecRecover: round trips and clef errors (§5.4)', () => {
  const key = fromHex('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
  const addr = addressOfPrivateKey(key);
  for (const text of ['', 'aabbccdd', 'hello world', 'x'.repeat(1000)]) {
    const data = utf8(text);
    const sig = adjustV(signDigest(key, textHash(data)), false);
    assert.ok(sig[64] === 27 || sig[64] === 28);
    const before = toHex(sig);
    assert.equal(ecRecover(data, sig), addr);
    assert.equal(toHex(sig), before, "the caller's buffer is not modified");
    assert.notEqual(ecRecover(utf8(text + '!'), sig), addr);
  }
  const sig = adjustV(signDigest(key, textHash(utf8('x'))), false);
  const err = (d: Uint8Array, s: Uint8Array) => {
    try {
      ecRecover(d, s);
    } catch (e) {
      assert.ok(e instanceof SignerError && e.code === -32000);
      return e.message;
    }
    return '<no error>';
  };
  assert.equal(err(utf8('x'), sig.subarray(0, 64)), 'signature must be 65 bytes long');
  assert.equal(err(utf8('x'), concatBytes(sig, Uint8Array.of(0))), 'signature must be 65 bytes long');
  assert.equal(err(utf8('x'), withV(sig, sig[64] - 27)), 'invalid Ethereum signature (V is not 27 or 28)');
  assert.equal(err(utf8('x'), withV(sig, 29)), 'invalid Ethereum signature (V is not 27 or 28)');
  assert.equal(err(utf8('x'), concatBytes(new Uint8Array(64), Uint8Array.of(27))), 'recovery failed');
  const n = secp256k1.Point.CURVE().n;
  const rOverflow = concatBytes(fromHex(n.toString(16).padStart(64, '0')), sig.subarray(32, 64), Uint8Array.of(27));
  assert.equal(err(utf8('x'), rOverflow), 'recovery failed');
  // Like libsecp256k1's recovery, a high-S form (s' = n - s, parity flipped) is accepted.
  const s = BigInt(toHex(sig.subarray(32, 64)));
  const highS = concatBytes(sig.subarray(0, 32), fromHex((n - s).toString(16).padStart(64, '0')), Uint8Array.of(sig[64] === 27 ? 28 : 27));
  assert.equal(ecRecover(utf8('x'), highS), addr);
});

test('adjustV: +27 except clique, input untouched', () => {
  const sig = withV(new Uint8Array(65).fill(7), 1);
  assert.equal(adjustV(sig, false)[64], 28);
  assert.equal(adjustV(sig, true)[64], 1);
  assert.equal(sig[64], 1);
  assert.notEqual(adjustV(sig, true), sig);
});
