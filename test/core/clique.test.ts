import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, fromHex, toHex } from '../../core/bytes.ts';
import {
  cliqueRlp,
  cliqueSealHash,
  cliqueSealPayload,
  cliqueSigner,
  decodeCliqueHeader,
  encodeHeader,
  headerHash,
  type Header,
} from '../../core/clique.ts';
import { SignerError } from '../../core/errors.ts';
import { rlpEncode, type RlpItem } from '../../core/rlp.ts';
import { addressOfPrivateKey, signDigest } from '../../core/secp256k1.ts';
import { makeCliqueChain } from '../support/clique-chain.ts';
import { noVectors, readVector } from '../support/vectors.ts';
import { selfTestCliqueHeader } from '../../adapters/ui/stdio-selftest.ts';

interface CliqueVector {
  id: string;
  input: { rlpHex: string; base64: string };
  decodedFieldCount: number;
  decodedHeader: Record<string, string>;
  expected: {
    outcome: 'ok' | 'error';
    sealHash?: string;
    headerHashWithZeroSeal?: string;
    message?: { name: string; type: string; value: string };
    rawDataBase64?: string;
    signature?: string;
    sealedHeaderHash?: string;
  };
  signer?: { privateKey: string; address: string };
}

const vectors = (): CliqueVector[] => readVector<{ vectors: CliqueVector[] }>('clique/headers.json').vectors;

const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

test('every clique vector: decode, seal payload, message, signature', { skip: noVectors }, () => {
  let ok = 0;
  let rejected = 0;
  for (const v of vectors()) {
    const input = fromHex(v.input.rlpHex);
    const header = decodeCliqueHeader(input);
    assert.equal(toHex(header.parentHash), v.decodedHeader.parentHash, v.id);
    assert.equal(BigInt(header.number), BigInt(v.decodedHeader.number), v.id);
    assert.equal(toHex(header.extra), v.decodedHeader.extraData, v.id);
    assert.equal(toHex(encodeHeader(header)), v.input.rlpHex, `${v.id}: re-encoding is canonical`);
    if (v.expected.outcome === 'error') {
      assert.throws(
        () => cliqueSealPayload(header),
        (e: unknown) => e instanceof SignerError && e.code === -32000 && /post-Shanghai fields \(withdrawalsRoot\)/.test(e.message),
        v.id,
      );
      rejected++;
      continue;
    }
    const p = cliqueSealPayload(header);
    assert.equal(toHex(p.sealHash), v.expected.sealHash, v.id);
    assert.equal(base64(p.rawData), v.expected.rawDataBase64, v.id);
    assert.equal(toHex(p.rawData), v.input.rlpHex, `${v.id}: raw_data equals the canonical input`);
    assert.equal(p.message, v.expected.message!.value, v.id);
    assert.ok(p.message.includes(v.expected.headerHashWithZeroSeal!), v.id);
    if (v.signer) {
      const key = fromHex(v.signer.privateKey);
      const sig = signDigest(key, p.sealHash);
      assert.equal(toHex(sig), v.expected.signature, `${v.id}: signature (V 0/1)`);
      const sealed: Header = { ...header, extra: concatBytes(header.extra, sig) };
      assert.equal(toHex(headerHash(sealed)), v.expected.sealedHeaderHash, `${v.id}: sealed block hash`);
      assert.equal(cliqueSigner(sealed), v.signer.address.toLowerCase(), `${v.id}: sealer recovered`);
      assert.equal(toHex(cliqueSealHash(sealed)), v.expected.sealHash, v.id);
    }
    ok++;
  }
  assert.equal(ok, 5);
  assert.equal(rejected, 1);
});


test('the --stdio-ui-test clique header (ui-api §6)', () => {
  const h = selfTestCliqueHeader();
  assert.equal(h.extra.length, 91);
  const rlp = encodeHeader(h);
  const p = cliqueSealPayload(decodeCliqueHeader(rlp));
  assert.equal(p.rawData.length, 598);
  assert.deepEqual(p.rawData, rlp);
  assert.equal(toHex(p.sealHash), '0x44381ab449d77774874aca34634cb53bc21bd22aef2d3d4cf40e51176cb585ec');
  assert.equal(p.message, 'clique header 1337 [0x4cd2675fe9fdb3cdaabb286c8f3ceffcff184c4dfc44f169ad9de9362fcc8117]');
});

