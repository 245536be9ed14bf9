// account_signGnosisSafeTx's data: the Safe transaction-service JSON decoded with Go's rules, the SafeTx
// EIP-712 document, the digest check against safeTxHash (with clef's chain-id retry) and the result object.
// Spec: external-api.md §9.
import { type Address, equalBytes, toChecksumAddress, toHex } from './bytes.ts';
import { SignerError } from './errors.ts';
import { hashTypedData, decodeHexOrDecimal256, decodeHexOrDecimalText, jsonNumberText, type TypedData } from './eip712.ts';
import { goFieldFor, jsonKind, goQuote, isJsonObject, jsonAddress, jsonBytes, jsonFixed, MixedcaseAddress, type Json, type JsonObject } from './gojson.ts';

/** A decoded Safe transaction (only the keys clef recognises). */
export interface GnosisSafeTx {
  safe: MixedcaseAddress;
  to: MixedcaseAddress;
  value: bigint;
  gasPrice: bigint;
  /** null when absent or JSON null. */
  data: Uint8Array | null;
  operation: number;
  gasToken: Address;
  refundReceiver: Address;
  baseGas: bigint;
  safeTxGas: bigint;
  nonce: bigint;
  /** The digest the caller expects clef to sign. */
  safeTxHash: Uint8Array;
  chainId?: bigint;
}

/** The transaction the validator checks for a Safe transaction (§9.2 step 1). */
export interface GnosisValidationArgs {
  from: MixedcaseAddress;
  to: MixedcaseAddress;
  gas: bigint;
  gasPrice: bigint;
  value: bigint;
  nonce: bigint;
  data: Uint8Array | null;
  chainId?: bigint;
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000' as Address;
const TWO_64 = 1n << 64n;
const STRUCT = 'GnosisSafeTx';

const FIELDS = [
  'signature',
  'contractTransactionHash',
  'sender',
  'safe',
  'to',
  'value',
  'gasPrice',
  'data',
  'operation',
  'gasToken',
  'refundReceiver',
  'baseGas',
  'safeTxGas',
  'nonce',
  'safeTxHash',
  'chainId',
] as const;

function typeError(what: string, field: string, goType: string): Error {
  return new Error(`json: cannot unmarshal ${what} into Go struct field ${STRUCT}.${field} of type ${goType}`);
}

/** big.Int's JSON decoding: a bare integer literal; anything else is `math/big: cannot unmarshal "<text>" …`. */
function bigIntJson(v: Json): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  const text = typeof v === 'number' ? jsonNumberText(v) : JSON.stringify(v);
  throw new Error(`math/big: cannot unmarshal ${goQuote(text)} into a *big.Int`);
}

/**
 * Decodes the Safe transaction object with Go's rules (§9.1): unknown keys ignored, field names matched
 * case-insensitively, value/gasPrice only as strings, baseGas/safeTxGas/nonce only as numbers. Type
 * mismatches are reported after the whole object was read (as Go does); decoder errors stop at once.
 */
