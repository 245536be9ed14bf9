// Web3 Secret Storage key files as go-ethereum reads and writes them (vault-and-keystore.md §6.2–§6.4):
// the exact JSON written, DecryptKey's v1/v3 paths with Go's error texts, and the scan-time address rule.
// JSON is parsed by a small Go-compatible parser so that Go's syntax errors, "first value only" decoding,
// integer fields (`3.0` is not an int) and case-insensitive member matching come out as geth has them.
import { addressFromBytes, toHexRaw, utf8, wipe, type Address } from './bytes.ts';
import { goQuoteBytes, type Json } from './gojson.ts';
import type { Kdf, Random } from './ports.ts';
import { addressOfPrivateKey, privateKeyError } from './secp256k1.ts';
import { decryptSecret, decryptSecretV1, encryptSecret, type ScryptParams } from './secret-storage.ts';

// ---------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------

/** A random (version 4) UUID in lowercase canonical form, drawn from `random`. */
export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  if (b.length !== 16) throw new Error('failed to read enough random');
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = toHexRaw(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Encrypts a 32-byte private key into geth's key file text: compact JSON `{"address","crypto","id","version":3}`
 * with no trailing newline (§6.3). The id is drawn first, then salt and IV (geth's order).
 */
export async function encryptKeyFile(
  priv: Uint8Array,
  password: string,
  params: ScryptParams,
  kdf: Kdf,
  random: Random,
): Promise<string> {
  const problem = privateKeyError(priv);
  if (problem) throw new Error(`invalid key: ${problem}`);
  const address = addressOfPrivateKey(priv).slice(2);
  const id = randomUuid(random);
  const crypto = await encryptSecret(priv, password, params, kdf, random);
  return JSON.stringify({ address, crypto, id, version: 3 });
}

// ---------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------

/**
 * Decrypts a key file like geth's DecryptKey (+ the account check of GetKey when `expected` is given):
 * v1 when `version` is the string "1", v3 otherwise. Returns the 32-byte private key; the caller wipes it.
 */
export async function decryptKeyFile(json: string, password: string, kdf: Kdf, expected?: Address): Promise<Uint8Array> {
  const root = parseGoJson(json); // json.Unmarshal into map[string]interface{}
  if (root.k !== 'object' && root.k !== 'null') {
    throw new Error(`json: cannot unmarshal ${kindName(root)} into Go value of type map[string]interface {}`);
  }
  const versionMember = root.k === 'object' ? lastExact(root, 'version') : undefined;
  const v1 = versionMember?.k === 'string' && versionMember.v === '1';
  const structName = v1 ? 'encryptedKeyJSONV1' : 'encryptedKeyJSONV3';
  const fields = decodeKeyStruct(root, structName, v1);

  let plain: Uint8Array;
  if (v1) {
    parseUuid(fields.id);
    plain = await decryptSecretV1(fields.crypto, password, kdf);
  } else {
    if (fields.version !== 3) throw new Error(`version not supported: ${fields.version}`);
    parseUuid(fields.id);
    plain = await decryptSecret(fields.crypto, password, kdf);
  }
  const problem = privateKeyError(plain);
  if (problem) {
    wipe(plain);
    throw new Error(`invalid key: ${problem}`);
  }
  if (expected !== undefined) {
    const have = addressOfPrivateKey(plain);
    if (have !== expected.toLowerCase()) {
      wipe(plain);
      throw new Error(`key content mismatch: have account ${have.slice(2)}, want ${expected.slice(2).toLowerCase()}`);
    }
  }
  return plain;
}

/**
 * The scan-time rule (§6.2): decode the FIRST JSON value of the file (trailing data allowed), take its
 * `address` member (name matched case-insensitively) as geth's lenient HexToAddress does. Null when the
 * decode fails or the address is missing or zero.
 */
export function scanAddress(text: string): Address | null {
  const a = firstValueMember(text, 'address');
  if (a === undefined || a === null || typeof a !== 'string') return null; // absent, null, a type error, or no object
  const bytes = hexToAddressBytes(a);
  if (bytes.every((x) => x === 0)) return null;
  return addressFromBytes(bytes);
}

/**
 * True for a file the scan skips only for want of an address: its first JSON value is an object with a
 * `crypto` object member (any case) and no `address` member at all (Foundry's cast writes such files).
 */
export function looksLikeUnaddressedKeyFile(text: string): boolean {
  if (firstValueMember(text, 'address') !== undefined) return false;
  const c = firstValueMember(text, 'crypto');
  return typeof c === 'object' && c !== null && !Array.isArray(c);
}

const NOT_AN_OBJECT = Symbol('not an object');

/**
 * The member of the file's first JSON value that Go would assign to struct field `name` (the last member whose
 * name folds to it), as plain JSON; undefined when absent or when the first value is not a decodable object.
 */
function firstValueMember(text: string, name: string): Json | undefined {
  // Fast path: JSON.parse has Go's grammar; it applies when the whole text is one object and at most one
  // member folds to `name` (JSON.parse keeps the first position of a repeated name, Go the last assignment).
  let parsed: unknown = NOT_AN_OBJECT;
  try {
    parsed = JSON.parse(text);
  } catch {
    // trailing data or a syntax error: the Go parser decides
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const obj = parsed as { [key: string]: Json };
    let hits = 0;
    let value: Json | undefined;
    for (const k of Object.keys(obj)) {
      if (k.length === name.length && foldName(k) === name) {
        hits++;
        value = obj[k];
      }
    }
    if (hits <= 1) return value;
  }
  let first: GoJson;
  try {
    first = parseFirstGoJson(text).value;
  } catch {
    return undefined;
  }
  if (first.k !== 'object') return undefined;
  const node = lastFolded(first, name);
  return node === undefined ? undefined : toJson(node);
}

/**
 * The text of an unaddressed key file with `"address":"<40 hex>"` inserted as its first member; every other
 * byte is unchanged. Throws when the text is not such a file.
 */
export function withAddressMember(text: string, address: Address): string {
  if (!looksLikeUnaddressedKeyFile(text)) throw new Error('not a key file without address');
  const hex = address.replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(hex)) throw new Error(`invalid address ${address}`);
  let i = 0;
  while (isSpace(text.charCodeAt(i))) i++;
  // The object has at least a crypto member, so a comma after the new member is always right.
  return `${text.slice(0, i + 1)}"address":"${hex}",${text.slice(i + 1)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The key-file struct (encryptedKeyJSONV3 / V1) with Go's type errors
// ---------------------------------------------------------------------------------------------------------

interface KeyStruct {
  id: string;
  crypto: Json;
  /** v3 only: the int version (0 when absent). */
  version: number;
}

function decodeKeyStruct(root: GoJson, structName: string, v1: boolean): KeyStruct {
  const out: KeyStruct = { id: '', crypto: null, version: 0 };
  if (root.k !== 'object') return out; // null leaves every field at its zero value
  const errors: Error[] = []; // Go keeps decoding after a type error and reports the first one
  const fail = (node: GoJson, field: string, goType: string, withLiteral = false) => {
    const what = withLiteral && node.k === 'number' ? `number ${node.raw}` : kindName(node);
    errors.push(new Error(`json: cannot unmarshal ${what} into Go struct field ${structName}.${field} of type ${goType}`));
  };
  // Go assigns members in document order; a later member matching the same field overwrites an earlier one.
  for (const [key, node] of root.members) {
    const name = foldName(key);
    if (name === 'address') {
      if (node.k !== 'string' && node.k !== 'null') fail(node, 'address', 'string');
    } else if (name === 'id') {
      if (node.k === 'string') out.id = node.v;
      else if (node.k !== 'null') fail(node, 'id', 'string');
    } else if (name === 'crypto') {
      if (node.k === 'object') out.crypto = toJson(node);
      else if (node.k !== 'null') fail(node, 'crypto', 'keystore.CryptoJSON');
    } else if (name === 'version') {
      if (v1) {
        if (node.k !== 'string' && node.k !== 'null') fail(node, 'version', 'string');
      } else if (node.k === 'number') {
        const n = goInt64(node.raw);
        if (n === null) fail(node, 'version', 'int', true);
        else out.version = n;
      } else if (node.k !== 'null') fail(node, 'version', 'int');
    }
  }
  if (errors.length > 0) throw errors[0];
  return out;
}

/** strconv.ParseInt(raw, 10, 64) as a JS number, or null (fractions, exponents and overflow all fail). */
function goInt64(raw: string): number | null {
  if (!/^-?\d+$/.test(raw)) return null;
  const n = BigInt(raw);
  if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) return null;
  return Number(n);
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** google/uuid Parse: the four accepted textual forms and their error texts. */
function parseUuid(s: string): void {
  let b = utf8(s); // Go measures and indexes strings in bytes
  const hexPair = (i: number) => hexNibble(b[i]) >= 0 && hexNibble(b[i + 1]) >= 0;
  switch (b.length) {
    case 36:
      break;
    case 45:
      if (String.fromCharCode(...b.subarray(0, 9)).toLowerCase() !== 'urn:uuid:') {
        throw new Error(`invalid urn prefix: ${goQuoteBytes(b.subarray(0, 9))}`);
      }
      b = b.subarray(9);
      break;
    case 38:
      if (b[0] !== 0x7b || b[37] !== 0x7d) throw new Error('invalid prefix: braces expected');
      b = b.subarray(1);
      break;
    case 32:
      for (let i = 0; i < 32; i += 2) if (!hexPair(i)) throw new Error('invalid UUID format');
      return;
    default:
      throw new Error(`invalid UUID length: ${b.length}`);
  }
  if (b[8] !== 0x2d || b[13] !== 0x2d || b[18] !== 0x2d || b[23] !== 0x2d) throw new Error('invalid UUID format');
  for (const x of [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]) {
    if (!hexPair(x)) throw new Error('invalid UUID format');
  }
}

/** geth's common.HexToAddress: optional 0x, odd length left-padded, hex decoded up to the first bad byte, last 20 bytes kept. */
function hexToAddressBytes(s: string): Uint8Array {
  let src = utf8(s);
  if (src.length >= 2 && src[0] === 0x30 && (src[1] === 0x78 || src[1] === 0x58)) src = src.subarray(2);
  if (src.length % 2 === 1) {
    const padded = new Uint8Array(src.length + 1);
    padded[0] = 0x30;
    padded.set(src, 1);
    src = padded;
  }
  const decoded: number[] = [];
  for (let j = 1; j < src.length; j += 2) {
    const hi = hexNibble(src[j - 1]);
    const lo = hexNibble(src[j]);
    if (hi < 0 || lo < 0) break;
    decoded.push((hi << 4) | lo);
  }
  const out = new Uint8Array(20);
  const tail = decoded.slice(Math.max(0, decoded.length - 20));
  out.set(tail, 20 - tail.length);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A Go-compatible JSON parser (encoding/json's grammar and syntax error texts)
// ---------------------------------------------------------------------------------------------------------

type GoJson =
  | { k: 'object'; members: [string, GoJson][] }
  | { k: 'array'; items: GoJson[] }
  | { k: 'string'; v: string }
  | { k: 'number'; raw: string }
  | { k: 'bool'; v: boolean }
  | { k: 'null' };

type GoObject = Extract<GoJson, { k: 'object' }>;

/** Go's name for a JSON value's kind in UnmarshalTypeError. */
function kindName(n: GoJson): string {
  return n.k;
}

/** Go's json field-name folding for ASCII names: case-insensitive, with U+017F ſ folding to s (Go's SimpleFold). */
function foldName(key: string): string {
  return key.replace(/\u017f/g, 's').toLowerCase();
}

function lastFolded(obj: GoObject, name: string): GoJson | undefined {
  let found: GoJson | undefined;
  for (const [k, v] of obj.members) if (foldName(k) === name) found = v;
  return found;
}

function lastExact(obj: GoObject, name: string): GoJson | undefined {
  let found: GoJson | undefined;
  for (const [k, v] of obj.members) if (k === name) found = v;
  return found;
}

/** Plain JSON value (duplicate members: the last wins, as in a Go map; numbers as float64). */
function toJson(n: GoJson): Json {
  switch (n.k) {
    case 'object': {
      const o: { [key: string]: Json } = {};
      for (const [k, v] of n.members) Object.defineProperty(o, k, { value: toJson(v), enumerable: true, writable: true, configurable: true });
      return o;
    }
    case 'array':
      return n.items.map(toJson);
    case 'string':
      return n.v;
    case 'number':
      return Number(n.raw);
    case 'bool':
      return n.v;
    case 'null':
      return null;
  }
}

class EndOfInput extends Error {}

const MAX_DEPTH = 10000;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Go's quoteChar: the offending byte as Go prints it in `invalid character …`. */
function quoteChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  const first = cp < 0x80 ? cp : utf8(String.fromCodePoint(cp))[0];
  if (first === 0x27) return `'\\''`;
  if (first === 0x22) return `'"'`;
  const q = goQuoteBytes(utf8(String.fromCharCode(first)));
  return `'${q.slice(1, -1)}'`;
}

class GoJsonParser {
  i = 0;
  depth = 0;
  constructor(readonly s: string) {}

  fail(context: string): never {
    if (this.i >= this.s.length) throw new EndOfInput('unexpected end of JSON input');
    throw new Error(`invalid character ${quoteChar(this.s, this.i)} ${context}`);
  }

  skipSpace(): void {
    while (this.i < this.s.length && isSpace(this.s.charCodeAt(this.i))) this.i++;
  }

  value(): GoJson {
    this.skipSpace();
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return { k: 'string', v: this.string() };
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x74) return this.literal('true', { k: 'bool', v: true });
    if (c === 0x66) return this.literal('false', { k: 'bool', v: false });
    if (c === 0x6e) return this.literal('null', { k: 'null' });
    this.fail('looking for beginning of value');
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('exceeded max depth');
    this.i++;
  }

  object(): GoJson {
    this.enter();
    const members: [string, GoJson][] = [];
    this.skipSpace();
    if (this.s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      this.depth--;
      return { k: 'object', members };
    }
    for (;;) {
      this.skipSpace();
      if (this.s.charCodeAt(this.i) !== 0x22) this.fail('looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.s.charCodeAt(this.i) !== 0x3a) this.fail('after object key');
      this.i++;
      members.push([key, this.value()]);
      this.skipSpace();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        this.depth--;
        return { k: 'object', members };
      }
      this.fail('after object key:value pair');
    }
  }

  array(): GoJson {
    this.enter();
    const items: GoJson[] = [];
    this.skipSpace();
    if (this.s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      this.depth--;
      return { k: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        this.depth--;
        return { k: 'array', items };
      }
      this.fail('after array element');
    }
  }

  string(): string {
    const start = this.i;
    this.i++; // opening quote
    let plain = true;
    for (;;) {
      if (this.i >= this.s.length) this.fail('in string literal');
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('in string literal');
      if (c === 0x5c) {
        plain = false;
        this.i++;
        const e = this.s.charCodeAt(this.i);
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            this.i++;
            if (hexNibble(this.s.charCodeAt(this.i)) < 0) this.fail('in \\u hexadecimal character escape');
          }
        } else if (!(e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) {
          this.fail('in string escape code');
        }
      }
      this.i++;
    }
    this.i++; // closing quote
    const body = this.s.slice(start + 1, this.i - 1);
    if (plain) return body;
    // The token is valid JSON by now; lone surrogate escapes become U+FFFD as in Go.
    return (JSON.parse(this.s.slice(start, this.i)) as string).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  }

  digits(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c < 0x30 || c > 0x39) break;
      this.i++;
    }
  }

  isDigit(): boolean {
    const c = this.s.charCodeAt(this.i);
    return c >= 0x30 && c <= 0x39;
  }

  number(): GoJson {
    const start = this.i;
    if (this.s.charCodeAt(this.i) === 0x2d) {
      this.i++;
      if (!this.isDigit()) this.fail('in numeric literal');
    }
    if (this.s.charCodeAt(this.i) === 0x30) this.i++;
    else this.digits();
    if (this.s.charCodeAt(this.i) === 0x2e) {
      this.i++;
      if (!this.isDigit()) this.fail('after decimal point in numeric literal');
      this.digits();
    }
    const e = this.s.charCodeAt(this.i);
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = this.s.charCodeAt(this.i);
      if (sign === 0x2b || sign === 0x2d) this.i++;
      if (!this.isDigit()) this.fail('in exponent of numeric literal');
      this.digits();
    }
    return { k: 'number', raw: this.s.slice(start, this.i) };
  }

  literal(word: string, node: GoJson): GoJson {
    for (let k = 1; k < word.length; k++) {
      this.i++;
      if (this.s[this.i] !== word[k]) this.fail(`in literal ${word} (expecting '${word[k]}')`);
    }
    this.i++;
    return node;
  }
}

/** json.Unmarshal's view: exactly one JSON value, only whitespace after it. */
function parseGoJson(text: string): GoJson {
  const p = new GoJsonParser(text);
  const value = p.value();
  p.skipSpace();
  if (p.i < text.length) p.fail('after top-level value');
  return value;
}

/** json.Decoder's view: the first JSON value; whatever follows it is not read. */
function parseFirstGoJson(text: string): { value: GoJson; end: number } {
  const p = new GoJsonParser(text);
  const value = p.value();
  return { value, end: p.i };
}
