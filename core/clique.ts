// Clique (EIP-225 proof-of-authority) header sealing as clef does it for `application/x-clique-header`:
// strict decoding of go-ethereum's types.Header, the seal payload and hash, and sealer recovery.
import { concatBytes, keccak256, toHex, type Address } from './bytes.ts';
import { SignerError, toSignerError } from './errors.ts';
import {
  decodeBigInt,
  decodeByteArray,
  decodeByteSlice,
  decodeRlpStrict,
  decodeStruct,
  decodeUint64,
  RlpError,
  rlpEncode,
  type RlpField,
  type RlpItem,
} from './rlp.ts';
import { recoverAddress } from './secp256k1.ts';

/** Length of the clique seal (a 65-byte R ‖ S ‖ V signature) at the end of `extra`. */
const CLIQUE_SEAL_LENGTH = 65;

/** go-ethereum's types.Header; optional trailing fields are undefined when absent. */
export interface Header {
  parentHash: Uint8Array;
  uncleHash: Uint8Array;
  coinbase: Uint8Array;
  root: Uint8Array;
  txHash: Uint8Array;
  receiptHash: Uint8Array;
  bloom: Uint8Array;
  difficulty: bigint;
  number: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  time: bigint;
  extra: Uint8Array;
  mixDigest: Uint8Array;
  nonce: Uint8Array;
  baseFee?: bigint;
  withdrawalsHash?: Uint8Array;
  blobGasUsed?: bigint;
  excessBlobGas?: bigint;
  parentBeaconRoot?: Uint8Array;
  requestsHash?: Uint8Array;
  blockAccessListHash?: Uint8Array;
  slotNumber?: bigint;
}

const hash = decodeByteArray(32, 'common.Hash');

/** Field order, Go names and decoders of types.Header (the RLP schema). */
const HEADER_FIELDS: readonly (RlpField & { key: keyof Header })[] = [
  { key: 'parentHash', name: 'ParentHash', decode: hash },
  { key: 'uncleHash', name: 'UncleHash', decode: hash },
  { key: 'coinbase', name: 'Coinbase', decode: decodeByteArray(20, 'common.Address') },
  { key: 'root', name: 'Root', decode: hash },
  { key: 'txHash', name: 'TxHash', decode: hash },
  { key: 'receiptHash', name: 'ReceiptHash', decode: hash },
  { key: 'bloom', name: 'Bloom', decode: decodeByteArray(256, 'types.Bloom') },
  { key: 'difficulty', name: 'Difficulty', decode: decodeBigInt },
  { key: 'number', name: 'Number', decode: decodeBigInt },
  { key: 'gasLimit', name: 'GasLimit', decode: decodeUint64 },
  { key: 'gasUsed', name: 'GasUsed', decode: decodeUint64 },
  { key: 'time', name: 'Time', decode: decodeUint64 },
  { key: 'extra', name: 'Extra', decode: decodeByteSlice },
  { key: 'mixDigest', name: 'MixDigest', decode: hash },
  { key: 'nonce', name: 'Nonce', decode: decodeByteArray(8, 'types.BlockNonce') },
  { key: 'baseFee', name: 'BaseFee', decode: decodeBigInt, optional: true },
  { key: 'withdrawalsHash', name: 'WithdrawalsHash', decode: hash, optional: true },
  { key: 'blobGasUsed', name: 'BlobGasUsed', decode: decodeUint64, optional: true },
  { key: 'excessBlobGas', name: 'ExcessBlobGas', decode: decodeUint64, optional: true },
  { key: 'parentBeaconRoot', name: 'ParentBeaconRoot', decode: hash, optional: true },
  { key: 'requestsHash', name: 'RequestsHash', decode: hash, optional: true },
  { key: 'blockAccessListHash', name: 'BlockAccessListHash', decode: hash, optional: true },
  { key: 'slotNumber', name: 'SlotNumber', decode: decodeUint64, optional: true },
];

const FIRST_OPTIONAL = 15;

/** JSON names of the fields after baseFee, which clique cannot seal. */
const POST_LONDON: readonly [keyof Header, string][] = [
  ['withdrawalsHash', 'withdrawalsRoot'],
  ['blobGasUsed', 'blobGasUsed'],
  ['excessBlobGas', 'excessBlobGas'],
  ['parentBeaconRoot', 'parentBeaconRoot'],
  ['requestsHash', 'requestsHash'],
  ['blockAccessListHash', 'blockAccessListHash'],
  ['slotNumber', 'slotNumber'],
];

/**
 * Decodes an RLP header strictly as go-ethereum's rlp.DecodeBytes into types.Header does (fixed sizes,
 * canonical integers, uint64 limits, optional trailing fields). Throws SignerError with Go's rlp text.
 */
