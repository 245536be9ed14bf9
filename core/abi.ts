// Calldata verification against a human-readable method selector, as clef's 4byte validator does it
// (external-api.md §6.5): go-ethereum's selector grammar and type parser with their error texts, ABI decoding
// with the same bounds checks, canonical re-encoding to catch stuffed data, and Go's `%v` rendering of the
// decoded call.
import { concatAll, concatBytes, equalBytes, keccak256, toChecksumAddress, toHexRaw, utf8 } from './bytes.ts';
import { goQuote } from './gojson.ts';

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

/** A parsed ABI type; `str` is go-ethereum's `stringKind` (the text used in signatures and messages). */
export type AbiType =
  | { kind: 'int' | 'uint'; size: number; str: string }
  | { kind: 'fixedbytes'; size: number; str: string }
  | { kind: 'bool' | 'address' | 'string' | 'bytes' | 'function'; str: string }
  | { kind: 'slice'; elem: AbiType; str: string }
  | { kind: 'array'; elem: AbiType; size: number; str: string }
  | { kind: 'tuple'; elems: AbiType[]; str: string };

/** A decoded value: integers as bigint, bool, raw bytes (address, string, bytes…), lists for arrays/tuples. */
export type AbiValue = bigint | boolean | Uint8Array | AbiValue[];

/** go-ethereum's ArgumentMarshaling, as produced from a selector (field names are Go's, untagged). */
export interface ArgumentMarshaling {
  Name: string;
  Type: string;
  InternalType: string;
  Components: ArgumentMarshaling[] | null;
  Indexed: boolean;
}

/** A parsed selector: method name and its synthetic arguments `name0`, `name1`, … */
export interface SelectorMarshaling {
  name: string;
  type: 'function';
  inputs: ArgumentMarshaling[];
}

// ---------------------------------------------------------------------------------------------------------
// Selector grammar (go-ethereum accounts/abi selector parser). Works on bytes like Go: the selector is held
// as a "binary string" (one char per UTF-8 byte) so `%c` of a byte and byte offsets behave as in Go.
// ---------------------------------------------------------------------------------------------------------

function toBinary(s: string): string {
  const b = utf8(s);
  let out = '';
  for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode(...b.subarray(i, i + 8192)); // no huge spreads
  return out;
}
const fromBinary = (b: string): string => new TextDecoder().decode(Uint8Array.from(b, (c) => c.charCodeAt(0)));

const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isIdentSymbol = (c: string) => c === '$' || c === '_';

type Parsed = string | Parsed[];

function parseToken(s: string, isIdent: boolean): [string, string] {
  if (s.length === 0) throw new Error('empty token');
  const first = s[0];
  if (!(isAlpha(first) || (isIdent && isIdentSymbol(first)))) throw new Error(`invalid token start: ${first}`);
  let pos = 1;
  while (pos < s.length && (isAlpha(s[pos]) || isDigit(s[pos]) || (isIdent && isIdentSymbol(s[pos])))) pos++;
  return [s.slice(0, pos), s.slice(pos)];
}

function parseElementaryType(s: string): [string, string] {
  let parsed: string;
  let rest: string;
  try {
    [parsed, rest] = parseToken(s, false);
  } catch (e) {
    throw new Error(`failed to parse elementary type: ${(e as Error).message}`);
  }
  while (rest.length > 0 && rest[0] === '[') {
    parsed += '[';
    rest = rest.slice(1);
    while (rest.length > 0 && isDigit(rest[0])) {
      parsed += rest[0];
      rest = rest.slice(1);
    }
    // go-ethereum reports the first character of the whole type here, not the offending one.
    if (rest.length === 0 || rest[0] !== ']') throw new Error(`failed to parse array: expected ']', got ${s[0]}`);
    parsed += ']';
    rest = rest.slice(1);
  }
  return [parsed, rest];
}

function parseCompositeType(s: string): [Parsed[], string] {
  // go-ethereum indexes s[0] even when s is empty and crashes the handler; report it as an error instead.
  if (s.length === 0) throw new Error("expected '(', got end of input");
  if (s[0] !== '(') throw new Error(`expected '(', got ${s[0]}`);
  const result: Parsed[] = [];
  let [parsed, rest] = wrapType(s.slice(1));
  result.push(parsed);
  while (rest.length > 0 && rest[0] !== ')') {
    [parsed, rest] = wrapType(rest.slice(1)); // any separator byte is accepted, as in go-ethereum
    result.push(parsed);
  }
  if (rest.length === 0 || rest[0] !== ')') throw new Error(`expected ')', got '${fromBinary(rest)}'`);
  if (rest.length >= 3 && rest[1] === '[' && rest[2] === ']') {
    result.push('[]');
    return [result, rest.slice(3)];
  }
  return [result, rest.slice(1)];
}

