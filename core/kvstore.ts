// The encrypted key-value store file (vault-and-keystore.md §4): a JSON object mapping plaintext keys to
// `{"iv":<b64 nonce>,"c":<b64 ciphertext‖tag>}`, each value sealed with AES-256-GCM and its key as AAD.
// Pure format code; FileSecretStore (adapters/vault) does the file I/O.
import { gcm } from '@noble/ciphers/aes.js';
import { base64 } from '@scure/base';
import { fromUtf8, utf8 } from './bytes.ts';
import { goField, isJsonObject, jsonKind, goStringify, type JsonObject } from './gojson.ts';
import { errorMessage } from './errors.ts';

/** One stored entry as Go decodes it: either field may be null (JSON `null` or absent). */
export interface StoreEntry {
  iv: Uint8Array | null;
  c: Uint8Array | null;
}

/** The whole store, keyed by plaintext entry name. */
export type StoreEntries = Map<string, StoreEntry>;

/** Go's crypto/cipher error for a failed GCM open. */
export const ERR_AUTH = 'cipher: message authentication failed';

/** AES-GCM standard nonce length. */
export const NONCE_LENGTH = 12;

/** The file text could not be decoded as a store (clef: `Failed to unmarshal encrypted storage`). */
export class StoreFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreFormatError';
  }
}

/** Go's base64.StdEncoding as encoding/json uses it: padded, CR/LF ignored, trailing bits not checked. */
function decodeBase64Go(s: string): Uint8Array {
  const clean = s.replace(/[\r\n]/g, '');
  const fail = (i: number) => new StoreFormatError(`illegal base64 data at input byte ${i}`);
  if (clean.length % 4 !== 0) throw fail(clean.length - (clean.length % 4));
  const body = clean.replace(/={1,2}$/, '');
  const bad = body.search(/[^A-Za-z0-9+/]/);
  if (bad >= 0) throw fail(bad);
  const rem = body.length % 4;
  if (rem === 1) throw fail(body.length - 1);
  // Zero the unused trailing bits so the strict decoder accepts what Go accepts.
  let canon = body;
  if (rem !== 0) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(body[body.length - 1]);
    const mask = rem === 2 ? 0x30 : 0x3c;
    canon = body.slice(0, -1) + alphabet[last & mask] + (rem === 2 ? '==' : '=');
  }
  return base64.decode(canon);
}

/** A Go `[]byte` struct field: null/absent → null, a string → base64 bytes, anything else a type error. */
function bytesField(entry: Record<string, unknown>, name: 'iv' | 'c'): Uint8Array | null {
  const v: unknown = goField(entry as JsonObject, name);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    throw new StoreFormatError(
      `json: cannot unmarshal ${jsonKind(v)} into Go struct field storedCredential.${name} of type []uint8`,
    );
  }
  return decodeBase64Go(v);
}

/** Parses a store file's text. `null` is an empty store; anything not decodable throws StoreFormatError. */
export function parseStore(text: string): StoreEntries {
  if (text.trim() === '') throw new StoreFormatError('unexpected end of JSON input');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new StoreFormatError(`invalid JSON: ${errorMessage(e)}`);
  }
  const entries: StoreEntries = new Map();
  if (v === null) return entries; // clef would panic on the next Put; an empty store is the intent
  if (!isJsonObject(v)) {
    throw new StoreFormatError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type map[string]storage.storedCredential`);
  }
  for (const key of Object.keys(v)) {
    const raw = v[key];
    const name = storeKey(key); // Go decodes a lone-surrogate escape as U+FFFD
    if (raw === null) {
      entries.set(name, { iv: null, c: null });
      continue;
    }
    if (!isJsonObject(raw)) {
      throw new StoreFormatError(`json: cannot unmarshal ${jsonKind(raw)} into Go value of type storage.storedCredential`);
    }
    entries.set(name, { iv: bytesField(raw, 'iv'), c: bytesField(raw, 'c') });
  }
  return entries;
}

/** Go's byte-wise (UTF-8) order of map keys, which is code-point order (JS's default sort is UTF-16 order). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Lone surrogates cannot exist in a Go string; they become U+FFFD like Go's UTF-8 handling. */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Normalises an entry name the way it will appear in the file (and in the AAD). */
export function storeKey(key: string): string {
  return wellFormed(key);
}

function bytesJson(b: Uint8Array | null): string {
  return b === null ? 'null' : `"${base64.encode(b)}"`;
}

/** Serialises entries exactly like Go: compact, keys sorted byte-wise, `iv` before `c`, HTML-safe escaping. */
export function serializeStore(entries: StoreEntries): string {
  const keys = [...entries.keys()].map((k) => [storeKey(k), k] as const);
  keys.sort((a, b) => compareCodePoints(a[0], b[0]));
  const parts = keys.map(([name, k]) => {
    const e = entries.get(k)!;
    return `${goStringify(name)}:{"iv":${bytesJson(e.iv)},"c":${bytesJson(e.c)}}`;
  });
  return `{${parts.join(',')}}`;
}

/** Seals `value` under the 32-byte store key with a 12-byte nonce, binding it to `key` via the AAD. */
export function encryptEntry(storeKeyBytes: Uint8Array, key: string, value: string, nonce: Uint8Array): StoreEntry {
  if (storeKeyBytes.length !== 32) throw new Error('store key must be 32 bytes');
  if (nonce.length !== NONCE_LENGTH) throw new Error('nonce must be 12 bytes');
  const c = gcm(storeKeyBytes, nonce, utf8(storeKey(key))).encrypt(utf8(value));
  return { iv: nonce.slice(), c };
}

/** Opens an entry; any mismatch (wrong key, other AAD, tampering, bad nonce length) throws `cipher: message authentication failed`. */
export function decryptEntry(storeKeyBytes: Uint8Array, key: string, entry: StoreEntry): string {
  // clef panics on a nonce that is not 12 bytes; it can only be a damaged entry.
  if (!entry.iv || entry.iv.length !== NONCE_LENGTH || !entry.c || entry.c.length < 16) throw new Error(ERR_AUTH);
  let plain: Uint8Array;
  try {
    plain = gcm(storeKeyBytes, entry.iv, utf8(storeKey(key))).decrypt(entry.c);
  } catch {
    throw new Error(ERR_AUTH);
  }
  return fromUtf8(plain);
}
