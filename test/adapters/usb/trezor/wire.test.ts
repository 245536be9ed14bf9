// Known answers for the Trezor protobuf primitives, the ?## framing and the message codecs. Expected bytes are
// worked out by hand from the protobuf encoding guide (varint groups of 7 bits, key = field << 3 | wire type)
// and trezor-firmware's protocol.md / .proto field numbers — not produced by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoReader, ProtoWriter, ProtobufError, decodeVarint, encodeVarint } from '../../../../adapters/usb/trezor/protobuf.ts';
import { FramingError, MessageAssembler, MessageType, frameMessage, readMessage, writeMessage } from '../../../../adapters/usb/trezor/wire.ts';
import {
  decodeEthereumTxRequest,
  decodeFailure,
  decodeFeatures,
  encodeEthereumGetAddress,
  encodeEthereumSignTx,
  encodeEthereumSignTxEIP1559,
  encodeEthereumSignTypedHash,
  encodeEthereumTxAck,
  encodeInitialize,
  encodePinMatrixAck,
} from '../../../../adapters/usb/trezor/messages.ts';

const hex = (s: string) => Uint8Array.from((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const ascii = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
const H = 0x80000000;
const PATH0 = [44 + H, 60 + H, 0 + H, 0, 0];
/** m/44'/60'/0'/0/0 as repeated field 1: 44' = 0x8000002c → groups 2c,00,00,00,08 → ac 80 80 80 08 … */
const PATH0_PB = '08 ac80808008  08 bc80808008  08 8080808008  08 00  08 00';

test('varints: protobuf guide examples and the 64-bit edge', () => {
  assert.deepEqual(encodeVarint(0), hex('00'));
  assert.deepEqual(encodeVarint(1), hex('01'));
  assert.deepEqual(encodeVarint(127), hex('7f'));
  assert.deepEqual(encodeVarint(128), hex('8001'));
  assert.deepEqual(encodeVarint(150), hex('9601')); // the guide's own example
  assert.deepEqual(encodeVarint(300), hex('ac02'));
  assert.deepEqual(encodeVarint((1n << 64n) - 1n), hex('ffffffffffffffffff01'));
  assert.throws(() => encodeVarint(1n << 64n), ProtobufError);
  assert.throws(() => encodeVarint(-1), ProtobufError);
  assert.deepEqual(decodeVarint(hex('ac02ff'), 0), [300n, 2]);
  assert.throws(() => decodeVarint(hex('8080'), 0), /truncated/);
  assert.throws(() => decodeVarint(hex('ffffffffffffffffffff01'), 0), /longer than 10 bytes/);
  assert.throws(() => decodeVarint(hex('ffffffffffffffffff7f'), 0), /overflows 64 bits/);
});

test('ProtoWriter/ProtoReader: fields, packed repeated, skipped fixed fields, malformed input', () => {
  // field 1 varint 150 (the guide's "08 96 01"), field 2 string "testing" ("12 07 74 65 73 74 69 6e 67").
  const w = new ProtoWriter().uint(1, 150).string(2, 'testing').finish();
  assert.deepEqual(w, hex('089601 1207' + ascii('testing')));
  const r = new ProtoReader(w);
  assert.equal(r.uint32(1), 150);
  assert.equal(r.string(2), 'testing');
  assert.equal(r.bytes(3), undefined);
  assert.throws(() => r.bytes(1), /not length-delimited/);
  // Packed repeated uint32 (field 4, "22 06 03 8e 02 9e a7 05" = [3, 270, 86942]) and unpacked mixed.
  assert.deepEqual(new ProtoReader(hex('2206038e029ea705 2001')).repeatedUint32(4), [3, 270, 86942, 1]);
  // fixed32 (wire type 5) and fixed64 (1) fields are skipped.
  const skipped = new ProtoReader(hex('0d 01020304  11 0102030405060708  08 18  08 07'));
  assert.equal(skipped.uint32(1), 7); // last occurrence wins
  assert.equal(skipped.has(2), false);
  assert.throws(() => new ProtoReader(hex('0a05 0102')), /runs past the end/);
  assert.throws(() => new ProtoReader(hex('0b')), /unsupported wire type 3/);
  assert.throws(() => new ProtoReader(hex('12 02 c3 28')).string(2), /not valid UTF-8/);
  assert.throws(() => new ProtoReader(hex('08 8080808010')).uint32(1), /exceeds uint32/);
});

test('framing: Initialize is one report "?##" 0000 00000000 and zero padding', () => {
  const packets = frameMessage(MessageType.Initialize, encodeInitialize());
  assert.equal(packets.length, 1);
  const want = new Uint8Array(64);
  want.set(hex('3f2323 0000 00000000'));
  assert.deepEqual(packets[0], want);
});

test('framing: EthereumGetAddress for m/44\'/60\'/0\'/0/0 (type 56, 22 payload bytes)', () => {
  const payload = encodeEthereumGetAddress(PATH0);
  assert.deepEqual(payload, hex(PATH0_PB));
  const [p] = frameMessage(MessageType.EthereumGetAddress, payload);
  const want = new Uint8Array(64);
  want.set(hex('3f2323 0038 00000016' + PATH0_PB));
  assert.deepEqual(p, want);
});

test('framing: continuation reports start with "?" and carry 63 bytes; the assembler restores the message', () => {
  const chunk = Uint8Array.from({ length: 200 }, (_, i) => i);
  const payload = encodeEthereumTxAck(chunk); // 0a c8 01 ‖ 200 bytes = 203 bytes
  assert.deepEqual(payload.subarray(0, 3), hex('0ac801'));
  const packets = frameMessage(MessageType.EthereumTxAck, payload);
  // 9 + 203 = 212 bytes: 64 in the first report, then 63 + 63 + 22.
  assert.equal(packets.length, 4);
  assert.deepEqual(packets[0].subarray(0, 9), hex('3f2323 003c 000000cb'));
  assert.deepEqual(packets[0].subarray(9, 12), hex('0ac801'));
  assert.deepEqual(packets[0].subarray(12), chunk.subarray(0, 52));
  for (const p of packets.slice(1)) assert.equal(p[0], 0x3f);
  assert.deepEqual(packets[1].subarray(1), chunk.subarray(52, 115));
  assert.deepEqual(packets[3].subarray(1, 23), chunk.subarray(178, 200));
  assert.deepEqual(packets[3].subarray(23), new Uint8Array(41)); // zero padding
  const asm = new MessageAssembler();
  const got = packets.map((p) => asm.push(p));
  assert.deepEqual(got.slice(0, 3), [null, null, null]);
  assert.equal(got[3]?.type, MessageType.EthereumTxAck);
  assert.deepEqual(got[3]?.payload, payload);
});

test('framing: bad reports and oversized lengths are refused', () => {
  const asm = new MessageAssembler();
  assert.throws(() => asm.push(new Uint8Array(64)), FramingError);
  assert.throws(() => asm.push(hex('3f2424 0000 00000000')), /"\?##"/);
  assert.throws(() => asm.push(hex('3f2323 0000 7fffffff')), /too large/);
});

test('writeMessage/readMessage move whole messages over a pipe', async () => {
  const reports: Uint8Array[] = [];
  const pipe = { write: async (p: Uint8Array) => void reports.push(p), read: async () => reports.shift() ?? Promise.reject(new Error('empty')) };
  const payload = new Uint8Array(300).fill(7);
  await writeMessage(pipe, 1234, payload);
  assert.equal(reports.length, 5); // 9 + 300 = 309 bytes: 64 + 4×63 = 316 ≥ 309 > 64 + 3×63
  const msg = await readMessage(pipe);
  assert.equal(msg.type, 1234);
  assert.deepEqual(msg.payload, payload);
});

test('EthereumSignTx: legacy transfer of 1 ether at 20 gwei on chain 1', () => {
  const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const got = encodeEthereumSignTx({ addressN: PATH0, nonce: 0n, gasPrice: 20_000_000_000n, gasLimit: 21000n, to, value: 10n ** 18n, data: new Uint8Array(0), chainId: 1n });
  const want =
    PATH0_PB +
    '12 00' + // nonce 0 = empty bytes
    '1a 05 04a817c800' + // gas_price 20e9 = 0x04a817c800
    '22 02 5208' + // gas_limit 21000
    '5a 2a' + ascii(to) + // to: field 11, wire type 2 → key 0x5a, 42 chars
    '32 08 0de0b6b3a7640000' + // value 1e18
    '48 01'; // chain_id 1 (field 9 varint)
  assert.deepEqual(got, hex(want));
});

test('EthereumSignTx: data over 1024 bytes sends the first 1024 and the total length', () => {
  const data = new Uint8Array(1500).fill(0xab);
  const got = new ProtoReader(encodeEthereumSignTx({ addressN: PATH0, nonce: 1n, gasPrice: 1n, gasLimit: 100000n, to: '', value: 0n, data, chainId: 1337802n }));
  assert.equal(got.bytes(7)?.length, 1024);
  assert.equal(got.uint32(8), 1500);
  assert.equal(got.uint64(9), 1337802n);
  assert.equal(got.has(11), false); // contract creation: no `to`
  assert.throws(() => encodeEthereumSignTx({ addressN: PATH0, nonce: 0n, gasPrice: 1n, gasLimit: 1n, to: '', value: 0n, data, chainId: 0n }), /chain id 0/);
  assert.throws(() => encodeEthereumSignTx({ addressN: PATH0, nonce: 0n, gasPrice: 1n, gasLimit: 1n, to: '', value: 0n, data, chainId: 1n << 64n }), /chain id/);
});

test('EthereumSignTxEIP1559: field numbers 2–11, access list as embedded messages', () => {
  const addr = '0x000000000000000000000000000000000000dEaD';
  const got = encodeEthereumSignTxEIP1559({
    addressN: [44 + H],
    nonce: 5n,
    maxFeePerGas: 2n,
    maxPriorityFeePerGas: 1n,
    gasLimit: 21000n,
    to: addr,
    value: 0n,
    data: hex('beef'),
    chainId: 10n,
    accessList: [{ address: addr, storageKeys: [new Uint8Array(32)] }],
  });
  const entry = '0a 2a' + ascii(addr) + '12 20' + '00'.repeat(32); // 2 + 42 + 2 + 32 = 78 = 0x4e
  const want =
    '08 ac80808008' +
    '12 01 05' + // nonce
    '1a 01 02' + // max_gas_fee
    '22 01 01' + // max_priority_fee
    '2a 02 5208' + // gas_limit (field 5)
    '32 2a' + ascii(addr) + // to (field 6)
    '3a 00' + // value 0 (field 7, required)
    '42 02 beef' + // data_initial_chunk (field 8)
    '48 02' + // data_length 2 (field 9)
    '50 0a' + // chain_id 10 (field 10)
    '5a 4e' + entry; // access_list (field 11)
  assert.deepEqual(got, hex(want));
});

test('EthereumSignTypedHash with and without a message hash; PinMatrixAck', () => {
  const d = new Uint8Array(32).fill(1);
  const m = new Uint8Array(32).fill(2);
  assert.deepEqual(encodeEthereumSignTypedHash([0], d, m), hex('0800 1220' + '01'.repeat(32) + '1a20' + '02'.repeat(32)));
  assert.deepEqual(encodeEthereumSignTypedHash([0], d, null), hex('0800 1220' + '01'.repeat(32)));
  assert.deepEqual(encodePinMatrixAck('1597'), hex('0a04' + ascii('1597')));
});

test('replies: Failure, EthereumTxRequest and Features decode', () => {
  const msg = 'Action cancelled by user'; // 24 bytes
  assert.deepEqual(decodeFailure(hex('0804 1218' + ascii(msg))), { code: 4, message: msg });
  assert.deepEqual(decodeEthereumTxRequest(hex('088008')), { dataLength: 1024 });
  const sig = decodeEthereumTxRequest(hex('1025 1a01aa 2202bbcc')); // v 37, r aa, s bbcc
  assert.equal(sig.signatureV, 37);
  assert.deepEqual(sig.signatureR, hex('aa'));
  assert.deepEqual(sig.signatureS, hex('bbcc'));
  // vendor "trezor.io", 1.12.1, pin_protection, initialized, model "1"
  const f = decodeFeatures(hex('0a09' + ascii('trezor.io') + '1001 180c 2001 3801 6001 aa0101' + ascii('1')));
  assert.equal(f.vendor, 'trezor.io');
  assert.deepEqual([f.majorVersion, f.minorVersion, f.patchVersion], [1, 12, 1]);
  assert.equal(f.pinProtection, true);
  assert.equal(f.passphraseProtection, false);
  assert.equal(f.initialized, true);
  assert.equal(f.model, '1');
});
