// Cross-check against an independent implementation: @ethereumjs/block must recover our sealer and agree on
// seal hashes and block hashes for a chain of headers sealed through our account_signData path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliqueSigHash, cliqueSigner, createBlockHeaderFromRLP } from '@ethereumjs/block';
import { Hardfork } from '@ethereumjs/common';
import { concatBytes, fromHex, toHex } from '../../core/bytes.ts';
import { cliqueSigner as ourCliqueSigner, encodeHeader, type Header } from '../../core/clique.ts';
import { addressOfPrivateKey, signDigest } from '../../core/secp256k1.ts';
import { adjustV, prepareSignData, type TypedDataHandler } from '../../core/signdata.ts';
import { makeCliqueChain } from '../support/clique-chain.ts';
import { cliqueCommon, theirHeader } from '../support/ethereumjs-clique.ts';

const KEY = fromHex('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const noTyped: TypedDataHandler = {
  prepare() {
    throw new Error('unused');
  },
};


for (const [hardfork, baseFee] of [
  [Hardfork.Petersburg, undefined],
  [Hardfork.London, 7n],
] as const) {
  test(`a ${hardfork} clique chain of 64 headers sealed via account_signData verifies in @ethereumjs/block`, () => {
    const common = cliqueCommon(hardfork);
    const address = addressOfPrivateKey(KEY);
    const chain = makeCliqueChain(64, KEY, 15, baseFee === undefined ? {} : { baseFee });
    assert.equal(chain.length, 64);
    let parent: Uint8Array | null = null;
    for (const link of chain) {
      // What clef does with geth's request: decode, re-derive the payload, sign keccak(raw_data), V 0/1.
      const req = prepareSignData('application/x-clique-header', link.payloadHex, noTyped);
      assert.equal(req.clique, true);
      assert.deepEqual(req.rawData, link.payload);
      const sig = adjustV(signDigest(KEY, req.hash), req.clique);
      assert.ok(sig[64] === 0 || sig[64] === 1);
      assert.deepEqual(sig, link.signature);

      const sealed = link.sealedHeader;
      assert.equal(sealed.extra.length, 32 + 65);
      assert.equal(sealed.difficulty, 2n);
      if (parent) assert.deepEqual(sealed.parentHash, parent, 'parent hashes link');

      const theirs = theirHeader(sealed, common);
      assert.equal(cliqueSigner(theirs).toString(), address, `block ${sealed.number}: their sealer recovery`);
      assert.equal(toHex(cliqueSigHash(theirs)), toHex(req.hash), `block ${sealed.number}: seal hash`);
      assert.equal(toHex(theirs.hash()), toHex(link.blockHash), `block ${sealed.number}: block hash`);
      assert.equal(toHex(theirs.serialize()), toHex(encodeHeader(sealed)), `block ${sealed.number}: header RLP`);
      // And the other way round: their serialization decodes and recovers with ours.
      const back = createBlockHeaderFromRLP(theirs.serialize(), { common });
      assert.equal(toHex(back.hash()), toHex(link.blockHash));
      assert.equal(ourCliqueSigner(sealed), address);

      // Their zero-sealed header hash is what clef's message shows.
      const zeroSealed = theirHeader({ ...link.header, extra: concatBytes(link.header.extra, new Uint8Array(65)) }, common);
      assert.equal(req.messages[0].value, `clique header ${sealed.number} [${toHex(zeroSealed.hash())}]`);
      parent = link.blockHash;
    }
  });
}

test('a foreign signature is not attributed to our key', () => {
  const common = cliqueCommon(Hardfork.Petersburg);
  const [link] = makeCliqueChain(1, KEY, 15);
  const other = fromHex('0x0123456789012345678901234567890123456789012345678901234567890123');
  const forged: Header = { ...link.sealedHeader, extra: new Uint8Array([...link.header.extra, ...signDigest(other, link.sealHash)]) };
  assert.equal(cliqueSigner(theirHeader(forged, common)).toString(), addressOfPrivateKey(other));
  assert.notEqual(cliqueSigner(theirHeader(forged, common)).toString(), addressOfPrivateKey(KEY));
});
