// EIP-712 typed data as go-ethereum's clef handled it: Go's JSON decoding of the request, its structural
// validation, type and data encoding (with every quirk the digests depend on) and the `messages` shown to the
// UI. Spec: external-api.md §8. Hashes are geth's; the formatter bugs listed in the spec Notes are fixed.
import { concatAll, concatBytes, fromHex, isHexDigits, keccak256, toChecksumAddress, utf8 } from './bytes.ts';
import { SignerError } from './errors.ts';
import { goFieldFor, jsonKind, decodeHexStrict, goQuote, goTypeName, isJsonObject, type Json, type JsonObject } from './gojson.ts';
import type { NameValueType } from './ports.ts';

/** One declared field of a struct type. */
interface TypedField {
  name: string;
  type: string;
}

/** The five domain keys clef understands; empty strings and an absent chainId mean "not set". */
interface TypedDomain {
  name: string;
  version: string;
  chainId?: bigint;
  verifyingContract: string;
  salt: string;
}

/** A decoded `account_signTypedData` document. `types` has no prototype: look names up with hasOwn. */
export interface TypedData {
  types: Record<string, TypedField[]>;
  primaryType: string;
  domain: TypedDomain;
  message: JsonObject;
}

/** The hashes of a typed-data document; rawData is what the UI sees and keccak256(rawData) = digest. */
export interface TypedDataHash {
  domainSeparator: Uint8Array;
  structHash: Uint8Array;
  rawData: Uint8Array;
  digest: Uint8Array;
}

/** A decoded value as the encoder sees it: JSON, Go's nil (undefined), or the domain's chainId (bigint). */
type GoValue = Json | bigint | undefined;
type DataMap = { [key: string]: GoValue };

const hasOwn = (o: object, k: string): boolean => Object.hasOwn(o, k);
const own = (o: DataMap | null | undefined, k: string): GoValue => (o && hasOwn(o, k) ? o[k] : undefined);

// ---------------------------------------------------------------------------------------------------------
// Go value rendering (%v, %s, %q) used in clef's error texts and messages
// ---------------------------------------------------------------------------------------------------------

/** Go's %v of a float64 (strconv 'g', shortest, exponent form below 1e-4 and from 1e6 on). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expText] = v.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(v);
}

/**
 * Go's fmt rendering of a decoded JSON value with verb %v or %s (maps with sorted keys, nil as `<nil>`).
 * `depth` > 0 marks a nested value; values nested deeper than TYPED_DATA_LIMITS.maxDepth are refused.
 */
function goFormat(v: GoValue, verb: 'v' | 's', depth = 0): string {
  const nested = depth > 0;
  if (v === null || v === undefined) return verb === 's' && !nested ? '%!s(<nil>)' : '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return verb === 's' ? `%!s(float64=${goFloat(v)})` : goFloat(v);
  if (typeof v === 'boolean') return verb === 's' ? `%!s(bool=${v})` : String(v);
  checkDepth(depth + 1);
  if (Array.isArray(v)) return '[' + v.map((e) => goFormat(e, verb, depth + 1)).join(' ') + ']';
  const keys = Object.keys(v).sort(byteOrder);
  return 'map[' + keys.map((k) => `${k}:${goFormat(v[k], verb, depth + 1)}`).join(' ') + ']';
}

/** Byte-wise (UTF-8) string order, as Go's sort.Strings; UTF-16 order differs only for astral characters. */
function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  const ab = utf8(a);
  const bb = utf8(b);
  const n = Math.min(ab.length, bb.length);
  for (let i = 0; i < n; i++) if (ab[i] !== bb[i]) return ab[i] - bb[i];
  return ab.length - bb.length;
}

function goTypeOf(v: GoValue): string {
  return typeof v === 'bigint' ? '*math.HexOrDecimal256' : goTypeName(v as Json | undefined);
}

// ---------------------------------------------------------------------------------------------------------
// Integers: math.ParseBig256 / HexOrDecimal256 and apitypes' parseInteger
// ---------------------------------------------------------------------------------------------------------

const HEX_INT = /^[+-]?[0-9a-fA-F]+$/;
const DEC_INT = /^[+-]?[0-9]+$/;

function bitLen(n: bigint): number {
  const a = n < 0n ? -n : n;
  return a === 0n ? 0 : a.toString(2).length;
}

