// The Web3 Secret Storage `crypto` object (vault-and-keystore.md §2.1, §6.3, §6.4): scrypt/pbkdf2 key
// derivation, AES-128-CTR (v3) or AES-128-CBC (v1) encryption and the Keccak-256 MAC. Shared by key files and
// masterseed.json. Pure: randomness and the KDF come in through ports.
import { goField, jsonKind, isJsonObject, type JsonObject } from './gojson.ts';
import { cbc, ctr } from '@noble/ciphers/aes.js';
import { concatBytes, equalBytes, keccak256, nibble, toHexRaw, utf8, wipe } from './bytes.ts';
import type { Kdf, Random } from './ports.ts';

/** scrypt cost parameters that vary (r is always 8, dklen always 32 when writing). */
export interface ScryptParams {
  n: number;
  p: number;
}

/** The `crypto` object as clef writes it; member order is the serialisation order. */
export interface CryptoJson {
  cipher: 'aes-128-ctr';
  ciphertext: string;
  cipherparams: { iv: string };
  kdf: 'scrypt';
  kdfparams: { dklen: number; n: number; p: number; r: number; salt: string };
  mac: string;
}

/** go-ethereum's keystore.ErrDecrypt text: wrong password, tampered MAC, or bad v1 padding. */
export const ERR_DECRYPT = 'could not decrypt key with given password';

const SCRYPT_R = 8;
const DKLEN = 32;

/** Encrypts `plaintext` under `password` into a v3 `crypto` object (salt then IV are drawn from `random`). */
export async function encryptSecret(
  plaintext: Uint8Array,
  password: string,
  params: ScryptParams,
  kdf: Kdf,
  random: Random,
): Promise<CryptoJson> {
  const salt = random.bytes(32);
  const pw = utf8(password);
  const dk = await kdf.scrypt(pw, salt, params.n, SCRYPT_R, params.p, DKLEN);
  wipe(pw);
  const iv = random.bytes(16);
  if (salt.length !== 32 || iv.length !== 16) throw new Error('failed to read enough random');
  const ciphertext = ctr(dk.slice(0, 16), iv).encrypt(plaintext);
  const mac = keccak256(concatBytes(dk.subarray(16, 32), ciphertext));
  wipe(dk);
  return {
    cipher: 'aes-128-ctr',
    ciphertext: toHexRaw(ciphertext),
    cipherparams: { iv: toHexRaw(iv) },
    kdf: 'scrypt',
    kdfparams: { dklen: DKLEN, n: params.n, p: params.p, r: SCRYPT_R, salt: toHexRaw(salt) },
    mac: toHexRaw(mac),
  };
}

/** Decrypts a v3 `crypto` object (AES-128-CTR); errors use go-ethereum's wording (§6.4 steps 3–6). */
export async function decryptSecret(crypto: unknown, password: string, kdf: Kdf): Promise<Uint8Array> {
  const c = parseCrypto(crypto);
  if (c.cipher !== 'aes-128-ctr') throw new Error(`cipher not supported: ${c.cipher}`);
  const { mac, iv, ciphertext } = decodeCipherFields(c);
  const dk = await deriveKey(c, password, kdf);
  try {
    verifyMac(dk, ciphertext, mac);
    if (iv.length !== 16) throw new Error(`invalid IV length ${iv.length}, need 16 bytes`);
    return ctr(dk.slice(0, 16), iv).decrypt(ciphertext);
  } finally {
    wipe(dk);
  }
}

