// Web3 Secret Storage key files as go-ethereum reads and writes them (vault-and-keystore.md §6.2–§6.4):
// the exact JSON written, DecryptKey's v1/v3 paths with Go's error texts, and the scan-time address rule.
// JSON goes through the core Go scanner (gojson-scan.ts) and raw member spans (gojson-raw.ts) so that Go's syntax
// errors, "first value only" decoding, integer fields (`3.0` is not an int) and case-insensitive member matching
// (last folded member wins) come out as geth has them.
import { addressFromBytes, nibble, toHexRaw, utf8, wipe, type Address } from './bytes.ts';
import { goFoldKey, goQuoteBytes, type Json } from './gojson.ts';
import { decodeStringToken, goParseAt, rawKind, rawMembers, skipSpace, type RawMember } from './gojson-raw.ts';
import { checkValidJson, GoJsonScanner } from './gojson-scan.ts';
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
  checkValidJson(json); // json.Unmarshal into map[string]interface{}: syntax first
  const start = skipSpace(json, 0);
  const rootKind = rawKind(json.slice(start, start + 1));
  if (rootKind !== 'object' && rootKind !== 'null') {
    throw new Error(`json: cannot unmarshal ${rootKind} into Go value of type map[string]interface {}`);
  }
  const members = rootKind === 'object' ? rawMembers(json, start) : [];
  const versionMember = members.filter((m) => m.key === 'version').pop(); // a map: exact names, last one wins
  const versionRaw = versionMember ? json.slice(versionMember.start, versionMember.end) : '';
  const v1 = versionRaw.startsWith('"') && decodeStringToken(versionRaw) === '1';
  const structName = v1 ? 'encryptedKeyJSONV1' : 'encryptedKeyJSONV3';
  const fields = decodeKeyStruct(json, members, structName, v1);

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
    // trailing data or a syntax error: the Go scanner decides
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const obj = parsed as { [key: string]: Json };
    let hits = 0;
    let value: Json | undefined;
    for (const k of Object.keys(obj)) {
      if (goFoldKey(k) === name) {
        hits++;
        value = obj[k];
      }
    }
    if (hits <= 1) return value;
  }
  // json.Decoder's view: the first JSON value; whatever follows it is not read
  const scanner = new GoJsonScanner();
  scanner.push(text);
  let first: string | null;
  try {
    first = scanner.next() ?? scanner.finish();
  } catch {
    return undefined;
  }
  if (first === null || first.charCodeAt(0) !== 0x7b) return undefined;
  const member = rawMembers(first, 0)
    .filter((m) => goFoldKey(m.key) === name)
    .pop();
  return member === undefined ? undefined : goParseAt(first, member.start);
}

/**
 * The text of an unaddressed key file with `"address":"<40 hex>"` inserted as its first member; every other
 * byte is unchanged. Throws when the text is not such a file.
 */
export function withAddressMember(text: string, address: Address): string {
  if (!looksLikeUnaddressedKeyFile(text)) throw new Error('not a key file without address');
  const hex = address.replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(hex)) throw new Error(`invalid address ${address}`);
  const i = skipSpace(text, 0);
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

function decodeKeyStruct(text: string, members: RawMember[], structName: string, v1: boolean): KeyStruct {
  const out: KeyStruct = { id: '', crypto: null, version: 0 };
  const errors: Error[] = []; // Go keeps decoding after a type error and reports the first one
  const fail = (kind: string, raw: string, field: string, goType: string, withLiteral = false) => {
    const what = withLiteral && kind === 'number' ? `number ${raw}` : kind;
    errors.push(new Error(`json: cannot unmarshal ${what} into Go struct field ${structName}.${field} of type ${goType}`));
  };
  // Go assigns members in document order; a later member matching the same field overwrites an earlier one.
  for (const m of members) {
    const name = goFoldKey(m.key);
    const raw = text.slice(m.start, m.end);
    const kind = rawKind(raw);
    if (name === 'address') {
      if (kind !== 'string' && kind !== 'null') fail(kind, raw, 'address', 'string');
    } else if (name === 'id') {
      if (kind === 'string') out.id = decodeStringToken(raw);
      else if (kind !== 'null') fail(kind, raw, 'id', 'string');
    } else if (name === 'crypto') {
      if (kind === 'object') out.crypto = goParseAt(text, m.start);
      else if (kind !== 'null') fail(kind, raw, 'crypto', 'keystore.CryptoJSON');
    } else if (name === 'version') {
      if (v1) {
        if (kind !== 'string' && kind !== 'null') fail(kind, raw, 'version', 'string');
      } else if (kind === 'number') {
        const n = goInt64(raw);
        if (n === null) fail(kind, raw, 'version', 'int', true);
        else out.version = n;
      } else if (kind !== 'null') fail(kind, raw, 'version', 'int');
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

/** google/uuid Parse: the four accepted textual forms and their error texts. */
function parseUuid(s: string): void {
  let b = utf8(s); // Go measures and indexes strings in bytes
  const hexPair = (i: number) => nibble(b[i]) >= 0 && nibble(b[i + 1]) >= 0;
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
    const hi = nibble(src[j - 1]);
    const lo = nibble(src[j]);
    if (hi < 0 || lo < 0) break;
    decoded.push((hi << 4) | lo);
  }
  const out = new Uint8Array(20);
  const tail = decoded.slice(Math.max(0, decoded.length - 20));
  out.set(tail, 20 - tail.length);
  return out;
}