/** The digits of an integer text without its sign and leading zeros (`""` for zero). */
function significant(s: string): string {
  let i = s[0] === '+' || s[0] === '-' ? 1 : 0;
  while (i < s.length && s[i] === '0') i++;
  return s.slice(i);
}

/** math.ParseBig256: `""` = 0, `0x`/`0X` hex or decimal, optional sign, leading zeros ok, ≤ 256 bits. */
function parseBig256(s: string): bigint | null {
  if (s === '') return 0n;
  let n: bigint;
  if (s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) {
    const body = s.slice(2);
    if (!HEX_INT.test(body)) return null;
    const neg = body[0] === '-';
    const digits = significant(body);
    if (digits.length > 64) return null;
    n = BigInt('0x' + (digits || '0'));
    if (neg) n = -n;
  } else {
    if (!DEC_INT.test(s)) return null;
    // BigInt() of a long decimal string is quadratic: anything over 78 significant digits is > 256 bits anyway.
    const digits = significant(s);
    if (digits.length > 78) return null;
    n = BigInt(digits || '0');
    if (s[0] === '-') n = -n;
  }
  return bitLen(n) > 256 ? null : n;
}

/** math.HexOrDecimal256 from its text: `invalid hex or decimal integer "<s>"`. */
export function decodeHexOrDecimalText(s: string): bigint {
  const n = parseBig256(s);
  if (n === null) throw new Error(`invalid hex or decimal integer ${goQuote(s)}`);
  return n;
}

/** JSON literal text of a decoded number (integral doubles written out in full, as they were most likely sent). */
export function jsonNumberText(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v).toString() : String(v);
}

/** math.HexOrDecimal256 from JSON (a string, or a bare number literal); null is the caller's "absent". */
export function decodeHexOrDecimal256(v: Json): bigint {
  if (typeof v === 'string') return decodeHexOrDecimalText(v);
  if (typeof v === 'number') return decodeHexOrDecimalText(jsonNumberText(v));
  // UnmarshalJSON sees the raw literal text.
  return decodeHexOrDecimalText(JSON.stringify(v));
}

/** Go's strconv.Atoi over a type-size suffix. */
function atoi(s: string): number | null {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : null;
}

/** apitypes parseInteger: size check bitlen(|v|) > N for signed and unsigned alike (int8 accepts 255). */
function parseInteger(encType: string, v: GoValue): bigint {
  let length: number;
  if (encType === 'int' || encType === 'uint') length = 256;
  else {
    const suffix = encType.startsWith('uint') ? encType.slice(4) : encType.slice(3);
    const n = atoi(suffix);
    if (n === null) throw new SignerError(`invalid size on integer: ${suffix}`);
    length = n;
  }
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'string') {
    const n = parseBig256(v);
    if (n === null) throw new SignerError(`invalid hex or decimal integer ${goQuote(v)}`);
    b = n;
  } else if (typeof v === 'number') {
    // JSON numbers are float64; only integral values inside int64 survive (amd64 conversion semantics).
    if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) b = BigInt(v);
    else throw new SignerError(`invalid float value ${goFloat(v)} for type ${encType}`);
  }
  if (b === undefined) throw new SignerError(`invalid integer value ${goFormat(v, 'v')}/${goTypeOf(v)} for type ${encType}`);
  if (bitLen(b) > length) throw new SignerError(`integer larger than '${encType}'`);
  if (!encType.startsWith('int') && b < 0n) throw new SignerError(`invalid negative value for unsigned type ${encType}`);
  return b;
}

const TWO_256 = 1n << 256n;

function word(n: bigint): Uint8Array {
  const u = ((n % TWO_256) + TWO_256) % TWO_256;
  return fromHex(u.toString(16).padStart(64, '0'));
}

// ---------------------------------------------------------------------------------------------------------
// Decoding (Go's encoding/json into apitypes.TypedData)
// ---------------------------------------------------------------------------------------------------------

/**
 * Go's decoder keeps the first type mismatch and goes on (reporting it at the end), but stops at once on an
 * error from a custom unmarshaler (chainId's HexOrDecimal256). This collects the former.
 */
