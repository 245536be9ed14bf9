// account_signGnosisSafeTx data handling: the two Safe vectors of external-api.md §9.2, Go decoding of the
// transaction-service JSON (§9.1), the chain-id retry, the validation view and the result object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedDataEncoder } from 'ethers';
import { fromHex, toHex } from '../../core/bytes.ts';
import { formatTypedData, hashTypedData } from '../../core/eip712.ts';
import { SignerError } from '../../core/errors.ts';
import { goStringify, type Json, type JsonObject } from '../../core/gojson.ts';
import { gnosisResultJson, gnosisTypedData, gnosisValidationArgs, parseGnosisSafeTx, resolveGnosisDigest } from '../../core/gnosis.ts';
import { addressOfPrivateKey, recoverAddress, signDigest } from '../../core/secp256k1.ts';

const ZERO = '0x0000000000000000000000000000000000000000';

/** §9.2 vector 1: a plain ETH transfer, no chainId. */
const transfer: JsonObject = {
  safe: '0x25a6c4BBd32B2424A9c99aEB0584Ad12045382B3',
  to: '0x9eE457023bB3De16D51A003a247BaEaD7fce313D',
  value: '20000000000000000',
  data: null,
  operation: 0,
  gasToken: ZERO,
  safeTxGas: 27845,
  baseGas: 0,
  gasPrice: '0',
  refundReceiver: ZERO,
  nonce: 3,
  executionDate: null,
  safeTxHash: '0x28bae2bd58d894a1d9b69e5e9fde3570c4b98a6fc5499aefb54fb830137e831f',
};

/** §9.2 vector 2: addOwnerWithThreshold on the Safe itself, hashed by the service with chain id 1. */
const addOwner: JsonObject = {
  safe: '0x899FcB1437DE65DC6315f5a69C017dd3F2837557',
  to: '0x899FcB1437DE65DC6315f5a69C017dd3F2837557',
  value: '0',
  data: '0x0d582f13000000000000000000000000d3ed2b8756b942c98c851722f3bd507a17b4745f0000000000000000000000000000000000000000000000000000000000000005',
  operation: 0,
  gasToken: ZERO,
  safeTxGas: 0,
  baseGas: 0,
  gasPrice: '0',
  refundReceiver: ZERO,
  nonce: 0,
  safeTxHash: '0x6f0f5cffee69087c9d2471e477a63cab2ae171cf433e754315d558d8836274f4',
};

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof Error);
    return e;
  }
  assert.fail('expected an error');
}

test('vector 1: digest matches safeTxHash without a chain id', () => {
  const tx = parseGnosisSafeTx(transfer);
  const r = resolveGnosisDigest(tx, 1n);
  assert.equal(toHex(r.digest), transfer.safeTxHash);
  assert.equal(r.chainIdUsed, undefined);
  assert.deepEqual(r.typedData.types.EIP712Domain, [{ name: 'verifyingContract', type: 'address' }]);
  assert.deepEqual(hashTypedData(r.typedData).rawData, r.rawData);
  // Peer check: ethers hashes the same SafeTx document to the same digest.
  const { EIP712Domain: _, ...types } = r.typedData.types;
  const domain = { verifyingContract: r.typedData.domain.verifyingContract };
  assert.equal(TypedDataEncoder.hash(domain, types, r.typedData.message), transfer.safeTxHash);
});

test('vector 2: mismatch without chainId is retried with the configured chain id', () => {
  const tx = parseGnosisSafeTx(addOwner);
  assert.equal(toHex(hashTypedData(gnosisTypedData(tx)).digest), '0x6e6a5ede66d5838ec141746b6544a0140416bff184faff17cf62cab97f11f5ae');
  const r = resolveGnosisDigest(tx, 1n);
  assert.equal(toHex(r.digest), addOwner.safeTxHash);
  assert.equal(r.chainIdUsed, 1n);
  assert.deepEqual(r.typedData.types.EIP712Domain, [
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ]);
  assert.equal(tx.chainId, undefined, 'the parsed transaction is not mutated');
});

test('vector 2 on another chain: mismatched safeTxHash error', () => {
  const tx = parseGnosisSafeTx(addOwner);
  const have = toHex(hashTypedData(gnosisTypedData(tx, 5n)).digest);
  const e = errorOf(() => resolveGnosisDigest(tx, 5n));
  assert.ok(e instanceof SignerError && e.code === -32000);
  assert.equal(e.message, `mismatched safeTxHash; have ${have} want ${addOwner.safeTxHash}`);
});