export function decodeCliqueHeader(rlp: Uint8Array): Header {
  let values: unknown[];
  try {
    values = decodeRlpStrict(rlp, 'types.Header', (s) => decodeStruct(s, 'types.Header', HEADER_FIELDS));
  } catch (e) {
    if (e instanceof RlpError) throw new SignerError(e.message);
    throw e;
  }
  const h: Record<string, unknown> = {};
  values.forEach((v, i) => { h[HEADER_FIELDS[i].key] = v; });
  return h as unknown as Header;
}

/** The full header RLP, as types.Header's encoder writes it (absent optionals before a present one are empty). */
export function encodeHeader(h: Header): Uint8Array {
  let last = -1;
  HEADER_FIELDS.forEach((f, i) => {
    if (i >= FIRST_OPTIONAL && h[f.key] !== undefined) last = i;
  });
  const items: RlpItem[] = [];
  HEADER_FIELDS.forEach((f, i) => {
    if (i >= FIRST_OPTIONAL && i > last) return;
    const v = h[f.key] as Uint8Array | bigint | undefined;
    items.push(v ?? new Uint8Array(0));
  });
  return rlpEncode(items);
}

/** The block hash: keccak256 of the full header RLP. */
export function headerHash(h: Header): Uint8Array {
  return keccak256(encodeHeader(h));
}

function rejectPostLondon(h: Header): void {
  const present = POST_LONDON.filter(([k]) => h[k] !== undefined).map(([, json]) => json);
  // go-ethereum's clique encoder panics here (clef answered -32603 `method handler crashed`).
  if (present.length > 0) throw new SignerError(`clique headers cannot carry post-Shanghai fields (${present.join(', ')})`);
}

/**
 * clique's CliqueRLP: the header without its 65-byte seal (the last 65 bytes of extra), baseFee as 16th
 * element when present. Throws for headers with post-London fields or an extra shorter than 65 bytes.
 */
export function cliqueRlp(h: Header): Uint8Array {
  rejectPostLondon(h);
  if (h.extra.length < CLIQUE_SEAL_LENGTH) {
    throw new SignerError(`clique header extradata too short, ${h.extra.length} < ${CLIQUE_SEAL_LENGTH}`);
  }
  const items: RlpItem[] = [
    h.parentHash,
    h.uncleHash,
    h.coinbase,
    h.root,
    h.txHash,
    h.receiptHash,
    h.bloom,
    h.difficulty,
    h.number,
    h.gasLimit,
    h.gasUsed,
    h.time,
    h.extra.subarray(0, h.extra.length - CLIQUE_SEAL_LENGTH),
    h.mixDigest,
    h.nonce,
  ];
  if (h.baseFee !== undefined) items.push(h.baseFee);
  return rlpEncode(items);
}

/** What clef shows and signs for a clique header. */
export interface CliqueSealPayload {
  /** The clique signing RLP (equals the input for canonical 15/16-field input). */
  rawData: Uint8Array;
  /** keccak256(rawData): the digest signed, shown as `hash`. */
  sealHash: Uint8Array;
  /** `clique header <n> [0x<hash of the header with 65 zero bytes of seal room>]`. */
  message: string;
}

/**
 * clef's handling of a decoded header (external-api §7.4): append 65 zero bytes of seal room to extra,
 * derive the signing RLP and seal hash, and the UI message naming the zero-sealed block hash.
 */
export function cliqueSealPayload(header: Header): CliqueSealPayload {
  rejectPostLondon(header);
  const extended: Header = { ...header, extra: concatBytes(header.extra, new Uint8Array(CLIQUE_SEAL_LENGTH)) };
  const rawData = cliqueRlp(extended);
  const sealHash = keccak256(rawData);
  // Quirk kept from clef: the message shows the hash of the zero-sealed header, not the seal hash.
  const message = `clique header ${extended.number.toString(10)} [${toHex(headerHash(extended))}]`;
  return { rawData, sealHash, message };
}

/** The seal hash of a header whose extra already ends with the 65-byte seal (or seal room). */
export function cliqueSealHash(sealed: Header): Uint8Array {
  return keccak256(cliqueRlp(sealed));
}

/** Recovers the sealer of a sealed header (seal = last 65 bytes of extra, V 0/1). */
export function cliqueSigner(sealed: Header): Address {
  if (sealed.extra.length < CLIQUE_SEAL_LENGTH) throw new SignerError('extra-data 65 byte signature suffix missing');
  const seal = sealed.extra.subarray(sealed.extra.length - CLIQUE_SEAL_LENGTH);
  try {
    return recoverAddress(cliqueSealHash(sealed), seal);
  } catch (e) {
    throw toSignerError(e);
  }
}