class GoDecode {
  private first: Error | null = null;
  /** Records a type mismatch `json: cannot unmarshal <kind> into Go struct field <field> of type <T>`. */
  mismatch(v: Json, field: string, goType: string): void {
    this.first ??= new Error(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`);
  }
  /** Throws the recorded mismatch, if any. */
  done(): void {
    if (this.first) throw this.first;
  }
}

/** Go's struct field matching: exact name, else case-insensitive (callers iterate input keys in order). */
function matchField(key: string, names: readonly string[]): string | undefined {
  return goFieldFor(key, names);
}

function decodeString(v: Json, field: string, dec: GoDecode, set: (s: string) => void): void {
  if (v === null) return;
  if (typeof v === 'string') set(v);
  else dec.mismatch(v, field, 'string');
}

function decodeType(v: Json, dec: GoDecode): TypedField {
  const t: TypedField = { name: '', type: '' };
  if (v === null) return t;
  if (!isJsonObject(v)) {
    dec.mismatch(v, 'TypedData.types', 'apitypes.Type');
    return t;
  }
  for (const key of Object.keys(v)) {
    const f = matchField(key, ['name', 'type']);
    if (f === 'name') decodeString(v[key], 'Type.types.name', dec, (s) => (t.name = s));
    else if (f === 'type') decodeString(v[key], 'Type.types.type', dec, (s) => (t.type = s));
  }
  return t;
}

function decodeDomain(v: JsonObject, domain: TypedDomain, dec: GoDecode): void {
  for (const key of Object.keys(v)) {
    const f = matchField(key, ['name', 'version', 'chainId', 'verifyingContract', 'salt']);
    const val = v[key];
    if (f === 'chainId') {
      if (val === null) delete domain.chainId;
      else domain.chainId = decodeHexOrDecimal256(val);
    } else if (f === 'name' || f === 'version' || f === 'verifyingContract' || f === 'salt') {
      decodeString(val, `TypedDataDomain.domain.${f}`, dec, (s) => (domain[f] = s));
    }
  }
}

/**
 * Decodes an `account_signTypedData` object with Go's rules: only the five domain keys, chainId as number or
 * string (HexOrDecimal256), message numbers as doubles, unknown keys ignored. Throws Go's decoding errors
 * (the caller adds `invalid argument N: `).
 */
export function parseTypedData(v: Json): TypedData {
  const td: TypedData = {
    types: Object.create(null) as Record<string, TypedField[]>,
    primaryType: '',
    domain: { name: '', version: '', verifyingContract: '', salt: '' },
    message: {},
  };
  if (v === null) return td;
  if (!isJsonObject(v)) throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go value of type apitypes.TypedData`);
  const dec = new GoDecode();
  for (const key of Object.keys(v)) {
    const val = v[key];
    switch (matchField(key, ['types', 'primaryType', 'domain', 'message'])) {
      case 'types':
        if (val === null) td.types = Object.create(null) as Record<string, TypedField[]>;
        else if (!isJsonObject(val)) dec.mismatch(val, 'TypedData.types', 'apitypes.Types');
        else
          for (const name of Object.keys(val)) {
            const list = val[name];
            if (list === null) td.types[name] = NIL_FIELDS;
            else if (!Array.isArray(list)) dec.mismatch(list, 'TypedData.types', '[]apitypes.Type');
            else td.types[name] = list.map((e) => decodeType(e, dec));
          }
        break;
      case 'primaryType':
        decodeString(val, 'TypedData.primaryType', dec, (s) => (td.primaryType = s));
        break;
      case 'domain':
        if (val === null) break;
        if (!isJsonObject(val)) dec.mismatch(val, 'TypedData.domain', 'apitypes.TypedDataDomain');
        else decodeDomain(val, td.domain, dec);
        break;
      case 'message':
        if (val === null) td.message = {};
        else if (!isJsonObject(val)) dec.mismatch(val, 'TypedData.message', 'apitypes.TypedDataMessage');
        else Object.assign(td.message, val);
        break;
    }
  }
  dec.done();
  return td;
}

// ---------------------------------------------------------------------------------------------------------
// Validation and type encoding (§8.3, §8.4)
// ---------------------------------------------------------------------------------------------------------

const PRIMITIVES: ReadonlySet<string> = (() => {
  const s = new Set(['address', 'bool', 'string', 'bytes', 'int', 'uint']);
  for (let n = 1; n <= 32; n++) s.add(`bytes${n}`);
  for (let n = 8; n <= 256; n += 8) {
    s.add(`int${n}`);
    s.add(`uint${n}`);
  }
  return s;
})();

const REFERENCE_TYPE = /^[A-Za-z](\w*)(\[\d*\])*$/;

/** The part of a type before its first `[` (`Person[]` → `Person`). */
function baseType(t: string): string {
  const i = t.indexOf('[');
  return i < 0 ? t : t.slice(0, i);
}

/** A type declared as `null`: present for validation, but not a struct (Go's nil slice in the map). */
const NIL_FIELDS: TypedField[] = Object.freeze([]) as unknown as TypedField[];

/** The fields of a declared struct type, or undefined (undeclared, or declared as `null`). */
function fieldsOf(td: TypedData, name: string): TypedField[] | undefined {
  if (!hasOwn(td.types, name)) return undefined;
  const f = td.types[name];
  return f === NIL_FIELDS ? undefined : f;
}

/** Structural checks of `types` and `domain`, with clef's messages (§8.3). */
function validateTypedData(td: TypedData): void {
  for (const key of Object.keys(td.types)) {
    if (key.length === 0) throw new SignerError('empty type key');
    td.types[key].forEach((f, i) => {
      if (f.type.length === 0) throw new SignerError(`type ${goQuote(key)}:${i}: empty Type`);
      if (f.name.length === 0) throw new SignerError(`type ${goQuote(key)}:${i}: empty Name`);
      if (key === f.type) throw new SignerError(`type ${goQuote(f.type)} cannot reference itself`);
      if (PRIMITIVES.has(baseType(f.type))) return;
      if (!hasOwn(td.types, baseType(f.type))) throw new SignerError(`reference type ${goQuote(f.type)} is undefined`);
      if (!REFERENCE_TYPE.test(f.type)) throw new SignerError(`unknown reference type ${goQuote(f.type)}`);
    });
  }
  const d = td.domain;
  if (d.chainId === undefined && !d.name && !d.version && !d.verifyingContract && !d.salt) {
    throw new SignerError('domain is undefined');
  }
}

/**
 * Bounds on one typed-data document. clef had none, and a chain of struct types T0 → T1 → … → TN (each
 * referencing the next, the message nested as deep) cost it time growing with N³ on the only event loop. Real
 * documents use a handful of types and a few levels (Seaport's bulk orders: ~25); these leave ample room.
 */
export const TYPED_DATA_LIMITS = {
  /** Declared types (keys of `types`). */
  maxTypes: 1024,
  /** Nesting levels of structs and arrays in a value (the message is level 1). */
  maxDepth: 256,
  /** Total characters of type encodings (encodeType) built while encoding one document. */
  maxTypeEncodingChars: 1 << 20,
} as const;

/** The -32000 error of a document beyond TYPED_DATA_LIMITS. */
function tooLarge(what: string): SignerError {
  return new SignerError(`typed data too large: ${what}`);
}

function checkTypeCount(td: TypedData): void {
  const n = Object.keys(td.types).length;
  if (n > TYPED_DATA_LIMITS.maxTypes) throw tooLarge(`${n} types (at most ${TYPED_DATA_LIMITS.maxTypes})`);
}

function checkDepth(depth: number): void {
  if (depth > TYPED_DATA_LIMITS.maxDepth) throw tooLarge(`nested deeper than ${TYPED_DATA_LIMITS.maxDepth} levels`);
}

/**
 * The type encodings of one document, each built once: a type's own text `Name(type name,…)`, its struct
 * dependencies (an iterative walk, each type visited once per encoding), their byte order (sorted once for the
 * whole document), and the resulting encodeType/typeHash. `work` counts what was built, so tests can check that
 * nothing is recomputed.
 */
export class TypeEncodings {
  /** Encodings built (one per distinct type asked for), their total characters, and dependency-walk steps. */
  readonly work = { encodings: 0, chars: 0, steps: 0 };
  private readonly own = new Map<string, string>();
  private readonly encoded = new Map<string, string>();
  private readonly hashes = new Map<string, Uint8Array>();
  private rank: Map<string, number> | null = null;

