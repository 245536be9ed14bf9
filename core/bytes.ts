// Byte, hex, hash and address primitives. Hex lives only at the edges; inside, bytes are Uint8Array.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** Ethereum's Keccak-256 (legacy padding, not SHA3-256). */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

const HEX = '0123456789abcdef';

/** Lowercase hex without prefix. */
export function toHexRaw(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return s;
}

/** Lowercase `0x`-prefixed hex. */
export function toHex(bytes: Uint8Array): string {
  return '0x' + toHexRaw(bytes);
}

/** The value of one hex digit's character code, -1 when it is not one. */
export function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes hex digits (optional `0x`/`0X` prefix). Throws on odd length or a bad digit. */
export function fromHex(hex: string): Uint8Array {
  const s = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0) throw new Error('hex string of odd length');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(s.charCodeAt(2 * i));
    const lo = nibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new Error('invalid hex string');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** True when the string is only hex digits (no prefix). */
export function isHexDigits(s: string): boolean {
  return /^[0-9a-fA-F]*$/.test(s);
}

/** Concatenates byte arrays (a few, as arguments; see concatAll for a list of any length). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/**
 * Concatenates a list of byte arrays of any length. Never spread a request-sized array into arguments
 * (`f(...parts)`): engines cap the argument count (V8 throws RangeError near 120k), so pass the array.
 */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Constant-time-ish equality of two byte arrays. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8; invalid sequences become U+FFFD (as Go's JSON encoder does). */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Big-endian unsigned integer of bytes. */
export function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + toHexRaw(b));
}

/** Big-endian bytes of a non-negative integer, minimal length (0 → empty) or left-padded to `size`. */
export function bigIntToBytes(n: bigint, size?: number): Uint8Array {
  if (n < 0n) throw new Error('negative integer');
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const raw = fromHex(hex);
  if (size === undefined) return raw;
  if (raw.length > size) throw new Error(`integer does not fit in ${size} bytes`);
  const out = new Uint8Array(size);
  out.set(raw, size - raw.length);
  return out;
}

/** Minimal `0x` hex quantity (`0x0` for zero), as go-ethereum's hexutil.Big/Uint64 encode. */
export function toQuantity(n: bigint | number): string {
  return '0x' + BigInt(n).toString(16);
}

/** Overwrites a secret buffer with zeros. */
export function wipe(b: Uint8Array | undefined | null): void {
  if (b) b.fill(0);
}

/** A 20-byte address as lowercase `0x` hex. */
export type Address = `0x${string}`;

/** Lowercase `0x` address from 20 bytes. */
export function addressFromBytes(b: Uint8Array): Address {
  if (b.length !== 20) throw new Error(`address must be 20 bytes, got ${b.length}`);
  return toHex(b) as Address;
}

/** EIP-55 mixed-case checksummed form (`0x` prefix) of an address given as bytes or hex. */
export function toChecksumAddress(addr: Uint8Array | string): string {
  const lower = typeof addr === 'string' ? addr.replace(/^0[xX]/, '').toLowerCase() : toHexRaw(addr);
  if (lower.length !== 40 || !isHexDigits(lower)) throw new Error(`invalid address ${String(addr)}`);
  const hash = toHexRaw(keccak256(utf8(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

/** Address of an uncompressed secp256k1 public key (65 bytes, 0x04 prefix, or 64 bytes). */
export function addressOfPublicKey(pub: Uint8Array): Address {
  const body = pub.length === 65 ? pub.subarray(1) : pub;
  return addressFromBytes(keccak256(body).subarray(12));
}

/** Bytes of a string encoded as UTF-8 (a lone surrogate counts 3, as TextEncoder writes U+FFFD), without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