function wrapType(s: string): [Parsed, string] {
  try {
    return parseType(s);
  } catch (e) {
    throw new Error(`failed to parse type: ${(e as Error).message}`);
  }
}

function parseType(s: string): [Parsed, string] {
  if (s.length === 0) throw new Error('empty type');
  return s[0] === '(' ? parseCompositeType(s) : parseElementaryType(s);
}

function assembleArgs(args: Parsed[]): ArgumentMarshaling[] {
  return args.map((arg, i) => {
    const Name = `name${i}`;
    if (typeof arg === 'string') return { Name, Type: arg, InternalType: arg, Components: null, Indexed: false };
    let sub = assembleArgs(arg);
    let type = 'tuple';
    if (sub.length !== 0 && sub[sub.length - 1].Type === '[]') {
      sub = sub.slice(0, -1);
      type = 'tuple[]';
    }
    return { Name, Type: type, InternalType: type, Components: sub, Indexed: false };
  });
}

/**
 * go-ethereum's ParseSelector: `name(type,…)` without whitespace into a synthetic ABI method. Errors carry
 * its texts, e.g. `failed to parse selector 'f(uint256, address)': failed to parse type: …`.
 */
export function parseSelector(selector: string): SelectorMarshaling {
  const bin = toBinary(selector);
  const fail = (msg: string) => new Error(`failed to parse selector '${selector}': ${msg}`);
  let name: string;
  let rest: string;
  try {
    [name, rest] = parseToken(bin, true);
  } catch (e) {
    throw fail((e as Error).message);
  }
  let args: Parsed[] = [];
  if (rest.length >= 2 && rest[0] === '(' && rest[1] === ')') {
    rest = rest.slice(2);
  } else {
    try {
      [args, rest] = parseCompositeType(rest);
    } catch (e) {
      throw fail((e as Error).message);
    }
  }
  if (rest.length > 0) throw fail(`unexpected string '${fromBinary(rest)}'`);
  return { name, type: 'function', inputs: assembleArgs(args) };
}

// ---------------------------------------------------------------------------------------------------------
// Type construction (go-ethereum NewType): what the ABI library accepts after the grammar.
// ---------------------------------------------------------------------------------------------------------

const typeRegex = /([a-zA-Z]+)(([0-9]+)(x([0-9]+))?)?/;
const INT64_MAX = (1n << 63n) - 1n;

/** Go's strconv.Atoi with its error texts. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`abi: error parsing variable size: strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) throw new Error(`abi: error parsing variable size: strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  return Number(n);
}

const count = (s: string, c: string) => s.split(c).length - 1;

/** go-ethereum's NewType for an argument type string and its tuple components. */
export function newType(t: string, components: ArgumentMarshaling[] | null): AbiType {
  if (count(t, '[') !== count(t, ']')) throw new Error('invalid arg type in abi');
  if (count(t, '[') !== 0) {
    const i = t.lastIndexOf('[');
    const elem = newType(t.slice(0, i), components);
    const sliced = t.slice(i);
    const intz = sliced.match(/[0-9]+/g) ?? [];
    if (intz.length === 0) return { kind: 'slice', elem, str: elem.str + sliced };
    if (intz.length === 1) return { kind: 'array', elem, size: atoi(intz[0]), str: elem.str + sliced };
    throw new Error('invalid formatting of array type');
  }
  const m = typeRegex.exec(t);
  if (!m) throw new Error(`invalid type '${t}'`);
  let size = 0;
  if (m[3] !== undefined && m[3].length > 0) size = atoi(m[2]);
  else if (m[0] === 'uint' || m[0] === 'int') throw new Error(`unsupported arg type: ${t}`);
  switch (m[1]) {
    case 'int':
    case 'uint':
      return { kind: m[1], size, str: t };
    case 'bool':
    case 'address':
    case 'string':
    case 'function':
      return { kind: m[1], str: t };
    case 'bytes':
      if (size === 0) return { kind: 'bytes', str: t };
      if (size > 32) throw new Error(`unsupported arg type: ${t}`);
      return { kind: 'fixedbytes', size, str: t };
    case 'tuple': {
      const elems = (components ?? []).map((c) => newType(c.Type, c.Components));
      return { kind: 'tuple', elems, str: '(' + elems.map((e) => e.str).join(',') + ')' };
    }
    default:
      throw new Error(`unsupported arg type: ${t}`);
  }
}