  constructor(private readonly td: TypedData) {
    checkTypeCount(td);
  }

  /** `Name(type name,…)`, or `Name)` for a struct without fields (geth drops the last byte written, the `(`). */
  private ownText(name: string): string {
    let t = this.own.get(name);
    if (t === undefined) {
      const fields = fieldsOf(this.td, name) ?? [];
      if (fields.length === 0) t = `${name})`;
      else {
        const parts: string[] = [];
        for (const f of fields) parts.push(`${f.type} ${f.name}`);
        t = `${name}(${parts.join(',')})`;
      }
      this.own.set(name, t);
    }
    return t;
  }

  /** Position of every declared type in Go's byte-wise (UTF-8) string order. */
  private order(name: string): number {
    if (!this.rank) {
      const names = Object.keys(this.td.types).map((n) => ({ n, b: utf8(n) }));
      names.sort((x, y) => compareBytes(x.b, y.b));
      this.rank = new Map(names.map((e, i) => [e.n, i]));
    }
    return this.rank.get(name) ?? 0;
  }

  /** encodeType: the type itself, then its struct dependencies in byte order; `""` for an undeclared type. */
  encodeType(primaryType: string): string {
    const cached = this.encoded.get(primaryType);
    if (cached !== undefined) return cached;
    const td = this.td;
    const start = baseType(primaryType);
    let text = '';
    if (fieldsOf(td, start)) {
      const seen = new Set<string>([start]);
      const stack = [start];
      while (stack.length > 0) {
        for (const f of fieldsOf(td, stack.pop()!)!) {
          this.work.steps++;
          const dep = baseType(f.type);
          if (!seen.has(dep) && fieldsOf(td, dep)) {
            seen.add(dep);
            stack.push(dep);
          }
        }
      }
      seen.delete(start);
      const deps = Array.from(seen).sort((a, b) => this.order(a) - this.order(b));
      const parts = [this.ownText(primaryType)];
      let chars = parts[0].length;
      for (const d of deps) {
        const t = this.ownText(d);
        parts.push(t);
        chars += t.length;
        if (this.work.chars + chars > TYPED_DATA_LIMITS.maxTypeEncodingChars) {
          throw tooLarge(`type encodings longer than ${TYPED_DATA_LIMITS.maxTypeEncodingChars} characters`);
        }
      }
      text = parts.join('');
      this.work.chars += chars;
    }
    this.work.encodings++;
    this.encoded.set(primaryType, text);
    return text;
  }