test('clef quirk kept: with a chainId, a safeTxHash mismatch is ignored and the computed digest signed', () => {
  const tx = parseGnosisSafeTx({ ...addOwner, chainId: 5 });
  const r = resolveGnosisDigest(tx, 1n);
  assert.equal(toHex(r.digest), toHex(hashTypedData(gnosisTypedData(tx, 5n)).digest));
  assert.notEqual(toHex(r.digest), addOwner.safeTxHash);
  assert.equal(r.chainIdUsed, 5n);
  // With the right chain id given explicitly the hash matches directly.
  assert.equal(toHex(resolveGnosisDigest(parseGnosisSafeTx({ ...addOwner, chainId: '0x1' }), 7n).digest), addOwner.safeTxHash);
});

test('SafeTx document: EIP-55 addresses, decimal strings, uint64 nonce; formatter shows it', () => {
  const tx = parseGnosisSafeTx({ ...transfer, to: '0x9ee457023bb3de16d51a003a247baead7fce313d', nonce: 2 ** 64 + 2 ** 12 });
  const td = gnosisTypedData(tx);
  assert.equal(td.message.to, '0x9eE457023bB3De16D51A003a247BaEaD7fce313D');
  assert.equal(td.message.nonce, '4096');
  assert.equal(td.message.data, '0x');
  assert.equal(td.domain.verifyingContract, '0x25a6c4BBd32B2424A9c99aEB0584Ad12045382B3');
  assert.equal(
    goStringify(formatTypedData(gnosisTypedData(parseGnosisSafeTx(transfer)))),
    '[{"name":"EIP712Domain","value":[{"name":"verifyingContract","value":"0x25a6c4BBd32B2424A9c99aEB0584Ad12045382B3","type":"address"}],"type":"domain"},' +
      '{"name":"SafeTx","value":[{"name":"to","value":"0x9eE457023bB3De16D51A003a247BaEaD7fce313D","type":"address"},' +
      '{"name":"value","value":"20000000000000000 (0x470de4df820000)","type":"uint256"},{"name":"data","value":"0x","type":"bytes"},' +
      '{"name":"operation","value":"0 (0x0)","type":"uint8"},{"name":"safeTxGas","value":"27845 (0x6cc5)","type":"uint256"},' +
      '{"name":"baseGas","value":"0 (0x0)","type":"uint256"},{"name":"gasPrice","value":"0 (0x0)","type":"uint256"},' +
      '{"name":"gasToken","value":"0x0000000000000000000000000000000000000000","type":"address"},' +
      '{"name":"refundReceiver","value":"0x0000000000000000000000000000000000000000","type":"address"},' +
      '{"name":"nonce","value":"3 (0x3)","type":"uint256"}],"type":"primary type"}]',
  );
  const negative = parseGnosisSafeTx({ ...transfer, safeTxGas: -1 });
  assert.equal(errorOf(() => resolveGnosisDigest(negative, 1n)).message, 'invalid negative value for unsigned type uint256');
});

test('decoding: accepted encodings (§9.1)', () => {
  const tx = parseGnosisSafeTx({
    ...transfer,
    SAFE: '0X25A6C4BBD32B2424A9C99AEB0584AD12045382B3',
    value: '0x10',
    gasPrice: '',
    data: '0xabcd',
    gasToken: '0x9ee457023bb3de16d51a003a247baead7fce313d',
    chainId: '0x5',
    signature: '0x00',
    sender: '0x9eE457023bB3De16D51A003a247BaEaD7fce313D',
    contractTransactionHash: transfer.safeTxHash,
    unknown: { anything: [1] },
  });
  assert.equal(tx.safe.original, '0X25A6C4BBD32B2424A9C99AEB0584AD12045382B3');
  assert.equal(tx.value, 16n);
  assert.equal(tx.gasPrice, 0n);
  assert.deepEqual(tx.data, fromHex('abcd'));
  assert.equal(tx.gasToken, '0x9ee457023bb3de16d51a003a247baead7fce313d');
  assert.equal(tx.chainId, 5n);
  assert.equal(parseGnosisSafeTx({ chainId: 1 }).chainId, 1n);
  assert.equal(parseGnosisSafeTx({ chainId: '10' }).chainId, 10n);
  assert.equal(parseGnosisSafeTx({ chainId: null }).chainId, undefined);
  assert.equal(parseGnosisSafeTx({ data: '' }).data?.length, 0);
  assert.equal(parseGnosisSafeTx({ value: null, operation: null, nonce: null }).value, 0n);
  assert.equal(parseGnosisSafeTx(null).safe.toJSON(), '0x');
});

