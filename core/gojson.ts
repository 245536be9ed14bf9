// go-ethereum's JSON conventions, both directions: strict hex decoding (hexutil), Go's case-insensitive
// struct-field matching, its error wording (`json: cannot unmarshal … into Go struct field …`), and Go's
// HTML-safe string escaping on output. Callers decide the context; these functions keep the exact texts.
import { fromHex, isHexDigits, type Address, toChecksumAddress, addressFromBytes } from './bytes.ts';

/** Any JSON value as parsed by JSON.parse. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * A hexutil decoding error. `typeError` errors are the ones Go wraps as
 * `json: cannot unmarshal <reason> into Go … of type <T>`; the others surface bare (e.g. the fixed-length
 * error `hex string has length 38, want 40 for common.Address`).
 */
class HexError extends Error {
  constructor(
    readonly reason: string,
    readonly typeError: boolean = true,
  ) {
    super(reason);
    this.name = 'HexError';
  }
}

const hexReason = {
  empty: 'empty hex string',
  syntax: 'invalid hex string',
  missingPrefix: 'hex string without 0x prefix',
  oddLength: 'hex string of odd length',
  emptyNumber: 'hex string "0x"',
  leadingZero: 'hex number with leading zero digits',
  uint64Range: 'hex number > 64 bits',
  big256Range: 'hex number > 256 bits',
} as const;

function hasPrefix(s: string): boolean {
  return s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X');
}

/** hexutil.Decode: `0x` mandatory, `""` is `empty hex string`. Used for signData payloads. */
export function decodeHexStrict(s: string): Uint8Array {
  if (s.length === 0) throw new HexError(hexReason.empty);
  if (!hasPrefix(s)) throw new HexError(hexReason.missingPrefix);
  const body = s.slice(2);
  if (body.length % 2 !== 0) throw new HexError(hexReason.oddLength);
  if (!isHexDigits(body)) throw new HexError(hexReason.syntax);
  return fromHex(body);
}

/** hexutil.Bytes JSON text: `""` is empty, `0x` mandatory otherwise, even length. */
function decodeBytesText(s: string): Uint8Array {
  if (s.length === 0) return new Uint8Array(0);
  if (!hasPrefix(s)) throw new HexError(hexReason.missingPrefix);
  const body = s.slice(2);
  if (body.length % 2 !== 0) throw new HexError(hexReason.oddLength);
  if (!isHexDigits(body)) throw new HexError(hexReason.syntax);
  return fromHex(body);
}

/** hexutil.Uint64 / hexutil.Big JSON text: `""` = 0, `0x` mandatory, no leading zeros, range-checked. */
function decodeQuantityText(s: string, bits: 64 | 256): bigint {
  if (s.length === 0) return 0n;
  if (!hasPrefix(s)) throw new HexError(hexReason.missingPrefix);
  const body = s.slice(2);
  if (body.length === 0) throw new HexError(hexReason.emptyNumber);
  if (body.length > 1 && body[0] === '0') throw new HexError(hexReason.leadingZero);
  if (!isHexDigits(body)) throw new HexError(hexReason.syntax);
  if (body.length > bits / 4) throw new HexError(bits === 64 ? hexReason.uint64Range : hexReason.big256Range);
  return BigInt('0x' + body);
}

/** Fixed-size hex (common.Address 20, common.Hash 32): `0x` mandatory, exact length. */
function decodeFixedText(s: string, size: number, goType: string): Uint8Array {
  let body = s;
  if (s.length > 0) {
    if (!hasPrefix(s)) throw new HexError(hexReason.missingPrefix);
    body = s.slice(2);
    if (body.length % 2 !== 0) throw new HexError(hexReason.oddLength);
  }
  if (body.length / 2 !== size) throw new HexError(`hex string has length ${body.length}, want ${size * 2} for ${goType}`, false);
  if (!isHexDigits(body)) throw new HexError(hexReason.syntax);
  return fromHex(body);
}

/** Where a decoded value sits, for Go's error wording. */
export interface GoContext {
  /** Go type name, e.g. `hexutil.Uint64`, `common.Address`. */
  goType: string;
  /** `SendTxArgs.gas` inside a struct; absent for a top-level value. */
  field?: string;
}

