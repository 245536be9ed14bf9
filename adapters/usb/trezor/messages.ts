// The host side of the Trezor messages the Ethereum flows use: encoders for requests, decoders for replies.
// Field numbers from trezor-firmware common/protob/messages-{management,common,ethereum}.proto.
import { ProtoReader, ProtoWriter } from './protobuf.ts';
import { bigIntToBytes } from '../../../core/bytes.ts';

/** An unsigned quantity as Trezor wants it: minimal big-endian bytes, zero = empty ("<=256 bit unsigned"). */
function quantityBytes(n: bigint, what: string): Uint8Array {
  if (n < 0n || n >= 1n << 256n) throw new RangeError(`${what} out of range for the device: ${n}`);
  return bigIntToBytes(n);
}

function path(w: ProtoWriter, field: number, addressN: readonly number[]): ProtoWriter {
  for (const n of addressN) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`bad derivation path component ${n}`);
    w.uint(field, n);
  }
  return w;
}

// ---------------------------------------------------------------------------------------------------------
// Requests (host → device)
// ---------------------------------------------------------------------------------------------------------

/** Initialize { session_id = 1 }: resets the device's state and asks for Features. */
export function encodeInitialize(sessionId?: Uint8Array): Uint8Array {
  const w = new ProtoWriter();
  if (sessionId) w.bytes(1, sessionId);
  return w.finish();
}

/** PinMatrixAck { pin = 1 }: the PIN as positions on the device's scrambled matrix. */
export function encodePinMatrixAck(pin: string): Uint8Array {
  return new ProtoWriter().string(1, pin).finish();
}

/** PassphraseAck { passphrase = 1 }. */
export function encodePassphraseAck(passphrase: string): Uint8Array {
  return new ProtoWriter().string(1, passphrase).finish();
}

/** EthereumGetAddress { address_n = 1 (repeated), show_display = 2 }. */
export function encodeEthereumGetAddress(addressN: readonly number[], showDisplay = false): Uint8Array {
  const w = path(new ProtoWriter(), 1, addressN);
  if (showDisplay) w.bool(2, true);
  return w.finish();
}

/** The first data chunk sent inside a signing request; the rest follows on EthereumTxRequest. */
export const DATA_CHUNK_SIZE = 1024;

/** Fields of EthereumSignTx (legacy, EIP-155). */
export interface LegacySignFields {
  addressN: readonly number[];
  nonce: bigint;
  gasPrice: bigint;
  gasLimit: bigint;
  /** `0x`-prefixed recipient, or '' for contract creation. */
  to: string;
  value: bigint;
  data: Uint8Array;
  chainId: bigint;
}

function checkChainId(chainId: bigint): void {
  // chain_id is a uint64 on the wire; the firmware also refuses 0 ("Chain ID out of bounds").
  if (chainId <= 0n || chainId > (1n << 64n) - 1n) throw new RangeError(`chain id ${chainId} cannot be sent to a Trezor (1 … 2^64-1)`);
}

/** EthereumSignTx: nonce 2, gas_price 3, gas_limit 4, to 11, value 6, data_initial_chunk 7, data_length 8, chain_id 9. */
export function encodeEthereumSignTx(f: LegacySignFields): Uint8Array {
  checkChainId(f.chainId);
  const w = path(new ProtoWriter(), 1, f.addressN);
  w.bytes(2, quantityBytes(f.nonce, 'nonce'));
  w.bytes(3, quantityBytes(f.gasPrice, 'gas price'));
  w.bytes(4, quantityBytes(f.gasLimit, 'gas limit'));
  if (f.to !== '') w.string(11, f.to);
  w.bytes(6, quantityBytes(f.value, 'value'));
  if (f.data.length > 0) {
    w.bytes(7, f.data.subarray(0, DATA_CHUNK_SIZE));
    w.uint(8, f.data.length);
  }
  w.uint(9, f.chainId);
  return w.finish();
}

/** Fields of EthereumSignTxEIP1559. */
export interface Eip1559SignFields {
  addressN: readonly number[];
  nonce: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  /** `0x`-prefixed recipient, or '' for contract creation. */
  to: string;
  value: bigint;
  data: Uint8Array;
  chainId: bigint;
  accessList: readonly { address: string; storageKeys: readonly Uint8Array[] }[];
}

/**
 * EthereumSignTxEIP1559: nonce 2, max_gas_fee 3, max_priority_fee 4, gas_limit 5, to 6, value 7,
 * data_initial_chunk 8, data_length 9 (required), chain_id 10, access_list 11 { address 1, storage_keys 2 }.
 */
export function encodeEthereumSignTxEIP1559(f: Eip1559SignFields): Uint8Array {
  checkChainId(f.chainId);
  const w = path(new ProtoWriter(), 1, f.addressN);
  w.bytes(2, quantityBytes(f.nonce, 'nonce'));
  w.bytes(3, quantityBytes(f.maxFeePerGas, 'max fee per gas'));
  w.bytes(4, quantityBytes(f.maxPriorityFeePerGas, 'max priority fee per gas'));
  w.bytes(5, quantityBytes(f.gasLimit, 'gas limit'));
  if (f.to !== '') w.string(6, f.to);
  w.bytes(7, quantityBytes(f.value, 'value'));
  if (f.data.length > 0) w.bytes(8, f.data.subarray(0, DATA_CHUNK_SIZE));
  w.uint(9, f.data.length);
  w.uint(10, f.chainId);
  for (const t of f.accessList) {
    const entry = new ProtoWriter().string(1, t.address);
    for (const k of t.storageKeys) entry.bytes(2, k);
    w.message(11, entry);
  }
  return w.finish();
}

