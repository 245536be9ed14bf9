// RLP: a plain encoder, and a strict streaming decoder that accepts and rejects exactly what go-ethereum's
// reflection decoder does, with its error texts (`rlp: <what> for <Go type>, decoding into (T).Field`).

import { bytesToBigInt, concatAll } from './bytes.ts';

/** An encodable value: a byte string, a non-negative integer (minimal big-endian), or a list. */
export type RlpItem = Uint8Array | bigint | RlpItem[];

function lengthBytes(n: number): number[] {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

function header(len: number, short: number, long: number): Uint8Array {
  if (len < 56) return Uint8Array.of(short + len);
  const lb = lengthBytes(len);
  return Uint8Array.of(long + lb.length, ...lb);
}

function bigIntBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new RlpError('rlp: cannot encode negative big.Int');
  if (n === 0n) return new Uint8Array(0);
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function encodeInto(item: RlpItem, out: Uint8Array[]): number {
  if (Array.isArray(item)) {
    const parts: Uint8Array[] = [];
    let len = 0;
    for (const el of item) len += encodeInto(el, parts);
    const head = header(len, 0xc0, 0xf7);
    out.push(head);
    for (const p of parts) out.push(p);
    return head.length + len;
  }
  const bytes = typeof item === 'bigint' ? bigIntBytes(item) : item;
  if (bytes.length === 1 && bytes[0] < 0x80) {
    out.push(bytes);
    return 1;
  }
  const head = header(bytes.length, 0x80, 0xb7);
  out.push(head, bytes);
  return head.length + bytes.length;
}

/** RLP encoding of a byte string, integer or (nested) list. */
export function rlpEncode(item: RlpItem): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(item, parts);
  return concatAll(parts);
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

/** Base class of every RLP failure; the message is go-ethereum's text. */
export class RlpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RlpError';
  }
}

/** go-ethereum's stream-level sentinel errors (before a decoder attaches the Go type). */
const streamText = {
  expectedString: 'rlp: expected String or Byte',
  expectedList: 'rlp: expected List',
  canonInt: 'rlp: non-canonical integer format',
  canonSize: 'rlp: non-canonical size information',
  elemTooLarge: 'rlp: element is larger than containing list',
  valueTooLarge: 'rlp: value size exceeds available input length',
  eol: 'rlp: end of list',
  notAtEOL: 'rlp: call of ListEnd not positioned at EOL',
  notInList: 'rlp: call of ListEnd outside of any list',
  uintOverflow: 'rlp: uint overflow',
  eof: 'EOF',
} as const;
type StreamCode = keyof typeof streamText;

/** A sentinel error of the stream (e.g. EOL, ErrElemTooLarge). */
export class RlpStreamError extends RlpError {
  constructor(readonly code: StreamCode) {
    super(streamText[code]);
  }
}

/** go-ethereum's decodeError: `rlp: <msg> for <type>` plus the field path once known. */
class RlpDecodeError extends RlpError {
  private readonly ctx: string[] = [];
  constructor(
    readonly msg: string,
    readonly goType: string,
  ) {
    super(`rlp: ${msg} for ${goType}`);
  }

  /** Appends one path element (innermost first), as Go's addErrorContext. */
  addContext(ctx: string): this {
    this.ctx.push(ctx);
    this.message = `rlp: ${this.msg} for ${this.goType}, decoding into ${[...this.ctx].reverse().join('')}`;
    return this;
  }

  /** True when a field path has been attached. */
  hasContext(): boolean {
    return this.ctx.length > 0;
  }
}

const wrapText: Partial<Record<StreamCode, string>> = {
  canonInt: 'non-canonical integer (leading zero bytes)',
  canonSize: 'non-canonical size information',
  expectedList: 'expected input list',
  expectedString: 'expected input string or byte',
  uintOverflow: 'input string too long',
  notAtEOL: 'input list has too many elements',
};

/** Go's wrapStreamError: attaches the Go type to the sentinels a typed decoder reports. */
function wrap(err: unknown, goType: string): unknown {
  if (err instanceof RlpStreamError) {
    const msg = wrapText[err.code];
    if (msg) return new RlpDecodeError(msg, goType);
  }
  return err;
}

/** True for the end-of-list sentinel. */
function isEol(err: unknown): boolean {
  return err instanceof RlpStreamError && err.code === 'eol';
}

type Kind = 'byte' | 'string' | 'list';

/** A strict decoding stream over one byte array (go-ethereum's rlp.Stream semantics, input-limited). */
export class RlpStream {
  private pos = 0;
  private remaining: number;
  private readonly stack: number[] = [];
  private kindCache: { kind: Kind; size: number; err: RlpStreamError | null } | null = null;
  private byteval = 0;

  constructor(private readonly input: Uint8Array) {
    this.remaining = input.length;
  }