/** `json: cannot unmarshal <what> into Go struct field X of type T` (or `Go value of type T`). */
export function unmarshalError(what: string, ctx: GoContext): Error {
  const where = ctx.field ? `Go struct field ${ctx.field}` : 'Go value';
  return new Error(`json: cannot unmarshal ${what} into ${where} of type ${ctx.goType}`);
}

function rewrap(err: unknown, ctx: GoContext): Error {
  if (err instanceof HexError) return err.typeError ? unmarshalError(err.reason, ctx) : new Error(err.reason);
  return err instanceof Error ? err : new Error(String(err));
}

function requireString(v: Json | undefined, ctx: GoContext): string {
  if (typeof v !== 'string') throw unmarshalError('non-string', ctx);
  return v;
}

/** JSON quantity (strict). `null` is rejected unless the caller handles it as absent first. */
export function jsonQuantity(v: Json | undefined, bits: 64 | 256, ctx: GoContext): bigint {
  const s = requireString(v, ctx);
  try {
    return decodeQuantityText(s, bits);
  } catch (e) {
    throw rewrap(e, ctx);
  }
}

/** JSON bytes (hexutil.Bytes). */
export function jsonBytes(v: Json | undefined, ctx: GoContext): Uint8Array {
  const s = requireString(v, ctx);
  try {
    return decodeBytesText(s);
  } catch (e) {
    throw rewrap(e, ctx);
  }
}

/** JSON fixed-size hex (address 20 / hash 32). */
export function jsonFixed(v: Json | undefined, size: number, ctx: GoContext): Uint8Array {
  const s = requireString(v, ctx);
  try {
    return decodeFixedText(s, size, ctx.goType);
  } catch (e) {
    throw rewrap(e, ctx);
  }
}

/** JSON common.Address → lowercase address. */
export function jsonAddress(v: Json | undefined, ctx: Omit<GoContext, 'goType'> = {}): Address {
  return addressFromBytes(jsonFixed(v, 20, { ...ctx, goType: 'common.Address' }));
}

/**
 * go-ethereum's MixedcaseAddress: the decoded address plus the caller's original string, so the checksum
 * can be judged and the string echoed back as given.
 */
export class MixedcaseAddress {
  constructor(
    readonly address: Address,
    readonly original: string,
  ) {}

  /** Decodes like common.Address and keeps the original JSON string. */
  static fromJson(v: Json | undefined, ctx: Omit<GoContext, 'goType'> = {}): MixedcaseAddress {
    const address = jsonAddress(v, ctx);
    return new MixedcaseAddress(address, v as string);
  }

  /** True only if the original is byte-identical to the EIP-55 form with a lowercase `0x`. */
  validChecksum(): boolean {
    return this.original === toChecksumAddress(this.address);
  }

  /** JSON form: `0x` + the original minus its two-character prefix (`0X…` becomes `0x…`). */
  toJSON(): string {
    return '0x' + this.original.slice(2);
  }

  /** Display form used by the console UI and audit log. */
  display(): string {
    return `${this.original} ${this.validChecksum() ? '[chksum ok]' : '[chksum INVALID]'}`;
  }

  /** EIP-55 form of the address. */
  checksummed(): string {
    return toChecksumAddress(this.address);
  }
}

/**
 * Go's key folding for matching a JSON member name against a struct field name (encoding/json foldName):
 * ASCII case, plus U+017F ſ ~ s and U+212A K (Kelvin) ~ k, the only non-ASCII runes that fold onto ASCII.
 */
export function goFoldKey(key: string): string {
  return key.replace(/[A-Z\u017f\u212a]/g, (ch) => (ch === '\u017f' ? 's' : ch === '\u212a' ? 'k' : ch.toLowerCase()));
}

/**
 * The struct field an input member name `key` decodes into: the field named exactly `key`, else the one whose
 * name folds like it (Go prefers an exact name per key). Undefined when none matches.
 */
export function goFieldFor<T extends string>(key: string, fields: readonly T[]): T | undefined {
  if ((fields as readonly string[]).includes(key)) return key as T;
  const folded = goFoldKey(key);
  return fields.find((f) => goFoldKey(f) === folded);
}

