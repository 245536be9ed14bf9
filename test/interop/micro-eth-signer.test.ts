// Cross-check with micro-eth-signer (paulmillr): every transaction we sign for the shared vectors, and a blob
// transaction, parses there to the same type, hash and sender and re-serialises byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'micro-eth-signer';
import { fromHex, toChecksumAddress } from '../../core/bytes.ts';
import { signDigest } from '../../core/secp256k1.ts';
import { decodeSendTxArgs, signTransaction } from '../../core/tx.ts';
import { noVectors, readVector } from '../support/vectors.ts';

interface TxVector {
  id: string;
  clefConfig: { chainId: number };
  signer: { privateKey: string; address: string };
  request: { params: [Record<string, string>] };
}

async function sign(params: Record<string, unknown>, key: Uint8Array, chainId: bigint) {
  return signTransaction(decodeSendTxArgs(params as never), chainId, async (d) => signDigest(key, d));
}

test('our signed vector transactions parse identically in micro-eth-signer', { skip: noVectors }, async () => {
  const { vectors } = readVector<{ vectors: TxVector[] }>('signatures/transactions.json');
  assert.ok(vectors.length >= 9);
  for (const v of vectors) {
    const res = await sign(v.request.params[0], fromHex(v.signer.privateKey), BigInt(v.clefConfig.chainId));
    const parsed = Transaction.fromHex(res.raw);
    assert.equal(parsed.hash, res.tx.hash, v.id);
    assert.equal(toChecksumAddress(parsed.sender), toChecksumAddress(v.signer.address), v.id);
    assert.equal(parsed.toHex(), res.raw, v.id);
    assert.equal(parsed.type, { '0x0': 'legacy', '0x1': 'eip2930', '0x2': 'eip1559', '0x3': 'eip4844' }[res.tx.type as string], v.id);
  }
});

test('a blob transaction (hashes, no sidecar) parses as eip4844 with our hash and sender', async () => {
  const key = fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
  const res = await sign(
    {
      from: '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
      to: '0x3535353535353535353535353535353535353535',
      gas: '0x5208',
      maxFeePerGas: '0x77359400',
      maxPriorityFeePerGas: '0x3b9aca00',
      maxFeePerBlobGas: '0x3b9aca00',
      blobVersionedHashes: ['0x01' + 'ab'.repeat(31)],
      value: '0x0',
      nonce: '0x7',
    },
    key,
    1n,
  );
  assert.equal(res.tx.type, '0x3');
  const parsed = Transaction.fromHex(res.raw);
  assert.equal(parsed.type, 'eip4844');
  assert.equal(parsed.hash, res.tx.hash);
  assert.equal(parsed.sender.toLowerCase(), '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23');
});
