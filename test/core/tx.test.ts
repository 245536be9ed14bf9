import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'ethers';
import { fromHex, keccak256, toHex } from '../../core/bytes.ts';
import { signDigest } from '../../core/secp256k1.ts';
import type { Json, JsonObject } from '../../core/gojson.ts';
import {
  decodeSendTxArgs,
  encodeSendTxArgs,
  normalizeCalldata,
  selectTxType,
  signTransaction,
  SIDECAR_UNSUPPORTED,
  type SendTxArgs,
} from '../../core/tx.ts';
import { noVectors, readVector } from '../support/vectors.ts';

const KEY = fromHex('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const KEY_ADDR = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const TO = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';
const signer = (priv: Uint8Array) => async (d: Uint8Array) => signDigest(priv, d);

/** external-api.md §6.6 key order of the `tx` object. */
const TX_KEY_ORDER = [
  'type', 'chainId', 'nonce', 'to', 'gas', 'gasPrice', 'maxPriorityFeePerGas', 'maxFeePerGas', 'maxFeePerBlobGas',
  'value', 'input', 'accessList', 'blobVersionedHashes', 'authorizationList', 'v', 'r', 's', 'yParity', 'blobs',
  'commitments', 'proofs', 'hash',
];
const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/;

/** Checks §6.6 key order, presence and encodings for a transaction of the given type. */
function assertTxJsonShape(tx: JsonObject, type: number, creation: boolean): void {
  const keys = Object.keys(tx);
  const order = keys.map((k) => TX_KEY_ORDER.indexOf(k));
  assert.ok(order.every((i) => i >= 0), `unknown key in ${keys}`);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), `key order ${keys}`);
  const expected = ['type', 'chainId', 'nonce', 'to', 'gas', 'gasPrice', 'maxPriorityFeePerGas', 'maxFeePerGas', 'value', 'input', 'v', 'r', 's', 'hash'];
  if (type !== 0) expected.push('accessList', 'yParity');
  if (type === 3) expected.push('maxFeePerBlobGas', 'blobVersionedHashes');
  assert.deepEqual([...keys].sort(), expected.sort());
  assert.equal(tx.type, '0x' + type.toString(16));
  for (const k of ['chainId', 'nonce', 'gas', 'value', 'v', 'r', 's']) assert.match(String(tx[k]), QUANTITY, k);
  const dynamic = type >= 2;
  assert.equal(tx.gasPrice === null, dynamic);
  assert.equal(tx.maxFeePerGas === null, !dynamic);
  assert.equal(tx.maxPriorityFeePerGas === null, !dynamic);
  if (type !== 0) assert.equal(tx.yParity, tx.v);
  if (creation) assert.equal(tx.to, null);
  else assert.match(String(tx.to), /^0x[0-9a-f]{40}$/);
  assert.match(String(tx.input), /^0x([0-9a-f]{2})*$/);
  assert.match(String(tx.hash), /^0x[0-9a-f]{64}$/);
}

test('transactions.json: every vector signs byte-identically, tx JSON per §6.6', { skip: noVectors }, async () => {
  const { vectors } = readVector('signatures/transactions.json');
  assert.ok(vectors.length >= 9);
  for (const v of vectors) {
    const args = decodeSendTxArgs(v.request.params[0]);
    const chainId = BigInt(v.clefConfig.chainId);
    const res = await signTransaction(args, chainId, signer(fromHex(v.signer.privateKey)));
    assert.equal(res.raw, v.expected.raw, v.id);
    assert.equal(res.tx.hash, v.expected.hash, v.id);
    assert.equal(toHex(keccak256(fromHex(res.raw))), v.expected.hash, v.id);
    assert.equal(res.tx.v, v.expected.v, v.id);
    assert.equal(res.tx.r, toQuantityOf(v.expected.r), v.id);
    assert.equal(res.tx.s, toQuantityOf(v.expected.s), v.id);
    assert.equal(res.tx.chainId, '0x' + chainId.toString(16), v.id);
    assertTxJsonShape(res.tx, v.expected.txType, args.to === null);
    if (v.expected.txType !== 0) assert.equal(res.tx.yParity, '0x' + v.expected.yParity, v.id);
    // An independent decoder agrees on every field and the sender.
    const e = Transaction.from(res.raw);
    assert.equal(e.type, v.expected.txType);
    assert.equal(e.from, v.expected.from);
    assert.equal(e.hash, v.expected.hash);
    assert.equal(e.nonce, Number(args.nonce));
    assert.equal(e.gasLimit, args.gas);
    assert.equal(e.value, args.value);
    assert.equal(e.data, toHex(args.data ?? args.input ?? new Uint8Array(0)));
  }
});

