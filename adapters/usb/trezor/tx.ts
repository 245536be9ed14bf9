// The transactions a Trezor can sign (legacy EIP-155 through EthereumSignTx, EIP-1559 through
// EthereumSignTxEIP1559), built from clef's SendTxArgs, and the digest the device signs (to check its answer).
import { concatBytes, fromHex, keccak256, type Address } from '../../../core/bytes.ts';
import { SignerError } from '../../../core/errors.ts';
import { rlpEncode, type RlpItem } from '../../../core/rlp.ts';
import { assertBuildable, calldataOf, selectTxType, type AccessTuple, type SendTxArgs } from '../../../core/tx.ts';

interface TrezorTxCommon {
  /** EIP-155 chain id, 1 … 2^64-1 (the firmware refuses 0 and the wire field is a uint64). */
  chainId: bigint;
  nonce: bigint;
  /** Gas limit. */
  gas: bigint;
  /** Lowercase `0x` recipient; null = contract creation (the firmware then requires data). */
  to: Address | null;
  value: bigint;
  /** Calldata; any length (the first 1024 bytes go in the request, the rest on EthereumTxRequest). */
  data: Uint8Array;
}

/** A legacy transaction signed with EIP-155 replay protection (EthereumSignTx). */
export interface TrezorLegacyTx extends TrezorTxCommon {
  type: 0;
  gasPrice: bigint;
}

/** An EIP-1559 (type 2) transaction (EthereumSignTxEIP1559; firmware from 2021 on, older answers Failure_UnexpectedMessage). */
export interface TrezorEip1559Tx extends TrezorTxCommon {
  type: 2;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  accessList: AccessTuple[];
}

/** What TrezorDriver.signTx accepts. */
export type TrezorTx = TrezorLegacyTx | TrezorEip1559Tx;

/** The signature TrezorDriver.signTx returns. */
export interface TrezorTxSignature {
  /** V as it goes into the signed transaction: legacy `chainId*2+35+yParity`, EIP-1559 `yParity`. */
  v: bigint;
  /** 32 bytes each, big-endian. */
  r: Uint8Array;
  s: Uint8Array;
  yParity: 0 | 1;
  /** R ‖ S ‖ yParity (65 bytes), the form core/tx.ts `signTransaction` takes from a signer. */
  signature: Uint8Array;
}

/**
 * The Trezor form of clef's transaction arguments (§6.3 type selection, calldata as clef picks it, the signer's
 * chain id). EIP-2930 (type 1) and blob (type 3) transactions have no Trezor message and are refused clearly.
 */
export function toTrezorTx(a: SendTxArgs, chainId: bigint): TrezorTx {
  assertBuildable(a);
  const type = selectTxType(a);
  if (type === 1) throw new SignerError('Trezor devices cannot sign EIP-2930 (type 1) access-list transactions; add maxFeePerGas to send an EIP-1559 transaction with the same access list');
  if (type === 3) throw new SignerError('Trezor devices cannot sign blob (type 3) transactions');
  if (type === 2 && a.chainId !== undefined && a.chainId !== 0n && a.chainId !== chainId) {
    throw new SignerError(`invalid chain id for signer: have ${a.chainId} want ${chainId}`);
  }
  const common = { chainId, nonce: a.nonce, gas: a.gas, to: a.to ? a.to.address : null, value: a.value, data: calldataOf(a) };
  if (type === 0) return { type: 0, ...common, gasPrice: a.gasPrice ?? 0n };
  return {
    type: 2,
    ...common,
    maxFeePerGas: a.maxFeePerGas ?? 0n,
    maxPriorityFeePerGas: a.maxPriorityFeePerGas ?? 0n,
    accessList: a.accessList ?? [],
  };
}

const toField = (to: Address | null): Uint8Array => (to === null ? new Uint8Array(0) : fromHex(to));

/** The fields of the signed transaction before V, R, S (legacy: without the EIP-155 tail). */
function unsignedFields(tx: TrezorTx): RlpItem[] {
  if (tx.type === 0) return [tx.nonce, tx.gasPrice, tx.gas, toField(tx.to), tx.value, tx.data];
  const al: RlpItem = tx.accessList.map((t) => [fromHex(t.address), t.storageKeys]);
  return [tx.chainId, tx.nonce, tx.maxPriorityFeePerGas, tx.maxFeePerGas, tx.gas, toField(tx.to), tx.value, tx.data, al];
}

/** The digest the device signs: keccak256 of the EIP-155 payload, or of 0x02 ‖ rlp(fields) for EIP-1559. */
export function signingDigest(tx: TrezorTx): Uint8Array {
  if (tx.type === 0) return keccak256(rlpEncode([...unsignedFields(tx), tx.chainId, 0n, 0n]));
  return keccak256(concatBytes(Uint8Array.of(2), rlpEncode(unsignedFields(tx))));
}

/** The raw signed transaction (what eth_sendRawTransaction takes). */
export function rawSignedTx(tx: TrezorTx, sig: TrezorTxSignature): Uint8Array {
  const tail: RlpItem[] = [sig.v, trimmed(sig.r), trimmed(sig.s)];
  if (tx.type === 0) return rlpEncode([...unsignedFields(tx), ...tail]);
  return concatBytes(Uint8Array.of(2), rlpEncode([...unsignedFields(tx), ...tail]));
}

function trimmed(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}