/**
 * The value Go's json.Unmarshal assigns to struct field `name`: members are assigned in document order, so the
 * LAST member whose name folds to `name` wins (an exact-case member earlier in the object does not). Objects from
 * goParse keep that order also for repeated names. Undefined when absent.
 */
export function goField(obj: JsonObject, name: string): Json | undefined {
  const folded = goFoldKey(name);
  let found: Json | undefined;
  for (const k of Object.keys(obj)) if (goFoldKey(k) === folded) found = obj[k];
  return found;
}

/** True when v is a JSON object (not array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's name for a JSON value's kind in `json: cannot unmarshal <kind> into Go value of type T`. */
export function jsonKind(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'array' : 'object';
}

/** Go's name for a decoded JSON value's dynamic type, as in `wrong type map[string]interface {}`. */
export function goTypeName(v: Json | undefined): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

const htmlUnsafe = /[<>&\u2028\u2029]/g;

/** Go's HTML-safe escaping of JSON text: `<`, `>`, `&`, U+2028, U+2029 become `\u003c` etc. (json.HTMLEscape). */
export function goHtmlEscape(jsonText: string): string {
  return jsonText.replace(htmlUnsafe, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Go encoding/json output: compact, with `<`, `>`, `&`, U+2028, U+2029 escaped as `\u003c` etc. `orderKeys` sorts
 * object keys (Go's json.Marshal of a map sorts them by bytes); without it they keep insertion order.
 */
export function goStringify(value: unknown, orderKeys?: (a: string, b: string) => number): string {
  return goHtmlEscape(stringifyIteratively(value, orderKeys) ?? 'null');
}

type StringifyFrame = { array: unknown[]; i: number } | { object: Record<string, unknown>; keys: string[]; i: number; wrote: boolean };

/**
 * JSON.stringify's output (toJSON honoured; undefined, functions and symbols skipped in objects and null in arrays)
 * without recursion: request values may nest as deep as Go's 10,000 levels, and V8's JSON.stringify overflows its
 * stack near 5,000.
 */
function stringifyIteratively(root: unknown, orderKeys?: (a: string, b: string) => number): string | undefined {
  const out: string[] = [];
  const stack: StringifyFrame[] = [];
  const viaToJson = (v: unknown, key: string): unknown =>
    typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(k: string): unknown }).toJSON(key) : v;
  const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';
  /** Writes a primitive, or opens a container and pushes its frame. */
  const emit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) {
      out.push(JSON.stringify(v)); // a primitive: flat, cannot overflow (a bigint throws as JSON.stringify does)
    } else if (Array.isArray(v)) {
      out.push('[');
      stack.push({ array: v, i: 0 });
    } else {
      const keys = Object.keys(v);
      if (orderKeys) keys.sort(orderKeys);
      out.push('{');
      stack.push({ object: v as Record<string, unknown>, keys, i: 0, wrote: false });
    }
  };
  const first = viaToJson(root, '');
  if (skipped(first)) return undefined;
  emit(first);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if ('array' in f) {
      if (f.i === f.array.length) {
        out.push(']');
        stack.pop();
        continue;
      }
      if (f.i > 0) out.push(',');
      const v = viaToJson(f.array[f.i], String(f.i));
      f.i++;
      if (skipped(v)) out.push('null');
      else emit(v);
      continue;
    }
    let opened = false;
    while (f.i < f.keys.length && !opened) {
      const k = f.keys[f.i++];
      const v = viaToJson(f.object[k], k);
      if (skipped(v)) continue;
      out.push((f.wrote ? ',' : '') + JSON.stringify(k) + ':');
      f.wrote = true;
      const depth = stack.length;
      emit(v);
      opened = stack.length > depth;
    }
    if (!opened && f.i === f.keys.length && stack[stack.length - 1] === f) {
      out.push('}');
      stack.pop();
    }
  }
  return out.join('');
}

const goPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** `\\x00` … `\\xff`, shared (a binary payload has one per byte). */
const BYTE_ESCAPES: readonly string[] = Array.from({ length: 256 }, (_, c) => '\\x' + c.toString(16).padStart(2, '0'));

/** unicode.IsPrint of BMP code points, filled on first use: 0 unknown, 1 printable, 2 not. */
const bmpPrintable = new Uint8Array(0x10000);

