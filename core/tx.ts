// account_signTransaction's transaction: clef's SendTxArgs (decoded exactly as go-ethereum's JSON decoder
// does, re-encoded in clef's key order for the UI), the §6.3 type selection, EIP-155 / EIP-2930 / EIP-1559 /
// EIP-4844 signing and go-ethereum's transaction JSON (external-api.md §3.1, §6, ui-api.md §3.2).
import { rlpEncode as rlp, type RlpItem } from './rlp.ts';
import {
  addressFromBytes,
  bigIntToBytes,
  concatBytes,
  equalBytes,
  fromHex,
  keccak256,
  toHex,
  toQuantity,
  type Address,
} from './bytes.ts';
import { SignerError, ValidationError } from './errors.ts';
import { goFoldKey, jsonKind, isJsonObject, jsonBytes, jsonFixed, jsonQuantity, MixedcaseAddress, unmarshalError, type Json, type JsonObject } from './gojson.ts';
import type { SignTransactionResult, UnsignedTxPayload } from './ports.ts';

/** One EIP-2930 access-list entry. */
export interface AccessTuple {
  address: Address;
  storageKeys: Uint8Array[];
}

/** clef's SendTxArgs. Optional members mirror Go's nil pointers/slices: `undefined` = absent or `null`. */
export interface SendTxArgs {
  from: MixedcaseAddress;
  /** null = contract creation. */
  to: MixedcaseAddress | null;
  gas: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value: bigint;
  nonce: bigint;
  data?: Uint8Array;
  input?: Uint8Array;
  accessList?: AccessTuple[];
  chainId?: bigint;
  maxFeePerBlobGas?: bigint;
  blobVersionedHashes?: Uint8Array[];
  /** 0–255; only meaningful when clef computes proofs (1 = cell proofs). */
  blobVersion?: number;
  blobs?: Uint8Array[];
  commitments?: Uint8Array[];
  proofs?: Uint8Array[];
}

const ZERO_ADDRESS = ('0x' + '00'.repeat(20)) as Address;
const BLOB_SIZE = 131072;

// ---------------------------------------------------------------------------------------------------------
// Decoding (go-ethereum encoding/json + hexutil semantics)
// ---------------------------------------------------------------------------------------------------------

/**
 * Go's decoder distinguishes errors returned by a type's own UnmarshalJSON (decoding stops at once) from plain
 * type mismatches (remembered, decoding continues, the first one is reported at the end). `soft` collects
 * the latter.
 */
interface DecodeState {
  soft: Error | null;
}

function saveSoft(st: DecodeState, err: Error): void {
  if (!st.soft) st.soft = err;
}

/** A JSON array of fixed-size hex values (`[]common.Hash`, `[]kzg4844.Blob` …); null = absent. */
function fixedList(v: Json, size: number, sliceType: string, elemType: string, field: string, st: DecodeState): Uint8Array[] | undefined {
  if (v === null) return undefined;
  if (!Array.isArray(v)) {
    saveSoft(st, unmarshalError(jsonKind(v), { goType: sliceType, field }));
    return undefined;
  }
  return v.map((e) => jsonFixed(e, size, { goType: elemType, field }));
}

/** `*types.AccessList`: tuples decoded by AccessTuple's generated decoder (both keys required). */
function accessList(v: Json, st: DecodeState): AccessTuple[] | undefined {
  const field = 'SendTxArgs.accessList';
  if (v === null) return undefined;
  if (!Array.isArray(v)) {
    saveSoft(st, unmarshalError(jsonKind(v), { goType: 'types.AccessList', field }));
    return undefined;
  }
  return v.map((e) => accessTuple(e, field));
}