/** r/s in the vectors are 32-byte padded; the tx JSON uses minimal quantities. */
function toQuantityOf(hex32: string): string {
  return '0x' + BigInt(hex32).toString(16);
}

test('type selection (§6.3) and field use per type', async () => {
  const base = { from: KEY_ADDR, to: TO, gas: '0x5208', value: '0x1', nonce: '0x0' };
  const cases: [JsonObject, number][] = [
    [{ ...base, gasPrice: '0x1' }, 0],
    [{ ...base, gasPrice: '0x1', accessList: [] }, 1],
    [{ ...base, maxFeePerGas: '0x2', gasPrice: '0x1', accessList: [] }, 2], // gasPrice ignored for type 2
    [{ ...base, maxFeePerGas: '0x2' }, 2],
    [{ ...base, maxFeePerGas: '0x2', blobVersionedHashes: ['0x01' + '00'.repeat(31)] }, 3],
    [{ ...base, accessList: null }, 0], // null = absent
  ];
  for (const [json, type] of cases) {
    const args = decodeSendTxArgs(json);
    assert.equal(selectTxType(args), type, JSON.stringify(json));
    const res = await signTransaction(args, 1n, signer(KEY));
    assertTxJsonShape(res.tx, type, false);
    const e = Transaction.from(res.raw);
    assert.equal(e.type, type);
    assert.equal(e.from, KEY_ADDR);
    assert.equal(e.hash, res.tx.hash);
    if (type === 2) {
      assert.equal(e.maxPriorityFeePerGas, 0n); // absent tip → 0
      assert.equal(res.tx.maxPriorityFeePerGas, '0x0');
      assert.deepEqual(res.tx.accessList, []);
    }
    if (type === 3) {
      assert.equal(res.tx.maxFeePerBlobGas, '0x0');
      assert.deepEqual(res.tx.blobVersionedHashes, ['0x01' + '00'.repeat(31)]);
      assert.deepEqual(e.blobVersionedHashes, ['0x01' + '00'.repeat(31)]);
    }
  }
});

test('legacy: gasPrice absent signs 0; EIP-155 v for large chain ids', async () => {
  const args = decodeSendTxArgs({ from: KEY_ADDR, to: TO, gas: '0x5208', nonce: '0x2' });
  const res = await signTransaction(args, 1337n, signer(KEY));
  assert.equal(res.tx.gasPrice, '0x0');
  assert.equal(res.tx.value, '0x0');
  assert.ok(res.tx.v === '0x' + (2n * 1337n + 35n).toString(16) || res.tx.v === '0x' + (2n * 1337n + 36n).toString(16));
  const e = Transaction.from(res.raw);
  assert.equal(e.chainId, 1337n);
  assert.equal(e.from, KEY_ADDR);
});