// --- strict decoding: go-ethereum's rlp messages ---------------------------------------------------------

/** The header's 15 (+ optional) RLP items, individually replaceable with raw encodings. */
function items(h: Header): Uint8Array[] {
  const full: RlpItem[] = [
    h.parentHash, h.uncleHash, h.coinbase, h.root, h.txHash, h.receiptHash, h.bloom, h.difficulty, h.number,
    h.gasLimit, h.gasUsed, h.time, h.extra, h.mixDigest, h.nonce,
  ];
  return full.map((x) => rlpEncode(x));
}

/** A list made of already-encoded elements (lets a test plant non-canonical bytes). */
function list(elems: Uint8Array[]): Uint8Array {
  const body = concatBytes(...elems);
  const inner = rlpEncode(body); // string header of the same length; swap 0x80-range for 0xc0-range
  const out = inner.slice();
  out[0] += 0x40;
  return out;
}

function decodeError(rlp: Uint8Array): string {
  try {
    decodeCliqueHeader(rlp);
  } catch (e) {
    assert.ok(e instanceof SignerError && e.code === -32000, 'SignerError -32000');
    return e.message;
  }
  return '<no error>';
}

const hash32 = new Uint8Array(32);
const IDX = { parentHash: 0, coinbase: 2, bloom: 6, difficulty: 7, number: 8, gasLimit: 9, time: 11, extra: 12, nonce: 14 };
const withItem = (i: number, raw: Uint8Array, extra: Uint8Array[] = []) => {
  const it = items(selfTestCliqueHeader());
  it[i] = raw;
  return list([...it, ...extra]);
};

test('header decoding errors carry go-ethereum rlp texts', () => {
  const good = encodeHeader(selfTestCliqueHeader());
  assert.equal(list(items(selfTestCliqueHeader())).length, good.length);
  assert.deepEqual(list(items(selfTestCliqueHeader())), good);
  const at = (field: string) => `, decoding into (types.Header).${field}`;
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(0), 'EOF'],
    [fromHex('c0'), 'rlp: too few elements for types.Header'],
    [list(items(selfTestCliqueHeader()).slice(0, 14)), 'rlp: too few elements for types.Header'],
    [fromHex('80'), 'rlp: expected input list for types.Header'],
    [concatBytes(good, Uint8Array.of(0)), 'rlp: input contains more than one value'],
    [good.subarray(0, good.length - 1), 'rlp: value size exceeds available input length'],
    [withItem(IDX.parentHash, rlpEncode(new Uint8Array(31))), 'rlp: input string too short for common.Hash' + at('ParentHash')],
    [withItem(IDX.coinbase, rlpEncode(new Uint8Array(21))), 'rlp: input string too long for common.Address' + at('Coinbase')],
    [withItem(IDX.bloom, rlpEncode(new Uint8Array(255))), 'rlp: input string too short for types.Bloom' + at('Bloom')],
    [withItem(IDX.nonce, rlpEncode(new Uint8Array(9))), 'rlp: input string too long for types.BlockNonce' + at('Nonce')],
    [withItem(IDX.nonce, rlpEncode([])), 'rlp: expected input string or byte for types.BlockNonce' + at('Nonce')],
    [withItem(IDX.difficulty, rlpEncode(Uint8Array.of(0, 2))), 'rlp: non-canonical integer (leading zero bytes) for *big.Int' + at('Difficulty')],
    [withItem(IDX.number, rlpEncode([])), 'rlp: expected input string or byte for *big.Int' + at('Number')],
    [withItem(IDX.gasLimit, rlpEncode(2n ** 64n)), 'rlp: input string too long for uint64' + at('GasLimit')],
    [withItem(IDX.time, Uint8Array.of(0)), 'rlp: non-canonical integer (leading zero bytes) for uint64' + at('Time')],
    [withItem(IDX.time, Uint8Array.of(0x81, 0x05)), 'rlp: non-canonical size information for uint64' + at('Time')],
    [withItem(IDX.extra, Uint8Array.of(0x81, 0x05)), 'rlp: non-canonical size information for []uint8' + at('Extra')],
    // A long-form size with a leading zero on a fixed-size array: Go reports it without type or path.
    [withItem(IDX.bloom, concatBytes(Uint8Array.of(0xba, 0x00, 0x01, 0x00), new Uint8Array(256))), 'rlp: non-canonical size information'],
    [withItem(IDX.bloom, Uint8Array.of(0xb9, 0x01, 0x00)), 'rlp: element is larger than containing list'],
    // Optional fields: canonical forms and fixed sizes are enforced too.
    [withItem(IDX.time, rlpEncode(1338n), [rlpEncode(Uint8Array.of(0, 7))]), 'rlp: non-canonical integer (leading zero bytes) for *big.Int' + at('BaseFee')],
    [withItem(IDX.time, rlpEncode(1338n), [rlpEncode(7n), rlpEncode(new Uint8Array(20))]), 'rlp: input string too short for common.Hash' + at('WithdrawalsHash')],
    [withItem(IDX.time, rlpEncode(1338n), [rlpEncode(7n), rlpEncode(new Uint8Array(32)), Uint8Array.of(0)]), 'rlp: non-canonical integer (leading zero bytes) for uint64' + at('BlobGasUsed')],
    [
      withItem(IDX.time, rlpEncode(1338n), [7n, hash32, 1n, 1n, hash32, hash32, hash32, 1n, 1n].map((x) => rlpEncode(x))),
      'rlp: input list has too many elements for types.Header',
    ],
  ];
  for (const [input, want] of cases) assert.equal(decodeError(input), want, want);
});

