import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RLP } from '@ethereumjs/rlp';
import { fromHex, toHex, utf8 } from '../../core/bytes.ts';
import {
  decodeBigInt,
  decodeByteArray,
  decodeByteSlice,
  decodeRlpStrict,
  decodeStruct,
  decodeUint64,
  rlpEncode,
  type RlpStream,
  type RlpDecoder,
  type RlpItem,
} from '../../core/rlp.ts';

test('rlpEncode: Ethereum RLP specification examples', () => {
  assert.equal(toHex(rlpEncode(utf8('dog'))), '0x83646f67');
  assert.equal(toHex(rlpEncode([utf8('cat'), utf8('dog')])), '0xc88363617483646f67');
  assert.equal(toHex(rlpEncode(new Uint8Array(0))), '0x80');
  assert.equal(toHex(rlpEncode([])), '0xc0');
  assert.equal(toHex(rlpEncode(0n)), '0x80');
  assert.equal(toHex(rlpEncode(Uint8Array.of(0))), '0x00');
  assert.equal(toHex(rlpEncode(15n)), '0x0f');
  assert.equal(toHex(rlpEncode(1024n)), '0x820400');
  assert.equal(toHex(rlpEncode([[], [[]], [[], [[]]]])), '0xc7c0c1c0c3c0c1c0');
  const lorem = utf8('Lorem ipsum dolor sit amet, consectetur adipisicing elit');
  assert.equal(toHex(rlpEncode(lorem)).slice(0, 6), '0xb838');
  assert.throws(() => rlpEncode(-1n), /negative/);
});

test('rlpEncode agrees with @ethereumjs/rlp on random nested structures', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const gen = (depth: number): RlpItem => {
    const pick = rnd(depth > 3 ? 2 : 3);
    if (pick === 0) return Uint8Array.from({ length: [0, 1, 2, 55, 56, 300, 70000][rnd(7)] }, () => rnd(256));
    if (pick === 1) return [0n, 1n, 127n, 128n, 255n, 256n, 2n ** 64n - 1n, 2n ** 255n + 12345n][rnd(8)];
    return Array.from({ length: rnd(6) }, () => gen(depth + 1));
  };
  for (let i = 0; i < 200; i++) {
    const item = gen(0);
    assert.equal(toHex(rlpEncode(item)), toHex(RLP.encode(item as never)));
  }
});

// Known answers from go-ethereum's own decoder tests (rlp/decode_test.go): input, Go type, expected error.
function decode<T>(hex: string, goType: string, dec: RlpDecoder<T>): T | string {
  try {
    return decodeRlpStrict(fromHex(hex), goType, dec);
  } catch (e) {
    return (e as Error).message;
  }
}

test('integers decode canonically with Go error texts', () => {
  assert.equal(decode('05', 'uint64', decodeUint64), 5n);
  assert.equal(decode('80', 'uint64', decodeUint64), 0n);
  assert.equal(decode('8180', 'uint64', decodeUint64), 128n);
  assert.equal(decode('88ffffffffffffffff', 'uint64', decodeUint64), 2n ** 64n - 1n);
  assert.equal(decode('89000000000000000001', 'uint64', decodeUint64), 'rlp: input string too long for uint64');
  assert.equal(decode('89010000000000000000', 'uint64', decodeUint64), 'rlp: input string too long for uint64');
  assert.equal(decode('C0', 'uint64', decodeUint64), 'rlp: expected input string or byte for uint64');
  assert.equal(decode('00', 'uint64', decodeUint64), 'rlp: non-canonical integer (leading zero bytes) for uint64');
  assert.equal(decode('8105', 'uint64', decodeUint64), 'rlp: non-canonical size information for uint64');
  assert.equal(decode('8100', 'uint64', decodeUint64), 'rlp: non-canonical size information for uint64');
  assert.equal(decode('820004', 'uint64', decodeUint64), 'rlp: non-canonical integer (leading zero bytes) for uint64');
  assert.equal(decode('B8020004', 'uint64', decodeUint64), 'rlp: non-canonical size information for uint64');
  assert.equal(decode('', 'uint64', decodeUint64), 'EOF');
  assert.equal(decode('81', 'uint64', decodeUint64), 'rlp: value size exceeds available input length');
  assert.equal(decode('0505', 'uint64', decodeUint64), 'rlp: input contains more than one value');
});