test('chain id rules: typed zero id filled in, foreign id fails, legacy ignores it', async () => {
  const typed = decodeSendTxArgs({ from: KEY_ADDR, to: TO, gas: '0x5208', maxFeePerGas: '0x2', maxPriorityFeePerGas: '0x1' });
  const res = await signTransaction(typed, 5n, signer(KEY));
  assert.equal(res.tx.chainId, '0x5');
  assert.equal(Transaction.from(res.raw).chainId, 5n);
  const foreign = decodeSendTxArgs({ from: KEY_ADDR, to: TO, gas: '0x5208', maxFeePerGas: '0x2', chainId: '0x7' });
  let signed = false;
  await assert.rejects(
    signTransaction(foreign, 5n, async (d) => {
      signed = true;
      return signDigest(KEY, d);
    }),
    { message: 'invalid chain id for signer: have 7 want 5', code: -32000 },
  );
  assert.equal(signed, false);
  const legacy = decodeSendTxArgs({ from: KEY_ADDR, to: TO, gas: '0x5208', gasPrice: '0x1', chainId: '0x7' });
  assert.equal(Transaction.from((await signTransaction(legacy, 5n, signer(KEY))).raw).chainId, 5n);
});

test('blob transactions: recipient required; sidecars are refused after clef\'s structural checks', async () => {
  const hash = '0x01' + 'ab'.repeat(31);
  const noTo = decodeSendTxArgs({ from: KEY_ADDR, gas: '0x5208', maxFeePerGas: '0x2', blobVersionedHashes: [hash] });
  await assert.rejects(signTransaction(noTo, 1n, signer(KEY)), { message: 'transaction recipient must be set for blob transactions', code: -32000 });
  const blob = '0x' + '00'.repeat(131072);
  const c48 = '0x' + '11'.repeat(48);
  const base = { from: KEY_ADDR, to: TO, gas: '0x5208', maxFeePerGas: '0x2' };
  const cases: [JsonObject, string][] = [
    [{ ...base, blobs: [blob], proofs: [c48] }, 'blob proofs provided while commitments were not'],
    [{ ...base, blobs: [blob], commitments: [c48] }, 'blob commitments provided while proofs were not'],
    [{ ...base, blobs: [blob], commitments: [c48, c48], proofs: [c48] }, 'number of blobs and commitments mismatch (have=2, want=1)'],
    [{ ...base, blobs: [blob], blobVersionedHashes: [hash, hash] }, 'number of blobs and hashes mismatch (have=2, want=1)'],
    [{ ...base, blobs: [blob], commitments: [c48], proofs: [c48, c48] }, 'number of proofs and blobs mismatch (have=2, want=1 or 128)'],
    [{ ...base, blobs: [blob] }, SIDECAR_UNSUPPORTED],
    [{ ...base, blobs: [blob], commitments: [c48], proofs: [c48] }, SIDECAR_UNSUPPORTED],
  ];
  for (const [json, message] of cases) {
    await assert.rejects(signTransaction(decodeSendTxArgs(json), 1n, signer(KEY)), { message, code: -32000 }, message);
  }
});

test('access list, contract creation and input/data preference', async () => {
  const key = '0x' + '00'.repeat(31) + '07';
  const args = decodeSendTxArgs({
    from: KEY_ADDR,
    gas: '0x10000',
    gasPrice: '0x1',
    input: '0x6001',
    accessList: [{ address: TO, storageKeys: [key] }],
  });
  const res = await signTransaction(args, 1n, signer(KEY));
  assertTxJsonShape(res.tx, 1, true);
  assert.deepEqual(res.tx.accessList, [{ address: TO.toLowerCase(), storageKeys: [key] }]);
  assert.equal(res.tx.input, '0x6001');
  const e = Transaction.from(res.raw);
  assert.equal(e.to, null);
  assert.equal(e.accessList?.[0].address, TO);
  assert.deepEqual(e.accessList?.[0].storageKeys, [key]);
  // input wins over an identical data; signing uses input when both are present
  const both = decodeSendTxArgs({ from: KEY_ADDR, to: TO, gas: '0x1', gasPrice: '0x1', data: '0xaa', input: '0xbb' });
  assert.equal((await signTransaction(both, 1n, signer(KEY))).tx.input, '0xbb');
});

// ---------------------------------------------------------------------------------------------------------
// Decoding (§3.1, §6.1)
// ---------------------------------------------------------------------------------------------------------

const decodeError = (v: Json) => {
  try {
    decodeSendTxArgs(v);
  } catch (e) {
    return (e as Error).message;
  }
  return null;
};

