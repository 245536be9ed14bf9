// A deterministic clique chain for tests and the demo: the unsealed signing-RLP payloads geth sends to
// account_signData (`application/x-clique-header`), each sealed with `key` and linked by parent hash.
import { concatBytes, keccak256, toHex, utf8 } from '../../core/bytes.ts';
import { cliqueSealPayload, encodeHeader, type Header } from '../../core/clique.ts';
import { signDigest } from '../../core/secp256k1.ts';

/** One block of the chain, before and after sealing. */
export interface CliqueLink {
  /** Header as geth hands it to the sealer, extra = 32-byte vanity only (seal stripped). */
  header: Header;
  /** The account_signData payload: clique signing RLP (= `0x` + hex of this is the request's data). */
  payload: Uint8Array;
  payloadHex: string;
  /** keccak256(payload), the digest signed; clef shows it as `hash`. */
  sealHash: Uint8Array;
  /** `clique header <n> [0x…]` as clef shows it to the UI. */
  message: string;
  /** 65-byte R ‖ S ‖ V seal with V 0/1, as clef returns it for clique. */
  signature: Uint8Array;
  /** The sealed header (extra = vanity ‖ signature) and its block hash (the next block's parentHash). */
  sealedHeader: Header;
  blockHash: Uint8Array;
}

/** Options: London headers carry a base fee; `startNumber` is the first block number (default 1). */
export interface CliqueChainOptions {
  baseFee?: bigint;
  startNumber?: bigint;
  startTime?: bigint;
}

const EMPTY_UNCLE_HASH = keccak256(Uint8Array.of(0xc0));
const EMPTY_ROOT = keccak256(Uint8Array.of(0x80));

/**
 * Builds `n` consecutive in-turn clique headers (difficulty 2, 32-byte vanity naming the chain id),
 * seals each with `key` and links them; block 1's parent is a synthetic genesis hash derived from chainId.
 */
export function makeCliqueChain(n: number, key: Uint8Array, chainId: bigint | number, opts: CliqueChainOptions = {}): CliqueLink[] {
  const vanity = new Uint8Array(32);
  vanity.set(utf8(`clef-ts clique chain ${chainId}`).subarray(0, 32));
  let parentHash = keccak256(utf8(`clef-ts clique genesis ${chainId}`));
  const start = opts.startNumber ?? 1n;
  const startTime = opts.startTime ?? 1_700_000_000n;
  const links: CliqueLink[] = [];
  for (let i = 0; i < n; i++) {
    const number = start + BigInt(i);
    const header: Header = {
      parentHash,
      uncleHash: EMPTY_UNCLE_HASH,
      coinbase: new Uint8Array(20),
      root: keccak256(utf8(`state ${chainId} ${number}`)),
      txHash: EMPTY_ROOT,
      receiptHash: EMPTY_ROOT,
      bloom: new Uint8Array(256),
      difficulty: 2n,
      number,
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      time: startTime + 15n * number,
      extra: vanity.slice(),
      mixDigest: new Uint8Array(32),
      nonce: new Uint8Array(8),
      ...(opts.baseFee !== undefined ? { baseFee: opts.baseFee } : {}),
    };
    const { rawData, sealHash, message } = cliqueSealPayload(header);
    const signature = signDigest(key, sealHash);
    const sealedHeader: Header = { ...header, extra: concatBytes(vanity, signature) };
    const blockHash = keccak256(encodeHeader(sealedHeader));
    links.push({ header, payload: rawData, payloadHex: toHex(rawData), sealHash, message, signature, sealedHeader, blockHash });
    parentHash = blockHash;
  }
  return links;
}