/** True for types encoded out of line (bytes, string, T[], and arrays/tuples containing them). */
function isDynamic(t: AbiType): boolean {
  switch (t.kind) {
    case 'tuple':
      return t.elems.some(isDynamic);
    case 'string':
    case 'bytes':
    case 'slice':
      return true;
    case 'array':
      return isDynamic(t.elem);
    default:
      return false;
  }
}

/** Head size of a type: its full size if static, else 32 (the offset word). */
function typeSize(t: AbiType): number {
  if (t.kind === 'array' && !isDynamic(t.elem)) {
    return t.elem.kind === 'array' || t.elem.kind === 'tuple' ? t.size * typeSize(t.elem) : t.size * 32;
  }
  if (t.kind === 'tuple' && !isDynamic(t)) return t.elems.reduce((n, e) => n + typeSize(e), 0);
  return 32;
}

// ---------------------------------------------------------------------------------------------------------
// Decoding (go-ethereum's unpacker, including its bounds checks and messages)
// ---------------------------------------------------------------------------------------------------------

const TWO_256 = 1n << 256n;
const word = (out: Uint8Array, at: number) => out.subarray(at, at + 32);
const uint = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt('0x' + toHexRaw(b)));
const bitLen = (n: bigint) => n.toString(2).length;
const goBytes = (b: Uint8Array) => '[' + Array.from(b).join(' ') + ']';

function readInteger(t: { kind: 'int' | 'uint'; size: number }, w: Uint8Array): bigint {
  let v = uint(w);
  const native = t.size === 8 || t.size === 16 || t.size === 32 || t.size === 64;
  if (t.kind === 'uint') {
    if (native && v >= 1n << BigInt(t.size)) throw new Error(`abi: improperly encoded uint${t.size} value`);
    return v;
  }
  if (v >> 255n) v -= TWO_256;
  if (native) {
    const lim = 1n << BigInt(t.size - 1);
    if (v < -lim || v >= lim) throw new Error(`abi: improperly encoded int${t.size} value`);
  }
  return v;
}

function readBool(w: Uint8Array): boolean {
  for (let i = 0; i < 31; i++) if (w[i] !== 0) throw new Error('abi: improperly encoded boolean value');
  if (w[31] === 0) return false;
  if (w[31] === 1) return true;
  throw new Error('abi: improperly encoded boolean value');
}

function lengthPrefixPointsTo(index: number, out: Uint8Array): [number, number] {
  const offsetEnd = uint(word(out, index)) + 32n;
  const len = BigInt(out.length);
  if (offsetEnd > len) throw new Error(`abi: cannot marshal in to go slice: offset ${offsetEnd} would go over slice boundary (len=${len})`);
  const end = Number(offsetEnd);
  const length = uint(out.subarray(end - 32, end));
  const total = offsetEnd + length;
  if (bitLen(total) > 63) throw new Error(`abi: length larger than int64: ${total}`);
  if (total > len) throw new Error(`abi: cannot marshal in to go type: length insufficient ${len} require ${total}`);
  return [end, Number(length)];
}

function tuplePointsTo(index: number, out: Uint8Array): number {
  const offset = uint(word(out, index));
  if (offset > BigInt(out.length)) {
    throw new Error(`abi: cannot marshal in to go slice: offset ${offset} would go over slice boundary (len=${out.length})`);
  }
  return Number(offset);
}

function forEachUnpack(elem: AbiType, out: Uint8Array, start: number, size: number): AbiValue[] {
  // go-ethereum prints these two numbers the other way round; kept.
  if (start + 32 * size > out.length) {
    throw new Error(`abi: cannot marshal into go array: offset ${out.length} would go over slice boundary (len=${BigInt(start) + 32n * BigInt(size)})`);
  }
  const step = typeSize(elem);
  const values: AbiValue[] = [];
  for (let j = 0, i = start; j < size; j++, i += step) values.push(toValue(i, elem, out));
  return values;
}

/** Decodes a sequence of head-encoded values (a tuple's elements or a method's arguments). */
function unpackSequence(types: AbiType[], out: Uint8Array): AbiValue[] {
  const values: AbiValue[] = [];
  let virtual = 0;
  types.forEach((t, index) => {
    const v = toValue((index + virtual) * 32, t, out);
    // Static arrays and tuples are inlined: later arguments move by their extra words (an empty tuple by −1).
    if ((t.kind === 'array' || t.kind === 'tuple') && !isDynamic(t)) virtual += typeSize(t) / 32 - 1;
    values.push(v);
  });
  return values;
}

