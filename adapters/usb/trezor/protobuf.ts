// The few protobuf (proto2) primitives Trezor's wire messages need: varints, length-delimited fields and a
// tolerant reader. Written by hand because the Trezor messages use only these and a schema compiler would be a
// build step and a dependency for ~150 lines (https://protobuf.dev/programming-guides/encoding/).

/** Protobuf wire types used here (1 and 5 are skipped when read, groups are refused). */
const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** Malformed protobuf input. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(`protobuf: ${message}`);
    this.name = 'ProtobufError';
  }
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Base-128 varint of a non-negative integer below 2^64 (little-endian groups, high bit = more). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let n = BigInt(value);
  if (n < 0n || n > UINT64_MAX) throw new ProtobufError(`varint out of range: ${n}`);
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) b |= 0x80;
    out.push(b);
  } while (n !== 0n);
  return Uint8Array.from(out);
}

/** Reads a varint at `pos`; returns the value and the next position. At most 10 bytes, value < 2^64. */
export function decodeVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let n = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw new ProtobufError('truncated varint');
    const b = buf[pos + i];
    n |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      if (n > UINT64_MAX) throw new ProtobufError('varint overflows 64 bits');
      return [n, pos + i + 1];
    }
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

function key(field: number, wireType: number): Uint8Array {
  if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new ProtobufError(`bad field number ${field}`);
  return encodeVarint((BigInt(field) << 3n) | BigInt(wireType));
}

const textEncoder = new TextEncoder();

/** Builds one message field by field, in the order written (proto2 `repeated` scalars unpacked, as Trezor's are). */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  /** A varint field (uint32, uint64, enum). */
  uint(field: number, value: number | bigint): this {
    this.parts.push(key(field, WireType.varint), encodeVarint(value));
    return this;
  }

  /** A bool field (varint 0/1). */
  bool(field: number, value: boolean): this {
    return this.uint(field, value ? 1 : 0);
  }

  /** A bytes field (length-delimited). */
  bytes(field: number, value: Uint8Array): this {
    this.parts.push(key(field, WireType.bytes), encodeVarint(value.length), value);
    return this;
  }

  /** A string field (UTF-8, length-delimited). */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** An embedded message (length-delimited). */
  message(field: number, value: ProtoWriter | Uint8Array): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    let len = 0;
    for (const p of this.parts) len += p.length;
    const out = new Uint8Array(len);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** One decoded field value: varints as bigint, length-delimited as bytes (fixed32/64 are skipped). */
export type ProtoValue = bigint | Uint8Array;

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** A decoded message: every occurrence of every field, in order; typed getters validate on access. */
export class ProtoReader {
  private readonly fields = new Map<number, ProtoValue[]>();

  constructor(buf: Uint8Array) {
    let pos = 0;
    while (pos < buf.length) {
      const [k, p1] = decodeVarint(buf, pos);
      const field = Number(k >> 3n);
      const wt = Number(k & 7n);
      if (field < 1 || field > 0x1fffffff) throw new ProtobufError(`bad field number ${field}`);
      pos = p1;
      let value: ProtoValue | null;
      switch (wt) {
        case WireType.varint: {
          const [v, p2] = decodeVarint(buf, pos);
          value = v;
          pos = p2;
          break;
        }
        case WireType.bytes: {
          const [len, p2] = decodeVarint(buf, pos);
          if (len > BigInt(buf.length - p2)) throw new ProtobufError(`field ${field} runs past the end`);
          value = buf.slice(p2, p2 + Number(len));
          pos = p2 + Number(len);
          break;
        }
        case WireType.fixed64:
        case WireType.fixed32: {
          const size = wt === WireType.fixed64 ? 8 : 4;
          if (pos + size > buf.length) throw new ProtobufError(`field ${field} runs past the end`);
          value = null;
          pos += size;
          break;
        }
        default:
          throw new ProtobufError(`unsupported wire type ${wt} (field ${field})`);
      }
      if (value === null) continue;
      const list = this.fields.get(field);
      if (list) list.push(value);
      else this.fields.set(field, [value]);
    }
  }

  /** Whether the field occurs at all. */
  has(field: number): boolean {
    return this.fields.has(field);
  }

  private last(field: number): ProtoValue | undefined {
    const list = this.fields.get(field);
    return list ? list[list.length - 1] : undefined; // proto2: the last occurrence of a scalar wins
  }

  /** A varint field as bigint (undefined when absent). */
  uint64(field: number): bigint | undefined {
    const v = this.last(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'bigint') throw new ProtobufError(`field ${field} is not a varint`);
    return v;
  }

  /** A uint32 field as number (undefined when absent). */
  uint32(field: number): number | undefined {
    const v = this.uint64(field);
    if (v === undefined) return undefined;
    if (v > 0xffffffffn) throw new ProtobufError(`field ${field} exceeds uint32`);
    return Number(v);
  }

  /** A bool field (undefined when absent). */
  bool(field: number): boolean | undefined {
    const v = this.uint64(field);
    return v === undefined ? undefined : v !== 0n;
  }

  /** A bytes field (undefined when absent). */
  bytes(field: number): Uint8Array | undefined {
    const v = this.last(field);
    if (v === undefined) return undefined;
    if (typeof v === 'bigint') throw new ProtobufError(`field ${field} is not length-delimited`);
    return v;
  }

  /** A string field, strict UTF-8 (undefined when absent). */
  string(field: number): string | undefined {
    const b = this.bytes(field);
    if (b === undefined) return undefined;
    try {
      return textDecoder.decode(b);
    } catch {
      throw new ProtobufError(`field ${field} is not valid UTF-8`);
    }
  }

  /** Every bytes/string/message occurrence of a repeated field. */
  repeatedBytes(field: number): Uint8Array[] {
    return (this.fields.get(field) ?? []).map((v) => {
      if (typeof v === 'bigint') throw new ProtobufError(`field ${field} is not length-delimited`);
      return v;
    });
  }

  /** Every value of a repeated uint32 field, accepting both unpacked and packed encodings (as parsers must). */
  repeatedUint32(field: number): number[] {
    const out: number[] = [];
    for (const v of this.fields.get(field) ?? []) {
      if (typeof v === 'bigint') {
        if (v > 0xffffffffn) throw new ProtobufError(`field ${field} exceeds uint32`);
        out.push(Number(v));
      } else {
        for (let pos = 0; pos < v.length; ) {
          const [n, next] = decodeVarint(v, pos);
          if (n > 0xffffffffn) throw new ProtobufError(`field ${field} exceeds uint32`);
          out.push(Number(n));
          pos = next;
        }
      }
    }
    return out;
  }
}