function accessTuple(v: Json, field: string): AccessTuple {
  // The nested decoder's own errors are hard (returned from UnmarshalJSON) but its soft ones end it too.
  if (v === null) throw new Error("missing required field 'address' for AccessTuple");
  if (!isJsonObject(v)) throw unmarshalError(jsonKind(v), { goType: 'types.AccessTuple', field });
  let address: Address | undefined;
  let storageKeys: Uint8Array[] | undefined;
  let soft: Error | null = null;
  for (const key of Object.keys(v)) {
    const name = goFoldKey(key);
    const val = v[key];
    if (name === 'address') {
      address = val === null ? undefined : addressFromBytes(jsonFixed(val, 20, { goType: 'common.Address', field: `${field}.address` }));
    } else if (name === 'storagekeys') {
      if (val === null) storageKeys = undefined;
      else if (!Array.isArray(val)) soft ??= unmarshalError(jsonKind(val), { goType: '[]common.Hash', field: `${field}.storageKeys` });
      else storageKeys = val.map((k) => jsonFixed(k, 32, { goType: 'common.Hash', field: `${field}.storageKeys` }));
    }
  }
  if (soft) throw soft;
  if (address === undefined) throw new Error("missing required field 'address' for AccessTuple");
  if (storageKeys === undefined) throw new Error("missing required field 'storageKeys' for AccessTuple");
  return { address, storageKeys };
}

/** `blobVersion` is a Go `byte`: a JSON integer 0–255; other kinds are soft type errors, null is ignored. */
function blobVersion(v: Json, st: DecodeState): number | undefined {
  const field = 'SendTxArgs.blobVersion';
  if (v === null) return undefined;
  if (typeof v !== 'number') {
    saveSoft(st, unmarshalError(jsonKind(v), { goType: 'uint8', field }));
    return undefined;
  }
  if (!Number.isInteger(v) || v < 0 || v > 255) {
    saveSoft(st, unmarshalError(`number ${v}`, { goType: 'uint8', field }));
    return undefined;
  }
  return v;
}

/**
 * Decodes a SendTxArgs object exactly like clef: unknown keys ignored, case-insensitive names, Go's `null`
 * rules per field and its error wording (the caller prefixes `invalid argument 0: `). A JSON `null` or a
 * missing object yields the zero transaction.
 */