export function parseGnosisSafeTx(v: Json): GnosisSafeTx {
  const tx: GnosisSafeTx = {
    safe: new MixedcaseAddress(ZERO_ADDRESS, ''),
    to: new MixedcaseAddress(ZERO_ADDRESS, ''),
    value: 0n,
    gasPrice: 0n,
    data: null,
    operation: 0,
    gasToken: ZERO_ADDRESS,
    refundReceiver: ZERO_ADDRESS,
    baseGas: 0n,
    safeTxGas: 0n,
    nonce: 0n,
    safeTxHash: new Uint8Array(32),
  };
  if (v === null) return tx;
  if (!isJsonObject(v)) throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type core.${STRUCT}`);
  let soft: Error | null = null;
  const mismatch = (val: Json, field: string, goType: string, what = jsonKind(val)): void => {
    soft ??= typeError(what, field, goType);
  };
  for (const key of Object.keys(v)) {
    const field = goFieldFor(key, FIELDS);
    if (!field) continue;
    const val = v[key];
    const ctx = { field: `${STRUCT}.${field}` };
    switch (field) {
      case 'signature':
        jsonBytes(val, { ...ctx, goType: 'hexutil.Bytes' });
        break;
      case 'contractTransactionHash':
        jsonFixed(val, 32, { ...ctx, goType: 'common.Hash' });
        break;
      case 'sender':
        MixedcaseAddress.fromJson(val, ctx);
        break;
      case 'safe':
      case 'to':
        tx[field] = MixedcaseAddress.fromJson(val, ctx);
        break;
      case 'value':
      case 'gasPrice':
        // math.Decimal256 is a text unmarshaler: strings only, null leaves the value alone.
        if (typeof val === 'string') tx[field] = decodeHexOrDecimalText(val);
        else if (val !== null) mismatch(val, field, 'math.Decimal256');
        break;
      case 'data':
        tx.data = val === null ? null : jsonBytes(val, { ...ctx, goType: 'hexutil.Bytes' });
        break;
      case 'operation':
        if (typeof val === 'number') {
          if (Number.isInteger(val) && val >= 0 && val <= 255) tx.operation = val;
          else mismatch(val, field, 'uint8', `number ${jsonNumberText(val)}`);
        } else if (val !== null) mismatch(val, field, 'uint8');
        break;
      case 'gasToken':
      case 'refundReceiver':
        tx[field] = jsonAddress(val, ctx);
        break;
      case 'baseGas':
      case 'safeTxGas':
      case 'nonce':
        if (val !== null) tx[field] = bigIntJson(val);
        break;
      case 'safeTxHash':
        tx.safeTxHash = jsonFixed(val, 32, { ...ctx, goType: 'common.Hash' });
        break;
      case 'chainId':
        if (val === null) delete tx.chainId;
        else tx.chainId = decodeHexOrDecimal256(val);
        break;
    }
  }
  if (soft) throw soft;
  return tx;
}

/** big.Int.Uint64(): the low 64 bits of |x|. */
function low64(n: bigint): bigint {
  return (n < 0n ? -n : n) % TWO_64;
}

/** The SafeTx EIP-712 document (§9.2 step 2); chainId defaults to the transaction's own. */
export function gnosisTypedData(tx: GnosisSafeTx, chainId: bigint | undefined = tx.chainId): TypedData {
  const domainType = [{ name: 'verifyingContract', type: 'address' }];
  if (chainId !== undefined) domainType.unshift({ name: 'chainId', type: 'uint256' });
  const types = Object.create(null) as TypedData['types'];
  types.EIP712Domain = domainType;
  types.SafeTx = [
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'data', type: 'bytes' },
    { name: 'operation', type: 'uint8' },
    { name: 'safeTxGas', type: 'uint256' },
    { name: 'baseGas', type: 'uint256' },
    { name: 'gasPrice', type: 'uint256' },
    { name: 'gasToken', type: 'address' },
    { name: 'refundReceiver', type: 'address' },
    { name: 'nonce', type: 'uint256' },
  ];
  const domain: TypedData['domain'] = { name: '', version: '', verifyingContract: tx.safe.checksummed(), salt: '' };
  if (chainId !== undefined) domain.chainId = chainId;
  return {
    types,
    primaryType: 'SafeTx',
    domain,
    message: {
      to: tx.to.checksummed(),
      value: tx.value.toString(),
      data: toHex(tx.data ?? new Uint8Array(0)),
      operation: String(tx.operation),
      safeTxGas: tx.safeTxGas.toString(),
      baseGas: tx.baseGas.toString(),
      gasPrice: tx.gasPrice.toString(),
      gasToken: toChecksumAddress(tx.gasToken),
      refundReceiver: toChecksumAddress(tx.refundReceiver),
      // clef hashes the nonce as uint64 (big.Int.Uint64()).
      nonce: low64(tx.nonce).toString(),
    },
  };
}

/** The outcome of §9.2 step 3: the document and digest to sign, and the chain id the result reports. */
export interface GnosisDigest {
  typedData: TypedData;
  digest: Uint8Array;
  /** 0x19 0x01 ‖ domainSeparator ‖ structHash. */
  rawData: Uint8Array;
  /** The transaction's chainId, or the configured one if it was filled in; absent otherwise. */
  chainIdUsed?: bigint;
}

/**
 * Computes the SafeTx digest and checks it against safeTxHash. Without a chainId a mismatch is retried
 * with the configured chain id and then fails with `mismatched safeTxHash; have 0x… want 0x…`.
 * clef quirk kept: when the transaction carried a chainId, a mismatch is ignored and the computed digest
 * is what gets signed.
 */
export function resolveGnosisDigest(tx: GnosisSafeTx, configuredChainId: bigint): GnosisDigest {
  const typedData = gnosisTypedData(tx);
  const h = hashTypedData(typedData);
  if (equalBytes(h.digest, tx.safeTxHash) || tx.chainId !== undefined) {
    const out: GnosisDigest = { typedData, digest: h.digest, rawData: h.rawData };
    if (tx.chainId !== undefined) out.chainIdUsed = tx.chainId;
    return out;
  }
  const retry = gnosisTypedData(tx, configuredChainId);
  const h2 = hashTypedData(retry);
  if (!equalBytes(h2.digest, tx.safeTxHash)) {
    throw new SignerError(`mismatched safeTxHash; have ${toHex(h2.digest)} want ${toHex(tx.safeTxHash)}`);
  }
  return { typedData: retry, digest: h2.digest, rawData: h2.rawData, chainIdUsed: configuredChainId };
}

/** The transaction validated for a Safe transaction: from = safe, gas = safeTxGas, nonce as uint64. */
export function gnosisValidationArgs(tx: GnosisSafeTx): GnosisValidationArgs {
  const args: GnosisValidationArgs = {
    from: tx.safe,
    to: tx.to,
    gas: low64(tx.safeTxGas),
    gasPrice: tx.gasPrice,
    value: tx.value,
    nonce: low64(tx.nonce),
    data: tx.data,
  };
  if (tx.chainId !== undefined) args.chainId = tx.chainId;
  return args;
}

/** HexOrDecimal256's JSON form: `0x` hex, sign in front (`-0x5`). */
function hexBig(n: bigint): string {
  return n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/**
 * The result object of §9.2 step 5, keys in clef's order. Big integers come back as JSON numbers (as
 * clef's big.Int does); they were parsed from doubles, so Number() returns the same value.
 */
export function gnosisResultJson(
  tx: GnosisSafeTx,
  signature: Uint8Array,
  digest: Uint8Array,
  sender: string,
  chainId?: bigint,
): JsonObject {
  const out: JsonObject = {
    signature: toHex(signature),
    contractTransactionHash: toHex(digest),
    sender,
    safe: tx.safe.toJSON(),
    to: tx.to.toJSON(),
    value: tx.value.toString(),
    gasPrice: tx.gasPrice.toString(),
    data: tx.data === null ? null : toHex(tx.data),
    operation: tx.operation,
    gasToken: tx.gasToken,
    refundReceiver: tx.refundReceiver,
    baseGas: Number(tx.baseGas),
    safeTxGas: Number(tx.safeTxGas),
    nonce: Number(tx.nonce),
    safeTxHash: toHex(tx.safeTxHash),
  };
  if (chainId !== undefined) out.chainId = hexBig(chainId);
  return out;
}