/** Decrypts a legacy v1 `crypto` object: AES key = Keccak256(DK[0:16])[0:16], AES-128-CBC, PKCS#7 (§6.4 step 7). */
export async function decryptSecretV1(crypto: unknown, password: string, kdf: Kdf): Promise<Uint8Array> {
  const c = parseCrypto(crypto); // the v1 path never looks at `cipher`
  const { mac, iv, ciphertext } = decodeCipherFields(c);
  const dk = await deriveKey(c, password, kdf);
  const key = keccak256(dk.subarray(0, 16)).slice(0, 16);
  try {
    verifyMac(dk, ciphertext, mac);
    if (iv.length !== 16) throw new Error(`invalid IV length ${iv.length}, need 16 bytes`);
    // go-ethereum panics on a partial block; it is simply undecryptable.
    if (ciphertext.length % 16 !== 0) throw new Error(ERR_DECRYPT);
    const padded = cbc(key, iv, { disablePadding: true }).decrypt(ciphertext);
    const plain = pkcs7Unpad(padded);
    if (!plain) throw new Error(ERR_DECRYPT);
    return plain;
  } finally {
    wipe(dk);
    wipe(key);
  }
}

// ---------------------------------------------------------------------------------------------------------

interface CryptoFields {
  cipher: string;
  ciphertext: string;
  iv: string;
  kdf: string;
  kdfparams: Record<string, unknown> | null;
  mac: string;
}

/** Go struct-field lookup (goField): member names match case-insensitively; the last matching member wins. */
function member(obj: Record<string, unknown>, name: string): unknown {
  return goField(obj as JsonObject, name);
}