export function decodeSendTxArgs(v: Json): SendTxArgs {
  const args: SendTxArgs = {
    from: new MixedcaseAddress(ZERO_ADDRESS, ''),
    to: null,
    gas: 0n,
    value: 0n,
    nonce: 0n,
  };
  if (v === null || v === undefined) return args;
  if (!isJsonObject(v)) throw unmarshalError(jsonKind(v), { goType: 'apitypes.SendTxArgs' });
  const st: DecodeState = { soft: null };
  const f = (name: string) => `SendTxArgs.${name}`;
  const big = (val: Json, name: string) => (val === null ? undefined : jsonQuantity(val, 256, { goType: '*hexutil.Big', field: f(name) }));
  const bytes = (val: Json, name: string) => (val === null ? undefined : jsonBytes(val, { goType: 'hexutil.Bytes', field: f(name) }));
  // Keys are applied in document order, as Go does; the last key matching a field wins.
  for (const key of Object.keys(v)) {
    const val = v[key];
    switch (goFoldKey(key)) {
      case 'from':
        args.from = MixedcaseAddress.fromJson(val, { field: f('from') });
        break;
      case 'to':
        args.to = val === null ? null : MixedcaseAddress.fromJson(val, { field: f('to') });
        break;
      case 'gas':
        args.gas = jsonQuantity(val, 64, { goType: 'hexutil.Uint64', field: f('gas') });
        break;
      case 'gasprice':
        args.gasPrice = big(val, 'gasPrice');
        break;
      case 'maxfeepergas':
        args.maxFeePerGas = big(val, 'maxFeePerGas');
        break;
      case 'maxpriorityfeepergas':
        args.maxPriorityFeePerGas = big(val, 'maxPriorityFeePerGas');
        break;
      case 'value':
        args.value = jsonQuantity(val, 256, { goType: '*hexutil.Big', field: f('value') });
        break;
      case 'nonce':
        args.nonce = jsonQuantity(val, 64, { goType: 'hexutil.Uint64', field: f('nonce') });
        break;
      case 'data':
        args.data = bytes(val, 'data');
        break;
      case 'input':
        args.input = bytes(val, 'input');
        break;
      case 'accesslist':
        args.accessList = accessList(val, st);
        break;
      case 'chainid':
        args.chainId = big(val, 'chainId');
        break;
      case 'maxfeeperblobgas':
        args.maxFeePerBlobGas = big(val, 'maxFeePerBlobGas');
        break;
      case 'blobversionedhashes':
        args.blobVersionedHashes = fixedList(val, 32, '[]common.Hash', 'common.Hash', f('blobVersionedHashes'), st);
        break;
      case 'blobversion':
        args.blobVersion = blobVersion(val, st);
        break;
      case 'blobs':
        args.blobs = fixedList(val, BLOB_SIZE, '[]kzg4844.Blob', 'kzg4844.Blob', f('blobs'), st);
        break;
      case 'commitments':
        args.commitments = fixedList(val, 48, '[]kzg4844.Commitment', 'kzg4844.Commitment', f('commitments'), st);
        break;
      case 'proofs':
        args.proofs = fixedList(val, 48, '[]kzg4844.Proof', 'kzg4844.Proof', f('proofs'), st);
        break;
      default:
        break; // unknown keys (type, authorizationList, …) are ignored
    }
  }
  if (st.soft) throw st.soft;
  return args;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding towards the UI (ui-api.md §3.2)
// ---------------------------------------------------------------------------------------------------------

function accessListJson(list: AccessTuple[]): Json {
  return list.map((t) => ({ address: t.address, storageKeys: t.storageKeys.map(toHex) }));
}

/** SendTxArgs as clef sends it to the UI: fixed key order, optional keys only when set. */
export function encodeSendTxArgs(a: SendTxArgs): JsonObject {
  const out: JsonObject = {
    from: a.from.toJSON(),
    to: a.to ? a.to.toJSON() : null,
    gas: toQuantity(a.gas),
    gasPrice: a.gasPrice === undefined ? null : toQuantity(a.gasPrice),
    maxFeePerGas: a.maxFeePerGas === undefined ? null : toQuantity(a.maxFeePerGas),
    maxPriorityFeePerGas: a.maxPriorityFeePerGas === undefined ? null : toQuantity(a.maxPriorityFeePerGas),
    value: toQuantity(a.value),
    nonce: toQuantity(a.nonce),
  };
  if (a.data !== undefined) out.data = toHex(a.data);
  if (a.input !== undefined) out.input = toHex(a.input);
  if (a.accessList !== undefined) out.accessList = accessListJson(a.accessList);
  if (a.chainId !== undefined) out.chainId = toQuantity(a.chainId);
  if (a.maxFeePerBlobGas !== undefined) out.maxFeePerBlobGas = toQuantity(a.maxFeePerBlobGas);
  if (a.blobVersionedHashes && a.blobVersionedHashes.length > 0) out.blobVersionedHashes = a.blobVersionedHashes.map(toHex);
  if (a.blobVersion) out.blobVersion = a.blobVersion;
  if (a.blobs && a.blobs.length > 0) out.blobs = a.blobs.map(toHex);
  if (a.commitments && a.commitments.length > 0) out.commitments = a.commitments.map(toHex);
  if (a.proofs && a.proofs.length > 0) out.proofs = a.proofs.map(toHex);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Calldata and buildability checks (§6.2, §6.3)
// ---------------------------------------------------------------------------------------------------------

/** The calldata clef uses: `input` if present, else `data`, else empty. */
export function calldataOf(a: SendTxArgs): Uint8Array {
  return a.input ?? a.data ?? new Uint8Array(0);
}

/**
 * §6.2: rejects differing `data`/`input`, then moves `input` into `data` (in place, as clef does, so the
 * UI and rules only ever see `data`). Returns the same object.
 */
export function normalizeCalldata(a: SendTxArgs): SendTxArgs {
  if (a.data !== undefined && a.input !== undefined && !equalBytes(a.data, a.input)) {
    throw new ValidationError('ambiguous request: both "data" and "input" are set and are not identical');
  }
  if (a.input !== undefined) {
    a.data = a.input;
    a.input = undefined;
  }
  return a;
}

/** Why blob sidecars are refused: KZG commitments and proofs need a trusted setup that is not shipped. */
export const SIDECAR_UNSUPPORTED =
  'blob sidecars are not supported by this signer (KZG commitment/proof computation and verification need a trusted setup); send blobVersionedHashes without blobs';

/** clef's sidecar checks (§6.3) up to the point where KZG would be needed, which is refused. */
function checkSidecar(a: SendTxArgs): void {
  if (a.blobs === undefined) return;
  const n = a.blobs.length;
  if (a.commitments === undefined && a.proofs !== undefined) throw new SignerError('blob proofs provided while commitments were not');
  if (a.commitments !== undefined && a.proofs === undefined) throw new SignerError('blob commitments provided while proofs were not');
  if (a.commitments !== undefined && a.commitments.length !== n) {
    throw new SignerError(`number of blobs and commitments mismatch (have=${a.commitments.length}, want=${n})`);
  }
  if (a.blobVersionedHashes !== undefined && a.blobVersionedHashes.length !== n) {
    throw new SignerError(`number of blobs and hashes mismatch (have=${a.blobVersionedHashes.length}, want=${n})`);
  }
  if (a.proofs !== undefined && a.proofs.length !== n && a.proofs.length !== n * 128) {
    throw new SignerError(`number of proofs and blobs mismatch (have=${a.proofs.length}, want=${n} or ${n * 128})`);
  }
  throw new SignerError(SIDECAR_UNSUPPORTED);
}

/** The transaction type §6.3 selects for these arguments. */
export function selectTxType(a: SendTxArgs): 0 | 1 | 2 | 3 {
  if (a.blobVersionedHashes !== undefined) return 3;
  if (a.maxFeePerGas !== undefined) return 2;
  if (a.accessList !== undefined) return 1;
  return 0;
}

/** Throws what clef's conversion to a transaction would throw (sidecar errors, blob without recipient). */
export function assertBuildable(a: SendTxArgs): void {
  checkSidecar(a);
  if (a.blobVersionedHashes !== undefined && a.to === null) {
    throw new SignerError('transaction recipient must be set for blob transactions');
  }
}

/** Minimal big-endian integer (0 → empty string), as RLP wants. */
const int = (n: bigint): Uint8Array => bigIntToBytes(n);

// ---------------------------------------------------------------------------------------------------------
// Building and signing (§6.3, §6.6, §6.7)
// ---------------------------------------------------------------------------------------------------------

interface UnsignedTx {
  type: 0 | 1 | 2 | 3;
  chainId: bigint;
  nonce: bigint;
  to: Address | null;
  gas: bigint;
  gasPrice: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerGas: bigint;
  maxFeePerBlobGas: bigint;
  value: bigint;
  input: Uint8Array;
  accessList: AccessTuple[];
  blobVersionedHashes: Uint8Array[];
}

function toUnsigned(a: SendTxArgs): UnsignedTx {
  assertBuildable(a);
  return {
    type: selectTxType(a),
    chainId: a.chainId ?? 0n,
    nonce: a.nonce,
    to: a.to ? a.to.address : null,
    gas: a.gas,
    gasPrice: a.gasPrice ?? 0n,
    maxPriorityFeePerGas: a.maxPriorityFeePerGas ?? 0n,
    maxFeePerGas: a.maxFeePerGas ?? 0n,
    maxFeePerBlobGas: a.maxFeePerBlobGas ?? 0n,
    value: a.value,
    input: calldataOf(a),
    accessList: a.accessList ?? [],
    blobVersionedHashes: a.blobVersionedHashes ?? [],
  };
}

const toField = (to: Address | null): Uint8Array => (to === null ? new Uint8Array(0) : fromHex(to));
const accessListRlp = (list: AccessTuple[]): RlpItem => list.map((t) => [fromHex(t.address), t.storageKeys]);

/** The typed payload fields before the signature (chain id already resolved). */
function typedFields(tx: UnsignedTx): RlpItem[] {
  const common = [int(tx.gas), toField(tx.to), int(tx.value), tx.input, accessListRlp(tx.accessList)];
  switch (tx.type) {
    case 1:
      return [int(tx.chainId), int(tx.nonce), int(tx.gasPrice), ...common];
    case 2:
      return [int(tx.chainId), int(tx.nonce), int(tx.maxPriorityFeePerGas), int(tx.maxFeePerGas), ...common];
    default:
      return [
        int(tx.chainId),
        int(tx.nonce),
        int(tx.maxPriorityFeePerGas),
        int(tx.maxFeePerGas),
        ...common,
        int(tx.maxFeePerBlobGas),
        tx.blobVersionedHashes,
      ];
  }
}

function legacyFields(tx: UnsignedTx): RlpItem[] {
  return [int(tx.nonce), int(tx.gasPrice), int(tx.gas), toField(tx.to), int(tx.value), tx.input];
}

/**
 * Builds the transaction §6.3 selects, signs it for `chainId` (EIP-155 for legacy; typed transactions with a
 * zero chain id get `chainId`, a different non-zero one fails) and returns clef's `{raw, tx}` result.
 * `signHash` signs a 32-byte digest and returns R ‖ S ‖ V with V = 0/1.
 */
export async function signTransaction(
  a: SendTxArgs,
  chainId: bigint,
  signHash: (digest: Uint8Array, payload: UnsignedTxPayload) => Promise<Uint8Array>,
): Promise<SignTransactionResult> {
  const tx = toUnsigned(a);
  let encoded: Uint8Array;
  if (tx.type === 0) {
    const fields = legacyFields(tx);
    encoded = rlp(chainId !== 0n ? [...fields, int(chainId), int(0n), int(0n)] : fields);
  } else {
    // go-ethereum hashes with the signer's chain id and checks the transaction's own id afterwards.
    encoded = concatBytes(Uint8Array.of(tx.type), rlp(typedFields({ ...tx, chainId })));
  }
  const digest = keccak256(encoded);
  // go-ethereum notices a foreign chain id only after signing; checking first spares a hardware prompt.
  if (tx.type !== 0 && tx.chainId !== 0n && tx.chainId !== chainId) {
    throw new SignerError(`invalid chain id for signer: have ${tx.chainId} want ${chainId}`);
  }
  const payload: UnsignedTxPayload = {
    type: tx.type,
    chainId,
    nonce: tx.nonce,
    to: tx.to,
    gas: tx.gas,
    gasPrice: tx.gasPrice,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    maxFeePerGas: tx.maxFeePerGas,
    value: tx.value,
    data: tx.input,
    accessList: tx.accessList.map((t) => ({ address: t.address, storageKeys: t.storageKeys })),
    encoded,
    digest,
  };
  const sig = await signHash(digest, payload);
  if (sig.length !== 65 || sig[64] > 1) throw new SignerError('invalid signature: want 65 bytes R ‖ S ‖ V with V 0/1');
  const r = BigInt(toHex(sig.subarray(0, 32)));
  const s = BigInt(toHex(sig.subarray(32, 64)));
  const recid = BigInt(sig[64]);
  let raw: Uint8Array;
  let v: bigint;
  tx.chainId = chainId; // legacy: the EIP-155 id derived from v; typed: the signer's id (zero was filled in)
  if (tx.type === 0) {
    v = chainId !== 0n ? recid + 35n + 2n * chainId : recid + 27n;
    raw = rlp([...legacyFields(tx), int(v), int(r), int(s)]);
  } else {
    v = recid;
    raw = concatBytes(Uint8Array.of(tx.type), rlp([...typedFields(tx), int(v), int(r), int(s)]));
  }
  const hash = keccak256(raw);
  return { raw: toHex(raw), tx: txJson(tx, v, r, s, hash, chainId !== 0n || tx.type !== 0) };
}

/** go-ethereum's transaction JSON: fixed key order, unused fee fields `null`, typed-only keys omitted. */
function txJson(tx: UnsignedTx, v: bigint, r: bigint, s: bigint, hash: Uint8Array, withChainId: boolean): JsonObject {
  const typed = tx.type !== 0;
  const dynamic = tx.type >= 2;
  const out: JsonObject = { type: toQuantity(tx.type) };
  if (withChainId) out.chainId = toQuantity(tx.chainId);
  out.nonce = toQuantity(tx.nonce);
  out.to = tx.to;
  out.gas = toQuantity(tx.gas);
  out.gasPrice = dynamic ? null : toQuantity(tx.gasPrice);
  out.maxPriorityFeePerGas = dynamic ? toQuantity(tx.maxPriorityFeePerGas) : null;
  out.maxFeePerGas = dynamic ? toQuantity(tx.maxFeePerGas) : null;
  if (tx.type === 3) out.maxFeePerBlobGas = toQuantity(tx.maxFeePerBlobGas);
  out.value = toQuantity(tx.value);
  out.input = toHex(tx.input);
  if (typed) out.accessList = accessListJson(tx.accessList);
  if (tx.type === 3 && tx.blobVersionedHashes.length > 0) out.blobVersionedHashes = tx.blobVersionedHashes.map(toHex);
  out.v = toQuantity(v);
  out.r = toQuantity(r);
  out.s = toQuantity(s);
  if (typed) out.yParity = toQuantity(v);
  out.hash = toHex(hash);
  return out;
}