test('decoding: Go error messages (§9.1)', () => {
  const bad = (patch: JsonObject) => errorOf(() => parseGnosisSafeTx({ ...transfer, ...patch })).message;
  assert.equal(bad({ value: 1 }), 'json: cannot unmarshal number into Go struct field GnosisSafeTx.value of type math.Decimal256');
  assert.equal(bad({ gasPrice: true }), 'json: cannot unmarshal bool into Go struct field GnosisSafeTx.gasPrice of type math.Decimal256');
  assert.equal(bad({ value: '1.5' }), 'invalid hex or decimal integer "1.5"');
  assert.equal(bad({ baseGas: '0' }), 'math/big: cannot unmarshal "\\"0\\"" into a *big.Int');
  assert.equal(bad({ nonce: 1.5 }), 'math/big: cannot unmarshal "1.5" into a *big.Int');
  assert.equal(bad({ operation: 256 }), 'json: cannot unmarshal number 256 into Go struct field GnosisSafeTx.operation of type uint8');
  assert.equal(bad({ operation: '1' }), 'json: cannot unmarshal string into Go struct field GnosisSafeTx.operation of type uint8');
  assert.equal(bad({ safe: '0x25a6c4BBd32B2424A9c99aEB0584Ad12045382' }), 'hex string has length 38, want 40 for common.Address');
  assert.equal(bad({ to: null }), 'json: cannot unmarshal non-string into Go struct field GnosisSafeTx.to of type common.Address');
  assert.equal(bad({ gasToken: 'abc' }), 'json: cannot unmarshal hex string without 0x prefix into Go struct field GnosisSafeTx.gasToken of type common.Address');
  assert.equal(bad({ data: '0x1' }), 'json: cannot unmarshal hex string of odd length into Go struct field GnosisSafeTx.data of type hexutil.Bytes');
  assert.equal(bad({ safeTxHash: '0x12' }), 'hex string has length 2, want 64 for common.Hash');
  assert.equal(bad({ sender: 'nope' }), 'json: cannot unmarshal hex string without 0x prefix into Go struct field GnosisSafeTx.sender of type common.Address');
  assert.equal(bad({ chainId: 'x' }), 'invalid hex or decimal integer "x"');
  // A type mismatch is only reported once the object was read; a decoder error wins over it.
  assert.equal(bad({ value: 1, data: '0x1' }), 'json: cannot unmarshal hex string of odd length into Go struct field GnosisSafeTx.data of type hexutil.Bytes');
  assert.equal(errorOf(() => parseGnosisSafeTx([] as Json)).message, 'json: cannot unmarshal array into Go value of type core.GnosisSafeTx');
});

test('validation view: from = safe, gas = safeTxGas, uint64 nonce, chainId only when given', () => {
  const tx = parseGnosisSafeTx({ ...transfer, nonce: 2 ** 64 + 2 ** 12, data: '0x01' });
  const args = gnosisValidationArgs(tx);
  assert.equal(args.from, tx.safe);
  assert.equal(args.to, tx.to);
  assert.equal(args.gas, 27845n);
  assert.equal(args.gasPrice, 0n);
  assert.equal(args.value, 20000000000000000n);
  assert.equal(args.nonce, 4096n);
  assert.deepEqual(args.data, fromHex('01'));
  assert.equal('chainId' in args, false);
  assert.equal(gnosisValidationArgs(parseGnosisSafeTx({ ...transfer, chainId: 1 })).chainId, 1n);
});

test('result object: clef\'s key order and encodings, signature from the index signer key', () => {
  const key = fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
  const input = { ...transfer, safe: '0X25a6c4bbd32b2424a9c99aeb0584ad12045382b3', gasToken: '0x9eE457023bB3De16D51A003a247BaEaD7fce313D' };
  const tx = parseGnosisSafeTx(input);
  const digest = hashTypedData(gnosisTypedData(tx)).digest;
  const sig = signDigest(key, digest);
  assert.equal(recoverAddress(digest, sig), addressOfPrivateKey(key));
  sig[64] += 27;
  const sender = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
  const out = gnosisResultJson(tx, sig, digest, sender);
  assert.equal(
    goStringify(out),
    `{"signature":"${toHex(sig)}","contractTransactionHash":"${toHex(digest)}","sender":"${sender}",` +
      '"safe":"0x25a6c4bbd32b2424a9c99aeb0584ad12045382b3","to":"0x9eE457023bB3De16D51A003a247BaEaD7fce313D",' +
      '"value":"20000000000000000","gasPrice":"0","data":null,"operation":0,' +
      '"gasToken":"0x9ee457023bb3de16d51a003a247baead7fce313d","refundReceiver":"0x0000000000000000000000000000000000000000",' +
      `"baseGas":0,"safeTxGas":27845,"nonce":3,"safeTxHash":"${transfer.safeTxHash}"}`,
  );
  const retried = resolveGnosisDigest(parseGnosisSafeTx(addOwner), 1n);
  const out2 = gnosisResultJson(parseGnosisSafeTx(addOwner), sig, retried.digest, sender, retried.chainIdUsed);
  assert.deepEqual(Object.keys(out2).slice(-2), ['safeTxHash', 'chainId']);
  assert.equal(out2.chainId, '0x1');
  assert.equal(out2.data, addOwner.data);
});