test('decode: quantities follow hexutil (leading zeros, "", 0X, ranges, non-strings)', () => {
  const f = (gas: Json) => decodeError({ gas });
  assert.equal(decodeSendTxArgs({ gas: '0x0' }).gas, 0n);
  assert.equal(decodeSendTxArgs({ gas: '' }).gas, 0n); // clef quirk: "" means 0
  assert.equal(decodeSendTxArgs({ gas: '0XFF' }).gas, 255n);
  assert.equal(decodeSendTxArgs({ gas: '0xffffffffffffffff' }).gas, (1n << 64n) - 1n);
  const T = 'into Go struct field SendTxArgs.gas of type hexutil.Uint64';
  assert.equal(f('0x01'), `json: cannot unmarshal hex number with leading zero digits ${T}`);
  assert.equal(f('0x'), `json: cannot unmarshal hex string "0x" ${T}`);
  assert.equal(f('5208'), `json: cannot unmarshal hex string without 0x prefix ${T}`);
  assert.equal(f('0x10000000000000000'), `json: cannot unmarshal hex number > 64 bits ${T}`);
  assert.equal(f('0xzz'), `json: cannot unmarshal invalid hex string ${T}`);
  assert.equal(f(21000), `json: cannot unmarshal non-string ${T}`);
  assert.equal(f(null), `json: cannot unmarshal non-string ${T}`);
  assert.equal(decodeError({ nonce: null }), 'json: cannot unmarshal non-string into Go struct field SendTxArgs.nonce of type hexutil.Uint64');
  assert.equal(decodeError({ value: null }), 'json: cannot unmarshal non-string into Go struct field SendTxArgs.value of type *hexutil.Big');
  assert.equal(decodeSendTxArgs({ value: '0x' + 'f'.repeat(64) }).value, (1n << 256n) - 1n);
  assert.equal(decodeError({ value: '0x1' + '0'.repeat(64) }), 'json: cannot unmarshal hex number > 256 bits into Go struct field SendTxArgs.value of type *hexutil.Big');
  assert.equal(decodeError({ gasPrice: '0x00' }), 'json: cannot unmarshal hex number with leading zero digits into Go struct field SendTxArgs.gasPrice of type *hexutil.Big');
});

test('decode: null vs absent per field', () => {
  const absent = decodeSendTxArgs({});
  assert.equal(absent.to, null);
  assert.equal(absent.from.toJSON(), '0x');
  assert.equal(absent.from.address, '0x' + '00'.repeat(20));
  const nulls = decodeSendTxArgs({
    to: null, gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null, data: null, input: null,
    accessList: null, chainId: null, maxFeePerBlobGas: null, blobVersionedHashes: null, blobVersion: null,
    blobs: null, commitments: null, proofs: null,
  });
  for (const k of ['gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas', 'data', 'input', 'accessList', 'chainId', 'maxFeePerBlobGas', 'blobVersionedHashes', 'blobVersion', 'blobs', 'commitments', 'proofs'] as const) {
    assert.equal(nulls[k], undefined, k);
  }
  assert.equal(nulls.to, null);
  assert.equal(decodeError({ from: null }), 'json: cannot unmarshal non-string into Go struct field SendTxArgs.from of type common.Address');
  assert.deepEqual(decodeSendTxArgs({ blobVersionedHashes: [] }).blobVersionedHashes, []); // non-nil: selects type 3
  assert.equal(decodeSendTxArgs(null).gas, 0n); // explicit null argument = zero transaction
});

