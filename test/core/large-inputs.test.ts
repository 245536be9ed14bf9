// Request-sized inputs through the byte helpers (issue 8 item 5): nothing spreads a request-sized array into
// function arguments (engines cap the argument count; V8 throws RangeError "Maximum call stack size exceeded").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interface } from 'ethers';
import { RLP } from '@ethereumjs/rlp';
import { concatAll, concatBytes, fromHex, keccak256, toHex } from '../../core/bytes.ts';
import { renderCall, verifySelector } from '../../core/abi.ts';
import { rlpEncode, RlpStream } from '../../core/rlp.ts';

const N = 300_000;

/** RLP list header for a payload of `len` bytes (≥ 56): 0xf7 + length-of-length, then the big-endian length. */
function listHeader(len: number): Uint8Array {
  const lb: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) lb.unshift(v % 256);
  return Uint8Array.from([0xf7 + lb.length, ...lb]);
}

test('concatAll joins 300,000 parts; concatBytes keeps its argument form', () => {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < N; i++) parts.push(Uint8Array.of(i & 0xff));
  const all = concatAll(parts);
  assert.equal(all.length, N);
  assert.equal(all[N - 1], (N - 1) & 0xff);
  assert.deepEqual(concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3));
});

test('calldata with a uint256[] of 300,000 elements: verified against its selector and rendered', () => {
  const values = Array.from({ length: N }, (_, i) => BigInt(i));
  const calldata = fromHex(new Interface(['function f(uint256[] a)']).encodeFunctionData('f', [values]));
  const call = verifySelector('f(uint256[])', calldata);
  assert.equal(call.signature, 'f(uint256[])');
  const text = new TextDecoder().decode(renderCall(call));
  assert.ok(text.startsWith('f(uint256[]: [0 1 2 3 '), text.slice(0, 40));
  assert.ok(text.endsWith(` ${N - 1}])`), text.slice(-40));
});

test('RLP: a list of 300,000 items encodes as @ethereumjs/rlp encodes each item; a 64 KiB big.Int decodes in one conversion', () => {
  const items = Array.from({ length: N }, (_, i) => BigInt(i));
  // (@ethereumjs/rlp itself overflows the stack on such a list: compare item by item, then the list header)
  const body = concatAll(items.map((i) => RLP.encode(i)));
  const expected = concatBytes(listHeader(body.length), body);
  assert.equal(toHex(keccak256(rlpEncode(items))), toHex(keccak256(expected)));
  const big = new Uint8Array(65536).fill(0xab);
  const s = new RlpStream(rlpEncode(big));
  const v = s.bigInt();
  assert.equal(v.toString(16), 'ab'.repeat(65536));
});