  /** Bytes not yet consumed. */
  get rest(): number {
    return this.input.length - this.pos;
  }

  private willRead(n: number): void {
    this.kindCache = null;
    const top = this.stack.length;
    if (top > 0) {
      if (n > this.stack[top - 1]) throw new RlpStreamError('elemTooLarge');
      this.stack[top - 1] -= n;
    }
    if (n > this.remaining) throw new RlpStreamError('valueTooLarge');
    this.remaining -= n;
  }

  private readByte(): number {
    this.willRead(1);
    return this.input[this.pos++];
  }

  private readFull(n: number): Uint8Array {
    this.willRead(n);
    const out = this.input.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Big-endian unsigned of `size` bytes; a leading zero byte is ErrCanonSize (callers may re-map it). */
  private readUint(size: number): number {
    if (size === 0) {
      this.kindCache = null;
      return 0;
    }
    if (size === 1) return this.readByte();
    const b = this.readFull(size);
    if (b[0] === 0) throw new RlpStreamError('canonSize');
    let v = 0;
    for (const x of b) v = v * 256 + x;
    return v;
  }

  private readKind(): { kind: Kind; size: number } {
    let b: number;
    try {
      b = this.readByte();
    } catch (e) {
      // At top level running out of input is plain EOF, as in Go.
      if (this.stack.length === 0 && e instanceof RlpStreamError && e.code === 'valueTooLarge') throw new RlpStreamError('eof');
      throw e;
    }
    this.byteval = 0;
    if (b < 0x80) {
      this.byteval = b;
      return { kind: 'byte', size: 0 };
    }
    if (b < 0xb8) return { kind: 'string', size: b - 0x80 };
    if (b < 0xc0) {
      const size = this.readUint(b - 0xb7);
      if (size < 56) throw new RlpStreamError('canonSize');
      return { kind: 'string', size };
    }
    if (b < 0xf8) return { kind: 'list', size: b - 0xc0 };
    const size = this.readUint(b - 0xf7);
    if (size < 56) throw new RlpStreamError('canonSize');
    return { kind: 'list', size };
  }

  /** Kind and size of the value ahead (cached until consumed); throws the stream's sentinels. */
  kind(): { kind: Kind; size: number } {
    if (this.kindCache) {
      if (this.kindCache.err) throw this.kindCache.err;
      return this.kindCache;
    }
    const top = this.stack.length;
    // Go compares the value size with the list room left *before* the size tag was read.
    const listLimit = top > 0 ? this.stack[top - 1] : 0;
    if (top > 0 && listLimit === 0) throw new RlpStreamError('eol');
    let k: { kind: Kind; size: number };
    try {
      k = this.readKind();
    } catch (e) {
      if (e instanceof RlpStreamError) this.kindCache = { kind: 'byte', size: 0, err: e };
      throw e;
    }
    let err: RlpStreamError | null = null;
    if (top > 0 && k.size > listLimit) err = new RlpStreamError('elemTooLarge');
    else if (k.size > this.remaining) err = new RlpStreamError('valueTooLarge');
    this.kindCache = { ...k, err };
    if (err) throw err;
    return k;
  }

  /** Enters a list; returns its payload size. */
  list(): number {
    const { kind, size } = this.kind();
    if (kind !== 'list') throw new RlpStreamError('expectedList');
    const top = this.stack.length;
    if (top > 0) this.stack[top - 1] -= size;
    this.stack.push(size);
    this.kindCache = null;
    return size;
  }

  /** Leaves the current list, which must be fully consumed. */
  listEnd(): void {
    const top = this.stack.length;
    if (top === 0) throw new RlpStreamError('notInList');
    if (this.stack[top - 1] > 0) throw new RlpStreamError('notAtEOL');
    this.stack.pop();
    this.kindCache = null;
  }

  /** A byte string (single-byte form enforced for values < 0x80). */
  bytes(): Uint8Array {
    const { kind, size } = this.kind();
    if (kind === 'byte') {
      this.kindCache = null;
      return Uint8Array.of(this.byteval);
    }
    if (kind === 'list') throw new RlpStreamError('expectedString');
    const b = this.readFull(size);
    if (size === 1 && b[0] < 128) throw new RlpStreamError('canonSize');
    return b;
  }

  /** An unsigned integer of at most `maxBits` bits, canonical. */
  uint(maxBits: number): bigint {
    const { kind, size } = this.kind();
    if (kind === 'byte') {
      if (this.byteval === 0) throw new RlpStreamError('canonInt');
      this.kindCache = null;
      return BigInt(this.byteval);
    }
    if (kind === 'list') throw new RlpStreamError('expectedString');
    if (size > maxBits / 8) throw new RlpStreamError('uintOverflow');
    if (size === 0) {
      this.kindCache = null;
      return 0n;
    }
    if (size === 1) {
      // Go reads a one-byte payload without the leading-zero check: 0x8100 is a size error, not an int one.
      const v = this.readByte();
      if (v < 128) throw new RlpStreamError('canonSize');
      return BigInt(v);
    }
    const b = this.readFull(size);
    if (b[0] === 0) throw new RlpStreamError('canonInt');
    return bytesToBigInt(b);
  }

  /** An arbitrary-size canonical integer (big.Int). */
  bigInt(): bigint {
    const { kind, size } = this.kind();
    let b: Uint8Array;
    if (kind === 'list') throw new RlpStreamError('expectedString');
    if (kind === 'byte') {
      this.kindCache = null;
      b = Uint8Array.of(this.byteval);
    } else if (size === 0) {
      this.kindCache = null;
      b = new Uint8Array(0);
    } else {
      b = this.readFull(size);
      if (size === 1 && b[0] < 128) throw new RlpStreamError('canonSize');
    }
    if (b.length > 0 && b[0] === 0) throw new RlpStreamError('canonInt');
    // one conversion, not a shift per byte (quadratic in the length of a request-sized big.Int)
    return bytesToBigInt(b);
  }

  /** The next value's raw fixed-size payload for Go's byte-array decoder (see decodeByteArray). */
  fixed(size: number, goType: string): Uint8Array {
    const k = this.kind(); // stream errors pass through untyped, as in Go
    if (k.kind === 'byte') {
      if (size === 0) throw new RlpDecodeError('input string too long', goType);
      if (size > 1) throw new RlpDecodeError('input string too short', goType);
      this.kindCache = null;
      return Uint8Array.of(this.byteval);
    }
    if (k.kind === 'list') throw new RlpDecodeError('expected input string or byte', goType);
    if (size < k.size) throw new RlpDecodeError('input string too long', goType);
    if (size > k.size) throw new RlpDecodeError('input string too short', goType);
    const b = this.readFull(size);
    if (size === 1 && b[0] < 128) throw new RlpDecodeError('non-canonical size information', goType);
    return b;
  }
}

/** A typed decoder over the stream (Go's per-type decoder). */
export type RlpDecoder<T> = (s: RlpStream) => T;

/** `[]byte` field (Go type `[]uint8`). */
export const decodeByteSlice: RlpDecoder<Uint8Array> = (s) => {
  try {
    return s.bytes();
  } catch (e) {
    throw wrap(e, '[]uint8');
  }
};

/** `[size]byte` field with its Go type name (e.g. `common.Hash`). */
export function decodeByteArray(size: number, goType: string): RlpDecoder<Uint8Array> {
  return (s) => s.fixed(size, goType);
}

/** `uint64` field. */
export const decodeUint64: RlpDecoder<bigint> = (s) => {
  try {
    return s.uint(64);
  } catch (e) {
    throw wrap(e, 'uint64');
  }
};

/** `*big.Int` field. */
export const decodeBigInt: RlpDecoder<bigint> = (s) => {
  try {
    return s.bigInt();
  } catch (e) {
    throw wrap(e, '*big.Int');
  }
};

/** One struct field: Go field name, its decoder, and whether it carries `rlp:"optional"`. */
export interface RlpField {
  name: string;
  decode: RlpDecoder<unknown>;
  optional?: boolean;
}

/**
 * Go's struct decoder: a list whose elements decode into the fields in order; trailing optional fields may
 * be absent (returned as undefined). Errors: `too few elements`, `input list has too many elements`.
 */
export function decodeStruct(s: RlpStream, goType: string, fields: readonly RlpField[]): unknown[] {
  try {
    s.list();
  } catch (e) {
    throw wrap(e, goType);
  }
  const out: unknown[] = [];
  for (const f of fields) {
    try {
      out.push(f.decode(s));
    } catch (e) {
      if (isEol(e)) {
        if (f.optional) break;
        throw new RlpDecodeError('too few elements', goType);
      }
      if (e instanceof RlpDecodeError) e.addContext('.' + f.name);
      throw e;
    }
  }
  try {
    s.listEnd();
  } catch (e) {
    throw wrap(e, goType);
  }
  return out;
}

/**
 * rlp.DecodeBytes: decodes exactly one value of Go type `goType` from `input`; trailing bytes are
 * `rlp: input contains more than one value`. Throws RlpError with go-ethereum's message.
 */
export function decodeRlpStrict<T>(input: Uint8Array, goType: string, decode: RlpDecoder<T>): T {
  const s = new RlpStream(input);
  let value: T;
  try {
    value = decode(s);
  } catch (e) {
    if (e instanceof RlpDecodeError && e.hasContext()) e.addContext(`(${goType})`);
    throw e;
  }
  if (s.rest > 0) throw new RlpError('rlp: input contains more than one value');
  return value;
}