test('decode: addresses, bytes and data/input', () => {
  assert.equal(decodeError({ to: '0x' }), 'hex string has length 0, want 40 for common.Address');
  assert.equal(decodeError({ to: '' }), 'hex string has length 0, want 40 for common.Address');
  assert.equal(decodeError({ to: '0x' + '11'.repeat(19) }), 'hex string has length 38, want 40 for common.Address');
  assert.equal(decodeError({ from: '8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192' }), 'json: cannot unmarshal hex string without 0x prefix into Go struct field SendTxArgs.from of type common.Address');
  const upper = decodeSendTxArgs({ to: '0X8A8EAFB1CF62BFBEB1741769DAE1A9DD47996192' });
  assert.equal(upper.to?.address, TO.toLowerCase());
  assert.equal(upper.to?.validChecksum(), false);
  assert.equal(decodeError({ data: '0x123' }), 'json: cannot unmarshal hex string of odd length into Go struct field SendTxArgs.data of type hexutil.Bytes');
  assert.equal(decodeError({ input: 'abcd' }), 'json: cannot unmarshal hex string without 0x prefix into Go struct field SendTxArgs.input of type hexutil.Bytes');
  assert.deepEqual(decodeSendTxArgs({ data: '' }).data, new Uint8Array(0));
  assert.deepEqual(decodeSendTxArgs({ data: '0X0A' }).data, Uint8Array.of(10));
  // normalizeCalldata: identical → input moved to data; different → hard error
  const same = normalizeCalldata(decodeSendTxArgs({ data: '0x01', input: '0x01' }));
  assert.deepEqual([same.data, same.input], [Uint8Array.of(1), undefined]);
  const onlyInput = normalizeCalldata(decodeSendTxArgs({ input: '0x02' }));
  assert.deepEqual([onlyInput.data, onlyInput.input], [Uint8Array.of(2), undefined]);
  assert.throws(() => normalizeCalldata(decodeSendTxArgs({ data: '0x01', input: '0x02' })), {
    message: 'ambiguous request: both "data" and "input" are set and are not identical',
    code: -32000,
  });
});

test('decode: unknown keys ignored, names case-insensitive, last key wins', () => {
  const a = decodeSendTxArgs({ type: '0x2', authorizationList: [], GAS: '0x5', Nonce: '0x6', MAXFEEPERGAS: '0x7', foo: { x: 1 } });
  assert.equal(a.gas, 5n);
  assert.equal(a.nonce, 6n);
  assert.equal(a.maxFeePerGas, 7n);
  assert.equal(decodeSendTxArgs({ gas: '0x1', Gas: '0x2' }).gas, 2n);
  assert.equal(decodeError('x'), 'json: cannot unmarshal string into Go value of type apitypes.SendTxArgs');
  assert.equal(decodeError([1]), 'json: cannot unmarshal array into Go value of type apitypes.SendTxArgs');
});

test('decode: access lists, hashes and blob fields', () => {
  assert.equal(decodeError({ accessList: [{ storageKeys: [] }] }), "missing required field 'address' for AccessTuple");
  assert.equal(decodeError({ accessList: [{ address: TO }] }), "missing required field 'storageKeys' for AccessTuple");
  assert.equal(decodeError({ accessList: [{ address: TO, storageKeys: null }] }), "missing required field 'storageKeys' for AccessTuple");
  assert.equal(decodeError({ accessList: [null] }), "missing required field 'address' for AccessTuple");
  assert.equal(decodeError({ accessList: 'x' }), 'json: cannot unmarshal string into Go struct field SendTxArgs.accessList of type types.AccessList');
  assert.equal(decodeError({ accessList: [{ address: TO, storageKeys: ['0x01'] }] }), 'hex string has length 2, want 64 for common.Hash');
  assert.equal(
    decodeError({ accessList: [{ address: 5, storageKeys: [] }] }),
    'json: cannot unmarshal non-string into Go struct field SendTxArgs.accessList.address of type common.Address',
  );
  const al = decodeSendTxArgs({ accessList: [{ Address: TO, storageKeys: [] }] }).accessList;
  assert.deepEqual(al, [{ address: TO.toLowerCase(), storageKeys: [] }]);
  assert.equal(decodeError({ blobVersionedHashes: ['0x00'] }), 'hex string has length 2, want 64 for common.Hash');
  assert.equal(decodeError({ blobVersionedHashes: 'x' }), 'json: cannot unmarshal string into Go struct field SendTxArgs.blobVersionedHashes of type []common.Hash');
  assert.equal(decodeError({ commitments: ['0x00'] }), 'hex string has length 2, want 96 for kzg4844.Commitment');
  assert.equal(decodeSendTxArgs({ blobVersion: 1 }).blobVersion, 1);
  assert.equal(decodeError({ blobVersion: 256 }), 'json: cannot unmarshal number 256 into Go struct field SendTxArgs.blobVersion of type uint8');
  assert.equal(decodeError({ blobVersion: '1' }), 'json: cannot unmarshal string into Go struct field SendTxArgs.blobVersion of type uint8');
  // a hex decoding error ends decoding at once and wins over an earlier plain type mismatch
  assert.equal(decodeError({ blobVersion: '1', gas: '0x01' }), 'json: cannot unmarshal hex number with leading zero digits into Go struct field SendTxArgs.gas of type hexutil.Uint64');
});

