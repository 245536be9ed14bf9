// Our clique Header as @ethereumjs/block sees it: the independent peer the clique tests recover sealers with.
import { createBlockHeader } from '@ethereumjs/block';
import { createCustomCommon, Mainnet, type Common } from '@ethereumjs/common';
import type { Header } from '../../core/clique.ts';

/** A clique (proof-of-authority) chain config for @ethereumjs at the given hardfork. */
export function cliqueCommon(hardfork: string, chainId: number | bigint = 15): Common {
  return createCustomCommon(
    { chainId: Number(chainId), consensus: { type: 'poa', algorithm: 'clique', clique: { period: 15, epoch: 30000 } } },
    Mainnet,
    { hardfork },
  );
}

/** @ethereumjs/block's header for ours (baseFee only when present). */
export function theirHeader(h: Header, common: Common) {
  return createBlockHeader(
    {
      parentHash: h.parentHash,
      uncleHash: h.uncleHash,
      coinbase: h.coinbase,
      stateRoot: h.root,
      transactionsTrie: h.txHash,
      receiptTrie: h.receiptHash,
      logsBloom: h.bloom,
      difficulty: h.difficulty,
      number: h.number,
      gasLimit: h.gasLimit,
      gasUsed: h.gasUsed,
      timestamp: h.time,
      extraData: h.extra,
      mixHash: h.mixDigest,
      nonce: h.nonce,
      ...(h.baseFee !== undefined ? { baseFeePerGas: h.baseFee } : {}),
    },
    { common },
  );
}