test('big integers: unbounded, canonical', () => {
  assert.equal(decode('01', '*big.Int', decodeBigInt), 1n);
  assert.equal(decode('89FFFFFFFFFFFFFFFFFF', '*big.Int', decodeBigInt), 2n ** 72n - 1n);
  assert.equal(decode('80', '*big.Int', decodeBigInt), 0n);
  assert.equal(decode('C0', '*big.Int', decodeBigInt), 'rlp: expected input string or byte for *big.Int');
  assert.equal(decode('820001', '*big.Int', decodeBigInt), 'rlp: non-canonical integer (leading zero bytes) for *big.Int');
  assert.equal(decode('00', '*big.Int', decodeBigInt), 'rlp: non-canonical integer (leading zero bytes) for *big.Int');
  assert.equal(decode('8105', '*big.Int', decodeBigInt), 'rlp: non-canonical size information for *big.Int');
});

test('byte slices and fixed-size byte arrays', () => {
  assert.deepEqual(decode('01', '[]uint8', decodeByteSlice), Uint8Array.of(1));
  assert.deepEqual(decode('80', '[]uint8', decodeByteSlice), new Uint8Array(0));
  assert.deepEqual(decode('8D6162636465666768696A6B6C6D', '[]uint8', decodeByteSlice), utf8('abcdefghijklm'));
  assert.equal(decode('C0', '[]uint8', decodeByteSlice), 'rlp: expected input string or byte for []uint8');
  assert.equal(decode('8105', '[]uint8', decodeByteSlice), 'rlp: non-canonical size information for []uint8');
  assert.equal(decode('B800', '[]uint8', decodeByteSlice), 'rlp: non-canonical size information for []uint8');

  const five = decodeByteArray(5, '[5]uint8');
  const one = decodeByteArray(1, '[1]uint8');
  assert.deepEqual(decode('02', '[1]uint8', one), Uint8Array.of(2));
  assert.deepEqual(decode('8180', '[1]uint8', one), Uint8Array.of(128));
  assert.deepEqual(decode('850102030405', '[5]uint8', five), Uint8Array.of(1, 2, 3, 4, 5));
  assert.equal(decode('02', '[5]uint8', five), 'rlp: input string too short for [5]uint8');
  assert.equal(decode('80', '[5]uint8', five), 'rlp: input string too short for [5]uint8');
  assert.equal(decode('820000', '[5]uint8', five), 'rlp: input string too short for [5]uint8');
  assert.equal(decode('C0', '[5]uint8', five), 'rlp: expected input string or byte for [5]uint8');
  assert.equal(decode('C3010203', '[5]uint8', five), 'rlp: expected input string or byte for [5]uint8');
  assert.equal(decode('86010203040506', '[5]uint8', five), 'rlp: input string too long for [5]uint8');
  assert.equal(decode('8105', '[1]uint8', one), 'rlp: non-canonical size information for [1]uint8');
  assert.equal(decode('817F', '[1]uint8', one), 'rlp: non-canonical size information for [1]uint8');
  // Go's byte-array decoder passes size-tag errors through without its type.
  assert.equal(decode('B800', '[5]uint8', five), 'rlp: non-canonical size information');
});

test('structs: too few / too many elements, optional tail, field path in errors', () => {
  const fields = [
    { name: 'A', decode: decodeUint64 },
    { name: 'B', decode: decodeByteSlice },
    { name: 'C', decode: decodeUint64, optional: true },
  ];
  const st: RlpDecoder<unknown[]> = (s: RlpStream) => decodeStruct(s, 'rlp.simplestruct', fields);
  assert.deepEqual(decode('C50583343434', 'rlp.simplestruct', st), [5n, utf8('444')]);
  assert.deepEqual(decode('C6058334343407', 'rlp.simplestruct', st), [5n, utf8('444'), 7n]);
  assert.equal(decode('C0', 'rlp.simplestruct', st), 'rlp: too few elements for rlp.simplestruct');
  assert.equal(decode('C105', 'rlp.simplestruct', st), 'rlp: too few elements for rlp.simplestruct');
  assert.equal(decode('83222222', 'rlp.simplestruct', st), 'rlp: expected input list for rlp.simplestruct');
  assert.equal(decode('C401010101', 'rlp.simplestruct', st), 'rlp: input list has too many elements for rlp.simplestruct');
  assert.equal(decode('C3C00101', 'rlp.simplestruct', st), 'rlp: expected input string or byte for uint64, decoding into (rlp.simplestruct).A');
  assert.equal(decode('C3058105', 'rlp.simplestruct', st), 'rlp: non-canonical size information for []uint8, decoding into (rlp.simplestruct).B');
  // An element claiming more than its list holds; a list claiming more than the input holds.
  assert.equal(decode('C205830102', 'rlp.simplestruct', st), 'rlp: element is larger than containing list');
  assert.equal(decode('C8058301', 'rlp.simplestruct', st), 'rlp: value size exceeds available input length');
  assert.equal(decode('C5058334343400', 'rlp.simplestruct', st), 'rlp: input contains more than one value');
});