// ---------------------------------------------------------------------------------------------------------
// Encoding towards the UI (ui-api.md §3.2)
// ---------------------------------------------------------------------------------------------------------

test('encodeSendTxArgs: clef key order, presence and original address text', () => {
  const minimal = encodeSendTxArgs(decodeSendTxArgs({ nonce: '0x0', to: null }));
  assert.equal(
    JSON.stringify(minimal),
    '{"from":"0x","to":null,"gas":"0x0","gasPrice":null,"maxFeePerGas":null,"maxPriorityFeePerGas":null,"value":"0x0","nonce":"0x0"}',
  );
  const full: SendTxArgs = normalizeCalldata(
    decodeSendTxArgs({
      proofs: null,
      chainId: '0x1',
      input: '0x01',
      accessList: [{ address: TO, storageKeys: ['0x' + '00'.repeat(32)] }],
      from: '0X8a8eafb1cf62bfbeb1741769dae1a9dd47996192',
      to: TO,
      maxFeePerBlobGas: '0x3',
      blobVersionedHashes: ['0x01' + '00'.repeat(31)],
      blobVersion: 1,
      gasPrice: '0x9',
      value: '0xde0b6b3a7640000',
      gas: '0x5208',
    }),
  );
  assert.equal(
    JSON.stringify(encodeSendTxArgs(full)),
    '{"from":"0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192","to":"0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","gas":"0x5208",' +
      '"gasPrice":"0x9","maxFeePerGas":null,"maxPriorityFeePerGas":null,"value":"0xde0b6b3a7640000","nonce":"0x0","data":"0x01",' +
      `"accessList":[{"address":"${TO.toLowerCase()}","storageKeys":["0x${'00'.repeat(32)}"]}],"chainId":"0x1","maxFeePerBlobGas":"0x3",` +
      `"blobVersionedHashes":["0x01${'00'.repeat(31)}"],"blobVersion":1}`,
  );
  // empty hash list and zero blobVersion are omitted (Go omitempty); the UI's echo decodes to the same args
  const round = decodeSendTxArgs(encodeSendTxArgs(full));
  assert.deepEqual(encodeSendTxArgs(round), encodeSendTxArgs(full));
  assert.equal('blobVersionedHashes' in encodeSendTxArgs(decodeSendTxArgs({ blobVersionedHashes: [] })), false);
  // geth's own SendTxArgs example (external-api.md §10.3) decodes and re-encodes losslessly
  const geth = {
    from: TO, to: TO, gas: '0x5208', gasPrice: null, maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00',
    value: '0x0', nonce: '0x1', input: '0x', accessList: [], chainId: '0x1',
  };
  const enc = encodeSendTxArgs(normalizeCalldata(decodeSendTxArgs(geth)));
  assert.equal(
    JSON.stringify(enc),
    `{"from":"${TO}","to":"${TO}","gas":"0x5208","gasPrice":null,"maxFeePerGas":"0x77359400","maxPriorityFeePerGas":"0x3b9aca00","value":"0x0","nonce":"0x1","data":"0x","accessList":[],"chainId":"0x1"}`,
  );
});