  /** keccak256(encodeType(type)), computed once per type. */
  typeHash(primaryType: string): Uint8Array {
    let h = this.hashes.get(primaryType);
    if (!h) this.hashes.set(primaryType, (h = keccak256(utf8(this.encodeType(primaryType)))));
    return h;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * encodeType: the type itself, then its struct dependencies in byte order; `""` for an undeclared type.
 * A struct without fields encodes as `Name)`: geth drops the last byte written, here the `(` (kept for its hashes).
 */
export function encodeType(td: TypedData, primaryType: string): string {
  return new TypeEncodings(td).encodeType(primaryType);
}

/** keccak256(encodeType(type)). */
export function typeHash(td: TypedData, primaryType: string): Uint8Array {
  return new TypeEncodings(td).typeHash(primaryType);
}

// ---------------------------------------------------------------------------------------------------------
// Data encoding (§8.5)
// ---------------------------------------------------------------------------------------------------------

function mismatch(encType: string, v: GoValue): SignerError {
  return new SignerError(`provided data '${goFormat(v, 'v')}' doesn't match type '${encType}'`);
}

/** common.IsHexAddress: 40 hex digits, `0x`/`0X` optional. */
function isHexAddress(s: string): boolean {
  const body = /^0[xX]/.test(s) ? s.slice(2) : s;
  return body.length === 40 && isHexDigits(body);
}

function parseBytes(v: GoValue): Uint8Array | null {
  if (typeof v !== 'string') return null;
  try {
    return decodeHexStrict(v);
  } catch {
    return null;
  }
}

function encodePrimitive(encType: string, v: GoValue): Uint8Array {
  switch (encType) {
    case 'address': {
      if (typeof v !== 'string' || !isHexAddress(v)) throw mismatch(encType, v);
      const out = new Uint8Array(32);
      out.set(fromHex(v.replace(/^0[xX]/, '')), 12);
      return out;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw mismatch(encType, v);
      return word(v ? 1n : 0n);
    case 'string':
      if (typeof v !== 'string') throw mismatch(encType, v);
      return keccak256(utf8(v));
    case 'bytes': {
      const b = parseBytes(v);
      if (!b) throw mismatch(encType, v);
      return keccak256(b);
    }
  }
  if (encType.startsWith('bytes')) {
    const suffix = encType.slice(5);
    const length = atoi(suffix);
    if (length === null) throw new SignerError(`invalid size on bytes: ${suffix}`);
    if (length < 0 || length > 32) throw new SignerError(`invalid size on bytes: ${length}`);
    const b = parseBytes(v);
    if (!b || b.length !== length) throw mismatch(encType, v);
    const out = new Uint8Array(32);
    out.set(b);
    return out;
  }
  if (encType.startsWith('int') || encType.startsWith('uint')) return word(parseInteger(encType, v));
  throw new SignerError(`unrecognized type '${encType}'`);
}

/**
 * One encoding pass. clef re-validates the types and recomputes the type hash in every nested call; both
 * depend only on `td`, so validating once per pass and building each type encoding once gives the same results
 * without the polynomial cost on long type chains and large arrays of structs. Depth is bounded
 * (TYPED_DATA_LIMITS.maxDepth) and parts are joined without spreading request-sized arrays into arguments.
 */
class Encoder {
  readonly types: TypeEncodings;
  constructor(
    private readonly td: TypedData,
    types?: TypeEncodings,
  ) {
    validateTypedData(td);
    this.types = types ?? new TypeEncodings(td);
  }

  struct(type: string, data: DataMap, depth = 1): Uint8Array {
    checkDepth(depth);
    const td = this.td;
    const fields = fieldsOf(td, type) ?? [];
    const got = Object.keys(data).length;
    if (fields.length < got) throw new SignerError(`there is extra data provided in the message (${fields.length} < ${got})`);
    const parts: Uint8Array[] = [this.types.typeHash(type)];
    for (const f of fields) {
      const v = own(data, f.name);
      if (f.type.endsWith(']')) parts.push(this.array(v, f.type, depth + 1));
      else if (fieldsOf(td, f.type)) {
        if (!isJsonObject(v)) throw mismatch(f.type, v);
        parts.push(keccak256(this.struct(f.type, v, depth + 1)));
      } else parts.push(encodePrimitive(f.type, v));
    }
    return concatAll(parts);
  }

  private array(v: GoValue, encType: string, depth: number): Uint8Array {
    checkDepth(depth);
    if (!Array.isArray(v)) throw mismatch(encType, v);
    const base = baseType(encType);
    const isStruct = fieldsOf(this.td, base) !== undefined;
    const parts: Uint8Array[] = [];
    for (const item of v) {
      if (Array.isArray(item)) parts.push(this.array(item, base, depth + 1));
      else if (isStruct) {
        // A null element crashed clef's handler (-32603); here it is an ordinary data mismatch.
        if (!isJsonObject(item)) throw mismatch(base, item);
        parts.push(keccak256(this.struct(base, item, depth + 1)));
      } else parts.push(encodePrimitive(base, item));
    }
    return keccak256(concatAll(parts));
  }
}

/** encodeData(type, data) = typeHash ‖ encoded fields; validates the types and domain first. */
export function encodeData(td: TypedData, type: string, data: JsonObject): Uint8Array {
  return new Encoder(td).struct(type, data);
}

/** hashStruct(type, data) = keccak256(encodeData(type, data)). */
export function hashStruct(td: TypedData, type: string, data: JsonObject): Uint8Array {
  return keccak256(new Encoder(td).struct(type, data));
}

/** The domain separator: hashStruct("EIP712Domain", the non-empty domain fields). */
export function hashDomain(td: TypedData): Uint8Array {
  return keccak256(new Encoder(td).struct('EIP712Domain', domainMap(td.domain)));
}

/** The domain as clef's Domain.Map(): chainId if present, the strings only when non-empty. */
function domainMap(d: TypedDomain): DataMap {
  const m: DataMap = {};
  if (d.chainId !== undefined) m.chainId = d.chainId;
  if (d.name) m.name = d.name;
  if (d.version) m.version = d.version;
  if (d.verifyingContract) m.verifyingContract = d.verifyingContract;
  if (d.salt) m.salt = d.salt;
  return m;
}

/**
 * Domain separator, struct hash, raw data (0x19 0x01 ‖ ds ‖ hs) and digest. Throws clef's -32000 errors.
 * Callers that show messages must call formatTypedData first: its errors take precedence (§8.2).
 */
export function hashTypedData(td: TypedData, types?: TypeEncodings): TypedDataHash {
  const encoder = new Encoder(td, types);
  const domainSeparator = keccak256(encoder.struct('EIP712Domain', domainMap(td.domain)));
  const structHash = keccak256(encoder.struct(td.primaryType, td.message));
  const rawData = concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator, structHash);
  return { domainSeparator, structHash, rawData, digest: keccak256(rawData) };
}

// ---------------------------------------------------------------------------------------------------------
// Messages shown to the UI (§8.6)
// ---------------------------------------------------------------------------------------------------------

/** common.HexToAddress: lenient (odd length padded, decoding stops at a bad digit, last 20 bytes kept). */
function lenientAddress(s: string): string {
  let body = /^0[xX]/.test(s) ? s.slice(2) : s;
  if (body.length % 2 === 1) body = '0' + body;
  let ok = 0;
  while (ok + 2 <= body.length && isHexDigits(body.slice(ok, ok + 2))) ok += 2;
  const hex = body.slice(0, ok).slice(-40);
  return toChecksumAddress(hex.padStart(40, '0'));
}

function formatPrimitive(encType: string, v: GoValue): string {
  switch (encType) {
    case 'address':
      if (typeof v !== 'string') throw new SignerError(`could not format value ${goFormat(v, 'v')} as address`);
      return lenientAddress(v);
    case 'bool':
      if (typeof v !== 'boolean') throw new SignerError(`could not format value ${goFormat(v, 'v')} as bool`);
      return String(v);
    case 'bytes':
    case 'string':
      return goFormat(v, 's');
  }
  if (encType.startsWith('bytes')) return goFormat(v, 's');
  if (encType.startsWith('uint') || encType.startsWith('int')) {
    const b = parseInteger(encType, v);
    return b < 0n ? `${b} (-0x${(-b).toString(16)})` : `${b} (0x${b.toString(16)})`;
  }
  throw new SignerError(`unhandled type ${encType}`);
}

/** `T[3][2]` → `T[3]`: the type of one element of an array type. */
function elementType(t: string): string {
  const i = t.lastIndexOf('[');
  return i > 0 ? t.slice(0, i) : t;
}

/**
 * An array field's entries, one per element named `<field>[i]`: scalars rendered like a field of the base
 * type, structs as their field list, nested arrays recursively. (clef failed on integer/address/bool/string
 * arrays and kept only the last struct element; bytes arrays keep clef's `%s` rendering, which worked.)
 */
function formatArray(td: TypedData, name: string, type: string, arr: Json[], depth: number): NameValueType[] | string | null {
  checkDepth(depth);
  if (arr.length === 0) return null;
  const base = baseType(type);
  const isStruct = fieldsOf(td, base) !== undefined;
  if (!isStruct && base.startsWith('bytes')) return goFormat(arr, 's');
  const inner = elementType(type);
  return arr.map((el, i): NameValueType => {
    const n = `${name}[${i}]`;
    if (Array.isArray(el)) {
      const t = inner.includes('[') ? inner : `${base}[]`;
      return { name: n, value: formatArray(td, n, t, el, depth + 1), type: t };
    }
    if (isStruct) return { name: n, value: isJsonObject(el) ? formatStruct(td, base, el, depth + 1) : '<nil>', type: base };
    return { name: n, value: formatPrimitive(base, el), type: base };
  });
}

function formatStruct(td: TypedData, type: string, data: DataMap, depth = 1): NameValueType[] | null {
  checkDepth(depth);
  const out: NameValueType[] = [];
  for (const f of fieldsOf(td, type) ?? []) {
    const v = own(data, f.name);
    let value: NameValueType['value'];
    if (f.type.indexOf('[') > 0) value = Array.isArray(v) ? formatArray(td, f.name, f.type, v, depth + 1) : null;
    else if (fieldsOf(td, f.type)) value = isJsonObject(v) ? formatStruct(td, f.type, v, depth + 1) : '<nil>';
    else value = formatPrimitive(f.type, v);
    out.push({ name: f.name, value, type: f.type });
  }
  return out.length ? out : null;
}

/**
 * The two-element `messages` of a sign-data request (§8.6): the domain fields and the primary type's fields,
 * each `{name, value, type}` with nested lists for structs and arrays. Throws clef's -32000 format errors.
 */
export function formatTypedData(td: TypedData): NameValueType[] {
  const domain = formatStruct(td, 'EIP712Domain', domainMap(td.domain));
  const primary = formatStruct(td, td.primaryType, td.message);
  return [
    { name: 'EIP712Domain', value: domain, type: 'domain' },
    { name: td.primaryType, value: primary, type: 'primary type' },
  ];
}