test('optional trailing fields decode, re-encode, and only baseFee is sealable', () => {
  const base = selfTestCliqueHeader();
  const london: Header = { ...base, baseFee: 0n };
  const decoded = decodeCliqueHeader(encodeHeader(london));
  assert.equal(decoded.baseFee, 0n);
  assert.equal(decoded.withdrawalsHash, undefined);
  assert.deepEqual(cliqueSealPayload(decoded).rawData, encodeHeader(london));

  const cancun: Header = { ...london, baseFee: 7n, withdrawalsHash: new Uint8Array(32), blobGasUsed: 0n, excessBlobGas: 5n, parentBeaconRoot: new Uint8Array(32).fill(1) };
  const dc = decodeCliqueHeader(encodeHeader(cancun));
  assert.deepEqual(dc, cancun);
  assert.throws(() => cliqueSealPayload(dc), {
    message: 'clique headers cannot carry post-Shanghai fields (withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconRoot)',
  });
  const amsterdam: Header = { ...cancun, requestsHash: new Uint8Array(32), blockAccessListHash: new Uint8Array(32), slotNumber: 2n ** 64n - 1n };
  assert.deepEqual(decodeCliqueHeader(encodeHeader(amsterdam)), amsterdam);
  assert.throws(() => cliqueSealPayload(amsterdam), /slotNumber\)$/);
  // A hand-built header with a gap encodes the missing earlier optionals as empty strings, as Go does.
  const gap: Header = { ...base, slotNumber: 9n };
  assert.equal(toHex(encodeHeader(gap)).endsWith('00' + '80'.repeat(7) + '09'), true);
});

test('clique signing RLP strips exactly the 65-byte seal; signer recovery', () => {
  const key = fromHex('0x0123456789012345678901234567890123456789012345678901234567890123');
  const [link] = makeCliqueChain(1, key, 15);
  assert.deepEqual(cliqueRlp(link.sealedHeader), link.payload);
  assert.equal(cliqueSigner(link.sealedHeader), addressOfPrivateKey(key));
  assert.throws(() => cliqueSigner({ ...link.header, extra: new Uint8Array(64) }), { message: 'extra-data 65 byte signature suffix missing' });
  assert.throws(() => cliqueRlp({ ...link.header, extra: new Uint8Array(64) }), { message: 'clique header extradata too short, 64 < 65' });
  // A tampered header recovers someone else.
  const tampered: Header = { ...link.sealedHeader, gasUsed: 1n };
  assert.notEqual(cliqueSigner(tampered), addressOfPrivateKey(key));
});