function isGoPrintable(c: number): boolean {
  if (c > 0xffff) return goPrintable.test(String.fromCodePoint(c));
  let v = bmpPrintable[c];
  if (v === 0) bmpPrintable[c] = v = goPrintable.test(String.fromCharCode(c)) ? 1 : 2;
  return v === 1;
}

/** The `%q` escape of code point c that Go does not print as is, or null when it is printed as is. */
function quoteEscape(c: number): string | null {
  if (c === 0x22) return '\\"';
  if (c === 0x5c) return '\\\\';
  if (c === 0x07) return '\\a';
  if (c === 0x08) return '\\b';
  if (c === 0x0c) return '\\f';
  if (c === 0x0a) return '\\n';
  if (c === 0x0d) return '\\r';
  if (c === 0x09) return '\\t';
  if (c === 0x0b) return '\\v';
  if (isGoPrintable(c)) return null;
  if (c < 0x20 || c === 0x7f) return BYTE_ESCAPES[c];
  if (c < 0x10000) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}

/** Printable ASCII other than `"` and `\`: copied as is by %q. */
const plainAscii = (c: number): boolean => c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c;

/**
 * Go's `%q` of a string (strconv.Quote): printable runes (unicode.IsPrint) kept, others escaped. Runs of kept
 * characters are copied as slices: linear, without a string piece per character (request-sized values).
 */
export function goQuote(s: string): string {
  const out: string[] = ['"'];
  let run = 0;
  let i = 0;
  while (i < s.length) {
    const u = s.charCodeAt(i);
    if (plainAscii(u)) {
      i++;
      continue;
    }
    const c = s.codePointAt(i)!;
    const width = c > 0xffff ? 2 : 1;
    const esc = quoteEscape(c);
    if (esc !== null) {
      if (run < i) out.push(s.slice(run, i));
      out.push(esc);
      run = i + width;
    }
    i += width;
  }
  if (run < s.length) out.push(run === 0 ? s : s.slice(run));
  out.push('"');
  return out.join('');
}

/** Go's quoteChar / `%q` of one byte as a rune literal: `'x'`, `'\\''`, `'"'`, `'\\x01'`, `'Ã'` for 0xc3. */
export function goQuoteChar(b: number): string {
  if (b === 0x27) return "'\\''";
  if (b === 0x22) return `'"'`;
  return "'" + goQuote(String.fromCharCode(b)).slice(1, -1) + "'";
}

const utf8Decoder = new TextDecoder('utf-8');

/** Writes an ASCII string at out[o…]; returns the next offset. */
function putAscii(out: Uint8Array, o: number, text: string): number {
  for (let k = 0; k < text.length; k++) out[o++] = text.charCodeAt(k);
  return o;
}

/**
 * Go's `%q` of a byte slice: like goQuote, but invalid UTF-8 bytes are written as `\\xNN`. The quoted bytes are
 * written into one buffer (at most 4 bytes out per byte in) and decoded once: linear, whatever the payload.
 */
export function goQuoteBytes(b: Uint8Array): string {
  const out = new Uint8Array(b.length * 4 + 2);
  let o = 0;
  out[o++] = 0x22;
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (plainAscii(c)) {
      out[o++] = c;
      i++;
      continue;
    }
    let len = 0;
    let cp = -1;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if (c >= 0xc2 && c <= 0xdf && i + 1 < b.length && (b[i + 1] & 0xc0) === 0x80) {
      len = 2;
      cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f);
    } else if (c >= 0xe0 && c <= 0xef && i + 2 < b.length && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
      cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      len = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) ? 3 : 0;
    } else if (c >= 0xf0 && c <= 0xf4 && i + 3 < b.length && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80) {
      cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
      len = cp >= 0x10000 && cp <= 0x10ffff ? 4 : 0;
    }
    if (len === 0) {
      o = putAscii(out, o, BYTE_ESCAPES[c]);
      i += 1;
      continue;
    }
    const esc = quoteEscape(cp);
    if (esc === null) for (let k = 0; k < len; k++) out[o++] = b[i + k];
    else o = putAscii(out, o, esc);
    i += len;
  }
  out[o++] = 0x22;
  return utf8Decoder.decode(out.subarray(0, o));
}