/** EthereumTxAck { data_chunk = 1 }. */
export function encodeEthereumTxAck(chunk: Uint8Array): Uint8Array {
  return new ProtoWriter().bytes(1, chunk).finish();
}

/** EthereumSignMessage { address_n = 1, message = 2 }. */
export function encodeEthereumSignMessage(addressN: readonly number[], message: Uint8Array): Uint8Array {
  return path(new ProtoWriter(), 1, addressN).bytes(2, message).finish();
}

/** EthereumSignTypedHash { address_n = 1, domain_separator_hash = 2, message_hash = 3 (absent for domain-only data) }. */
export function encodeEthereumSignTypedHash(addressN: readonly number[], domain: Uint8Array, message: Uint8Array | null): Uint8Array {
  const w = path(new ProtoWriter(), 1, addressN).bytes(2, domain);
  if (message !== null) w.bytes(3, message);
  return w.finish();
}

// ---------------------------------------------------------------------------------------------------------
// Replies (device → host)
// ---------------------------------------------------------------------------------------------------------

/** The parts of Features the signer uses. */
export interface Features {
  vendor: string;
  majorVersion: number;
  minorVersion: number;
  patchVersion: number;
  bootloaderMode: boolean;
  deviceId: string;
  pinProtection: boolean;
  passphraseProtection: boolean;
  label: string;
  initialized: boolean;
  /** PIN already entered in this session (field `pin_cached`, renamed `unlocked` by newer firmware). */
  unlocked: boolean;
  model: string;
  sessionId?: Uint8Array;
}

/** Features: vendor 1, major 2, minor 3, patch 4, bootloader_mode 5, device_id 6, pin_protection 7, passphrase_protection 8, label 10, initialized 12, pin_cached 16, model 21, session_id 35. */
export function decodeFeatures(payload: Uint8Array): Features {
  const r = new ProtoReader(payload);
  const f: Features = {
    vendor: r.string(1) ?? '',
    majorVersion: r.uint32(2) ?? 0,
    minorVersion: r.uint32(3) ?? 0,
    patchVersion: r.uint32(4) ?? 0,
    bootloaderMode: r.bool(5) ?? false,
    deviceId: r.string(6) ?? '',
    pinProtection: r.bool(7) ?? false,
    passphraseProtection: r.bool(8) ?? false,
    label: r.string(10) ?? '',
    initialized: r.bool(12) ?? false,
    unlocked: r.bool(16) ?? false,
    model: r.string(21) ?? '',
  };
  const sid = r.bytes(35);
  if (sid) f.sessionId = sid;
  return f;
}

/** Failure codes (messages-common.proto, Failure.FailureType). */
export const FailureType = {
  UnexpectedMessage: 1,
  ButtonExpected: 2,
  DataError: 3,
  ActionCancelled: 4,
  PinExpected: 5,
  PinCancelled: 6,
  PinInvalid: 7,
  InvalidSignature: 8,
  ProcessError: 9,
  NotEnoughFunds: 10,
  NotInitialized: 11,
  PinMismatch: 12,
  WipeCodeMismatch: 13,
  InvalidSession: 14,
  Busy: 15,
  FirmwareError: 99,
} as const;

const FAILURE_NAMES = new Map<number, string>(Object.entries(FailureType).map(([k, v]) => [v, `Failure_${k}`]));

/** `Failure_<Name>` of a failure code. */
export function failureName(code: number | undefined): string {
  if (code === undefined) return 'Failure';
  return FAILURE_NAMES.get(code) ?? `Failure_${code}`;
}

/** Failure { code = 1, message = 2 }. */
export function decodeFailure(payload: Uint8Array): { code?: number; message: string } {
  const r = new ProtoReader(payload);
  const code = r.uint32(1);
  return code === undefined ? { message: r.string(2) ?? '' } : { code, message: r.string(2) ?? '' };
}

/** EthereumAddress { _old_address = 1 (raw 20 bytes, firmware < 1.8.0 / 2.1.0), address = 2 (hex string) }. */
export function decodeEthereumAddress(payload: Uint8Array): { address?: string; oldAddress?: Uint8Array } {
  const r = new ProtoReader(payload);
  const out: { address?: string; oldAddress?: Uint8Array } = {};
  const a = r.string(2);
  if (a !== undefined) out.address = a;
  const old = r.bytes(1);
  if (old !== undefined) out.oldAddress = old;
  return out;
}

/** EthereumTxRequest { data_length = 1, signature_v = 2, signature_r = 3, signature_s = 4 }. */
export interface TxRequest {
  dataLength?: number;
  signatureV?: number;
  signatureR?: Uint8Array;
  signatureS?: Uint8Array;
}

export function decodeEthereumTxRequest(payload: Uint8Array): TxRequest {
  const r = new ProtoReader(payload);
  const out: TxRequest = {};
  const dl = r.uint32(1);
  if (dl !== undefined) out.dataLength = dl;
  const v = r.uint32(2);
  if (v !== undefined) out.signatureV = v;
  const sr = r.bytes(3);
  if (sr !== undefined) out.signatureR = sr;
  const ss = r.bytes(4);
  if (ss !== undefined) out.signatureS = ss;
  return out;
}

/** EthereumMessageSignature { signature = 2, address = 3 }. */
export function decodeEthereumMessageSignature(payload: Uint8Array): { signature: Uint8Array; address: string } {
  const r = new ProtoReader(payload);
  return { signature: r.bytes(2) ?? new Uint8Array(0), address: r.string(3) ?? '' };
}

/** EthereumTypedDataSignature { signature = 1, address = 2 }. */
export function decodeEthereumTypedDataSignature(payload: Uint8Array): { signature: Uint8Array; address: string } {
  const r = new ProtoReader(payload);
  return { signature: r.bytes(1) ?? new Uint8Array(0), address: r.string(2) ?? '' };
}