function toValue(index: number, t: AbiType, out: Uint8Array): AbiValue {
  if (index + 32 > out.length) throw new Error(`abi: cannot marshal in to go type: length insufficient ${out.length} require ${index + 32}`);
  let begin = 0;
  let length = 0;
  const prefixed = t.kind === 'string' || t.kind === 'bytes' || t.kind === 'slice';
  if (prefixed) [begin, length] = lengthPrefixPointsTo(index, out);
  const w = word(out, index);
  switch (t.kind) {
    case 'tuple':
      return unpackSequence(t.elems, out.subarray(isDynamic(t) ? tuplePointsTo(index, out) : index));
    case 'slice':
      return forEachUnpack(t.elem, out.subarray(begin), 0, length);
    case 'array': {
      if (!isDynamic(t.elem)) return forEachUnpack(t.elem, out.subarray(index), 0, t.size);
      const offset = uint(w.subarray(24, 32)); // go-ethereum reads only the low 8 bytes of the offset word
      if (offset > BigInt(out.length)) {
        throw new Error(`abi: toGoType offset greater than output length: offset: ${offset}, len(output): ${out.length}`);
      }
      return forEachUnpack(t.elem, out.subarray(Number(offset)), 0, t.size);
    }
    case 'string':
    case 'bytes':
      return out.slice(begin, begin + length);
    case 'int':
    case 'uint':
      return readInteger(t, w);
    case 'bool':
      return readBool(w);
    case 'address':
      return w.slice(12, 32);
    case 'fixedbytes':
      return w.slice(0, t.size);
    case 'function':
      if (w.subarray(24, 32).some((b) => b !== 0)) throw new Error(`abi: got improperly encoded function type, got ${goBytes(w)}`);
      return w.slice(0, 24);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Encoding (canonical ABI)
// ---------------------------------------------------------------------------------------------------------

const padWord = (n: bigint) => {
  const out = new Uint8Array(32);
  let v = ((n % TWO_256) + TWO_256) % TWO_256;
  for (let i = 31; i >= 0 && v > 0n; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const rightPad = (b: Uint8Array) => {
  const out = new Uint8Array(Math.ceil(b.length / 32) * 32);
  out.set(b);
  return out;
};

function packSequence(types: AbiType[], values: AbiValue[]): Uint8Array {
  let offset = types.reduce((n, t) => n + typeSize(t), 0);
  const head: Uint8Array[] = [];
  const tail: Uint8Array[] = [];
  types.forEach((t, i) => {
    const packed = pack(t, values[i]);
    if (isDynamic(t)) {
      head.push(padWord(BigInt(offset)));
      tail.push(packed);
      offset += packed.length;
    } else head.push(packed);
  });
  for (const t of tail) head.push(t);
  return concatAll(head);
}

function pack(t: AbiType, v: AbiValue): Uint8Array {
  switch (t.kind) {
    case 'int':
    case 'uint':
      return padWord(v as bigint);
    case 'bool':
      return padWord(v ? 1n : 0n);
    case 'address': {
      const out = new Uint8Array(32);
      out.set(v as Uint8Array, 12);
      return out;
    }
    case 'fixedbytes':
    case 'function':
      return rightPad(v as Uint8Array);
    case 'string':
    case 'bytes': {
      const b = v as Uint8Array;
      return concatBytes(padWord(BigInt(b.length)), rightPad(b));
    }
    case 'tuple':
      return packSequence(t.elems, v as AbiValue[]);
    case 'slice':
    case 'array': {
      const list = v as AbiValue[];
      const body = packSequence(list.map(() => t.elem), list);
      return t.kind === 'slice' ? concatBytes(padWord(BigInt(list.length)), body) : body;
    }
  }
}

/** Canonical ABI encoding of argument values (what go-ethereum's PackValues produces). */
export function encodeArguments(types: AbiType[], values: AbiValue[]): Uint8Array {
  return packSequence(types, values);
}

/** ABI decoding of argument bytes (go-ethereum's UnpackValues, same errors). */
export function decodeArguments(types: AbiType[], data: Uint8Array): AbiValue[] {
  return unpackSequence(types, data);
}

// ---------------------------------------------------------------------------------------------------------
// Rendering (Go's %v of the decoded Go values)
// ---------------------------------------------------------------------------------------------------------

function renderValue(t: AbiType, v: AbiValue, out: Uint8Array[]): void {
  const text = (s: string): void => {
    out.push(utf8(s));
  };
  const list = (elemTypes: AbiType[], values: AbiValue[], open: string, close: string) => {
    text(open);
    values.forEach((e, i) => {
      if (i > 0) text(' ');
      renderValue(elemTypes[i], e, out);
    });
    text(close);
  };
  switch (t.kind) {
    case 'int':
    case 'uint':
      text((v as bigint).toString());
      return;
    case 'bool':
      text(v ? 'true' : 'false');
      return;
    case 'address':
      text(toChecksumAddress(v as Uint8Array));
      return;
    case 'string':
      out.push(v as Uint8Array); // raw bytes, possibly invalid UTF-8; the caller Go-quotes the whole text
      return;
    case 'bytes':
    case 'fixedbytes':
    case 'function':
      text(goBytes(v as Uint8Array));
      return;
    case 'slice':
    case 'array':
      list((v as AbiValue[]).map(() => t.elem), v as AbiValue[], '[', ']');
      return;
    case 'tuple':
      list(t.elems, v as AbiValue[], '{', '}');
      return;
  }
}

/** A calldata blob verified against a selector. */
export interface DecodedCall {
  /** The method name as written in the selector. */
  name: string;
  /** Canonical signature, e.g. `transfer(address,uint256)`. */
  signature: string;
  inputs: { type: AbiType; value: AbiValue }[];
}

/** clef's decoded-call text as bytes (strings are raw): `name(type: value,…)` with Go's `%v` values. */
export function renderCall(call: DecodedCall): Uint8Array {
  const out: Uint8Array[] = [utf8(call.name + '(')];
  call.inputs.forEach((arg, i) => {
    if (i > 0) out.push(utf8(','));
    out.push(utf8(arg.type.str + ': '));
    renderValue(arg.type, arg.value, out);
  });
  out.push(utf8(')'));
  return concatAll(out);
}

// ---------------------------------------------------------------------------------------------------------
// Verification (clef's verifySelector / parseCallData)
// ---------------------------------------------------------------------------------------------------------

/** Canonical signature of a selector string (`transfer(address,uint256)`), or throws the parse error. */
export function canonicalSignature(selector: string): string {
  const sel = parseSelector(selector);
  return `${sel.name}(${sel.inputs.map((a) => newType(a.Type, a.Components).str).join(',')})`;
}

/**
 * Checks calldata against a selector string the way clef does and returns the decoded call. Throws with
 * clef's error texts (parse errors, `no method with id: 0x…`, `… arguments mismatch: …`, and the
 * `WARNING: Supplied data is stuffed with extra data.` re-encoding mismatch).
 */
export function verifySelector(selector: string, calldata: Uint8Array): DecodedCall {
  let sel: SelectorMarshaling;
  try {
    sel = parseSelector(selector);
  } catch (e) {
    throw new Error(`failed to parse selector: ${(e as Error).message}`);
  }
  if (calldata.length < 4) throw new Error(`invalid call data, incomplete method signature (${calldata.length} bytes < 4)`);
  const argdata = calldata.subarray(4);
  if (argdata.length % 32 !== 0) throw new Error(`invalid call data; length should be a multiple of 32 bytes (was ${argdata.length})`);
  let types: AbiType[];
  try {
    types = sel.inputs.map((a) => newType(a.Type, a.Components));
  } catch (e) {
    throw new Error(`invalid method signature (${goQuote(JSON.stringify([sel]))}): ${(e as Error).message}`);
  }
  const signature = `${sel.name}(${types.map((t) => t.str).join(',')})`;
  const id = keccak256(utf8(signature)).subarray(0, 4);
  if (!equalBytes(id, calldata.subarray(0, 4))) throw new Error(`no method with id: 0x${toHexRaw(calldata.subarray(0, 4))}`);
  let values: AbiValue[];
  try {
    values = unpackSequence(types, argdata);
  } catch (e) {
    const method = `function ${sel.name}(${types.map((t, i) => `${t.str} ${sel.inputs[i].Name}`).join(', ')}) returns()`;
    throw new Error(`signature ${goQuote(method)} matches, but arguments mismatch: ${(e as Error).message}`);
  }
  const encoded = packSequence(types, values);
  if (!equalBytes(encoded, argdata)) {
    throw new Error(
      `WARNING: Supplied data is stuffed with extra data. \nWant ${toHexRaw(argdata)}\nHave ${toHexRaw(encoded)}\nfor method ${signature}`,
    );
  }
  return { name: sel.name, signature, inputs: types.map((type, i) => ({ type, value: values[i] })) };
}