/** A Go `string` struct field: absent or null leaves "", anything else is a JSON type error. */
function stringField(obj: Record<string, unknown>, name: string, goField: string): string {
  const v = member(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') {
    throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${goField} of type string`);
  }
  return v;
}

/** Decodes the JSON shape of keystore.CryptoJSON (case-insensitive names, kdfparams a plain map). */
function parseCrypto(crypto: unknown): CryptoFields {
  if (crypto === undefined || crypto === null) crypto = {};
  if (!isJsonObject(crypto)) {
    throw new Error(`json: cannot unmarshal ${jsonKind(crypto)} into Go value of type keystore.CryptoJSON`);
  }
  let iv = '';
  const cp = member(crypto, 'cipherparams');
  if (isJsonObject(cp)) iv = stringField(cp, 'iv', 'CryptoJSON.cipherparams.iv');
  else if (cp !== undefined && cp !== null) {
    throw new Error(`json: cannot unmarshal ${jsonKind(cp)} into Go struct field CryptoJSON.cipherparams of type keystore.cipherparamsJSON`);
  }
  const kp = member(crypto, 'kdfparams');
  if (kp !== undefined && kp !== null && !isJsonObject(kp)) {
    throw new Error(`json: cannot unmarshal ${jsonKind(kp)} into Go struct field CryptoJSON.kdfparams of type map[string]interface {}`);
  }
  return {
    cipher: stringField(crypto, 'cipher', 'CryptoJSON.cipher'),
    ciphertext: stringField(crypto, 'ciphertext', 'CryptoJSON.ciphertext'),
    iv,
    kdf: stringField(crypto, 'kdf', 'CryptoJSON.kdf'),
    kdfparams: isJsonObject(kp) ? kp : null,
    mac: stringField(crypto, 'mac', 'CryptoJSON.mac'),
  };
}

function decodeCipherFields(c: CryptoFields): { mac: Uint8Array; iv: Uint8Array; ciphertext: Uint8Array } {
  const mac = goHexDecode(c.mac);
  const iv = goHexDecode(c.iv);
  const ciphertext = goHexDecode(c.ciphertext);
  return { mac, iv, ciphertext };
}

/** A numeric KDF parameter: a JSON number, fractional part truncated (go-ethereum's ensureInt). */
function intParam(params: Record<string, unknown>, name: string): number {
  const v = params[name]; // kdfparams is a Go map: names are case-sensitive
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`invalid KDF parameters: ${name} missing or not a number`);
  }
  return Math.trunc(v);
}

/** The derived key of §6.4 step 4, in go-ethereum's check order (salt, dklen, then the KDF itself). */
async function deriveKey(c: CryptoFields, password: string, kdf: Kdf): Promise<Uint8Array> {
  const params = c.kdfparams ?? {};
  const saltText = params.salt;
  if (typeof saltText !== 'string') throw new Error('invalid KDF parameters: salt missing or not a string');
  const salt = goHexDecode(saltText);
  const dklen = intParam(params, 'dklen');
  let derive: (pw: Uint8Array) => Promise<Uint8Array>;
  if (c.kdf === 'scrypt') {
    const n = intParam(params, 'n');
    const r = intParam(params, 'r');
    const p = intParam(params, 'p');
    if (n <= 1 || !Number.isSafeInteger(n) || (BigInt(n) & BigInt(n - 1)) !== 0n) {
      throw new Error('scrypt: N must be > 1 and a power of 2');
    }
    if (r < 1 || p < 1 || r * p >= 2 ** 30) throw new Error('scrypt: parameters are too large');
    checkDklen(dklen);
    derive = (pw) => kdf.scrypt(pw, salt, n, r, p, dklen);
  } else if (c.kdf === 'pbkdf2') {
    const iterations = intParam(params, 'c');
    const prf = params.prf;
    if (prf !== 'hmac-sha256') throw new Error(`unsupported PBKDF2 PRF: ${typeof prf === 'string' ? prf : ''}`);
    checkDklen(dklen);
    // Go's pbkdf2 runs the first round whatever the count; counts below 1 behave like 1.
    derive = (pw) => kdf.pbkdf2Sha256(pw, salt, Math.max(1, iterations), dklen);
  } else {
    throw new Error(`unsupported KDF: ${c.kdf}`);
  }
  const pw = utf8(password);
  try {
    return await derive(pw);
  } finally {
    wipe(pw);
  }
}

/** go-ethereum slices DK[16:32] unchecked (a panic); a short or absurd dklen is reported instead. */
function checkDklen(dklen: number): void {
  if (dklen < 32) throw new Error(`invalid KDF parameters: dklen ${dklen} is less than 32`);
  if (dklen > 1 << 16) throw new Error(`invalid KDF parameters: dklen ${dklen} is too large`);
}

function verifyMac(dk: Uint8Array, ciphertext: Uint8Array, mac: Uint8Array): void {
  const calculated = keccak256(concatBytes(dk.subarray(16, 32), ciphertext));
  if (!equalBytes(calculated, mac)) throw new Error(ERR_DECRYPT);
}

function pkcs7Unpad(b: Uint8Array): Uint8Array | null {
  if (b.length === 0) return null;
  const pad = b[b.length - 1];
  if (pad === 0 || pad > 16 || pad > b.length) return null;
  for (let i = b.length - pad; i < b.length; i++) if (b[i] !== pad) return null;
  return b.slice(0, b.length - pad);
}

// ---------------------------------------------------------------------------------------------------------
// Go's encoding/hex.DecodeString, with its exact error texts (no 0x prefix accepted).

/** Go's `%#U` of a byte taken as a rune: `U+0067 'g'` (the quoted form only for printable runes). */
function goRuneDisplay(b: number): string {
  const code = 'U+' + b.toString(16).toUpperCase().padStart(4, '0');
  const printable = (b >= 0x20 && b <= 0x7e) || (b >= 0xa1 && b !== 0xad);
  return printable ? `${code} '${String.fromCharCode(b)}'` : code;
}

/** Decodes plain hex like Go's hex.DecodeString (`encoding/hex: invalid byte: …`, `… odd length hex string`). */
export function goHexDecode(s: string): Uint8Array {
  const src = utf8(s);
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const a = nibble(src[j - 1]);
    const b = nibble(src[j]);
    if (a < 0) throw new Error(`encoding/hex: invalid byte: ${goRuneDisplay(src[j - 1])}`);
    if (b < 0) throw new Error(`encoding/hex: invalid byte: ${goRuneDisplay(src[j])}`);
    out[(j - 1) >> 1] = (a << 4) | b;
  }
  if (src.length % 2 === 1) {
    if (nibble(src[j - 1]) < 0) throw new Error(`encoding/hex: invalid byte: ${goRuneDisplay(src[j - 1])}`);
    throw new Error('encoding/hex: odd length hex string');
  }
  return out;
}
