// account_signData payloads (external-api §7): content-type dispatch, the bytes whose keccak256 is signed,
// the UI messages for each type; plus account_ecRecover (§5.4) and the V convention (§4).
import { concatBytes, fromUtf8, keccak256, toChecksumAddress, toHex, utf8, type Address } from './bytes.ts';
import { cliqueSealPayload, decodeCliqueHeader } from './clique.ts';
import { ErrorCode, SignerError } from './errors.ts';
import { decodeHexStrict, goTypeName, isJsonObject, type Json } from './gojson.ts';
import { parseMediaType } from './mime.ts';
import type { NameValueType } from './ports.ts';
import { recoverAddress } from './secp256k1.ts';

/** The content types clef recognises (anything else is a personal message). */
export const MimeType = {
  textPlain: 'text/plain',
  validator: 'data/validator',
  clique: 'application/x-clique-header',
  typed: 'data/typed',
} as const;

/** EIP-712 preparation, provided by the typed-data module (kept behind this seam). */
export interface TypedDataHandler {
  /** Formats and hashes a decoded EIP-712 object; throws Error with clef's text on invalid data. */
  prepare(json: Json): { rawData: Uint8Array; messages: NameValueType[] };
}

/** A validated sign-data request: what the UI sees and what gets signed. */
export interface PreparedSignData {
  /** UI `content_type`: the parsed media type (lower-cased, parameters dropped). */
  contentType: string;
  /** The exact bytes whose keccak256 is signed (base64 towards the UI). */
  rawData: Uint8Array;
  /** keccak256(rawData). */
  hash: Uint8Array;
  messages: NameValueType[];
  /** True for clique headers: V stays 0/1. */
  clique: boolean;
  /** Clique only: the header's block number (for double-sign protection). */
  cliqueNumber?: bigint;
}

function fail(err: unknown, prefix = ''): never {
  if (err instanceof SignerError && err.code === ErrorCode.method && prefix === '') throw err;
  const msg = err instanceof Error ? err.message : String(err);
  throw new SignerError(prefix + msg);
}

/** clef's fromHex: the value must be a JSON string holding `0x` hex (hexutil.Decode). */
function hexData(data: Json | undefined): Uint8Array {
  if (typeof data !== 'string') throw new Error(`wrong type ${goTypeName(data)}`);
  return decodeHexStrict(data);
}

/** EIP-191 personal message: `"\x19Ethereum Signed Message:\n" ‖ decimal(len) ‖ data`. */
export function textMessage(data: Uint8Array): Uint8Array {
  return concatBytes(utf8(`\x19Ethereum Signed Message:\n${data.length}`), data);
}

/** keccak256 of the EIP-191 personal message (accounts.TextHash). */
export function textHash(data: Uint8Array): Uint8Array {
  return keccak256(textMessage(data));
}

/** The returned signature: V + 27 except for clique (a copy; the input is not modified). */
export function adjustV(sig: Uint8Array, clique: boolean): Uint8Array {
  const out = sig.slice();
  if (!clique) out[64] += 27;
  return out;
}

/** account_ecRecover: the address that signed a text/plain message (V must be 27/28). */
export function ecRecover(data: Uint8Array, sig: Uint8Array): Address {
  if (sig.length !== 65) throw new SignerError('signature must be 65 bytes long');
  if (sig[64] !== 27 && sig[64] !== 28) throw new SignerError('invalid Ethereum signature (V is not 27 or 28)');
  const rsv = sig.slice();
  rsv[64] -= 27;
  try {
    return recoverAddress(textHash(data), rsv);
  } catch (e) {
    fail(e);
  }
}

function personal(contentType: string, data: Json): PreparedSignData {
  let bytes: Uint8Array;
  try {
    bytes = hexData(data);
  } catch (e) {
    fail(e);
  }
  const rawData = textMessage(bytes);
  // The value is the full prefixed message; its type is text/plain whatever media type was requested.
  const messages: NameValueType[] = [{ name: 'message', value: fromUtf8(rawData), type: MimeType.textPlain }];
  return { contentType, rawData, hash: keccak256(rawData), messages, clique: false };
}

/** Go's common.BytesToAddress: keeps the last 20 bytes, left-pads shorter input. */
function bytesToAddress(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(20);
  const src = b.length > 20 ? b.subarray(b.length - 20) : b;
  out.set(src, 20 - src.length);
  return out;
}

function member(obj: Record<string, Json>, key: string): Json | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function validator(contentType: string, data: Json): PreparedSignData {
  if (!isJsonObject(data)) throw new SignerError('validator input is not a map[string]interface{}');
  let addrBytes: Uint8Array;
  try {
    addrBytes = hexData(member(data, 'address'));
  } catch (e) {
    fail(e, 'validator address error: ');
  }
  if (addrBytes.length === 0) throw new SignerError('validator address is undefined');
  let message: Uint8Array;
  try {
    message = hexData(member(data, 'message'));
  } catch (e) {
    fail(e, 'message error: ');
  }
  if (message.length === 0) throw new SignerError('message is undefined');
  // Quirk kept from clef: the validator address length is not checked.
  const address = bytesToAddress(addrBytes);
  const rawData = concatBytes(Uint8Array.of(0x19, 0x00), address, message);
  const messages: NameValueType[] = [
    { name: 'This is a request to sign data intended for a particular validator (see EIP 191 version 0)', value: '', type: 'description' },
    { name: 'Intended validator address', value: toChecksumAddress(address), type: 'address' },
    { name: 'Application-specific data', value: toHex(message), type: 'hexdata' },
    { name: 'Full message for signing', value: toHex(rawData), type: 'hexdata' },
  ];
  return { contentType, rawData, hash: keccak256(rawData), messages, clique: false };
}

function clique(contentType: string, data: Json): PreparedSignData {
  let bytes: Uint8Array;
  try {
    bytes = hexData(data);
  } catch (e) {
    fail(e);
  }
  const header = decodeCliqueHeader(bytes);
  const { rawData, sealHash, message } = cliqueSealPayload(header);
  const messages: NameValueType[] = [{ name: 'Clique header', value: message, type: 'clique' }];
  return { contentType, rawData, hash: sealHash, messages, clique: true, cliqueNumber: header.number };
}

function typed(data: Json, handler: TypedDataHandler): PreparedSignData {
  let text: Uint8Array;
  try {
    text = hexData(data);
  } catch (e) {
    fail(e);
  }
  const syntax = goJsonSyntaxError(text);
  if (syntax) throw new SignerError(syntax);
  const value = JSON.parse(fromUtf8(text)) as Json;
  // json.Unmarshal into apitypes.TypedData: null leaves the zero value, other non-objects are type errors.
  if (value !== null && !isJsonObject(value)) {
    const kind = typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'bool' : 'array';
    throw new SignerError(`json: cannot unmarshal ${kind} into Go value of type apitypes.TypedData`);
  }
  let prepared: { rawData: Uint8Array; messages: NameValueType[] };
  try {
    prepared = handler.prepare(value ?? {});
  } catch (e) {
    if (e instanceof SignerError && e.code === ErrorCode.internal) throw e;
    fail(e);
  }
  return { contentType: MimeType.typed, rawData: prepared.rawData, hash: keccak256(prepared.rawData), messages: prepared.messages, clique: false };
}

/**
 * Validates and prepares an account_signData payload (external-api §7.1–7.5). Throws SignerError (-32000)
 * with clef's texts; nothing here talks to the UI.
 */
export function prepareSignData(contentType: string, data: Json, typedData: TypedDataHandler): PreparedSignData {
  let mediaType: string;
  try {
    mediaType = parseMediaType(contentType);
  } catch (e) {
    fail(e);
  }
  switch (mediaType) {
    case MimeType.validator:
      return validator(mediaType, data);
    case MimeType.clique:
      return clique(mediaType, data);
    case MimeType.typed:
      return typed(data, typedData);
    default:
      // Unknown types (also the README's text/validator, application/clique) are personal messages.
      return personal(mediaType, data);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Go encoding/json syntax check (json.Unmarshal validates the whole input first), with Go's error texts.

/** Scanner states (after Go's scanner step functions). */
const St = {
  BeginValue: 0,
  BeginValueOrEmpty: 1,
  BeginStringOrEmpty: 2,
  BeginString: 3,
  EndValue: 4,
  EndTop: 5,
  InString: 6,
  InStringEsc: 7,
  EscU1: 8,
  EscU2: 9,
  EscU3: 10,
  EscU4: 11,
  Neg: 12,
  One: 13,
  Zero: 14,
  Dot: 15,
  Dot0: 16,
  E: 17,
  ESign: 18,
  E0: 19,
  Lit: 20,
} as const;

/** What the innermost open container expects next. */
const Ps = { ObjectKey: 0, ObjectValue: 1, ArrayValue: 2 } as const;

const MAX_DEPTH = 10000;

/** Go's quoteChar: `'x'`, with strconv.Quote escapes for unprintable bytes. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const esc: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 0x5c: '\\\\' };
  if (esc[c]) return `'${esc[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** The syntax error Go's json.Unmarshal reports for `input`, or null when it is valid JSON. */
export function goJsonSyntaxError(input: Uint8Array): string | null {
  const stack: number[] = [];
  let st: number = St.BeginValue;
  let lit = ''; // remaining letters of true/false/null
  let litName = '';
  let error: string | null = null;

  const err = (c: number, context: string): void => {
    error = `invalid character ${quoteChar(c)} ${context}`;
  };
  const push = (c: number, ps: number, next: number): void => {
    stack.push(ps);
    if (stack.length <= MAX_DEPTH) st = next;
    else err(c, 'exceeded max depth');
  };
  const endValue = (c: number): void => {
    if (stack.length === 0) {
      st = St.EndTop;
      if (!isSpace(c)) err(c, 'after top-level value');
      return;
    }
    if (isSpace(c)) {
      st = St.EndValue;
      return;
    }
    const top = stack.length - 1;
    switch (stack[top]) {
      case Ps.ObjectKey:
        if (c === 0x3a) {
          stack[top] = Ps.ObjectValue;
          st = St.BeginValue;
        } else err(c, 'after object key');
        return;
      case Ps.ObjectValue:
        if (c === 0x2c) {
          stack[top] = Ps.ObjectKey;
          st = St.BeginString;
        } else if (c === 0x7d) {
          stack.pop();
          st = stack.length === 0 ? St.EndTop : St.EndValue;
        } else err(c, 'after object key:value pair');
        return;
      case Ps.ArrayValue:
        if (c === 0x2c) st = St.BeginValue;
        else if (c === 0x5d) {
          stack.pop();
          st = stack.length === 0 ? St.EndTop : St.EndValue;
        } else err(c, 'after array element');
        return;
    }
  };
  const beginValue = (c: number): void => {
    if (isSpace(c)) return;
    switch (c) {
      case 0x7b:
        return push(c, Ps.ObjectKey, St.BeginStringOrEmpty);
      case 0x5b:
        return push(c, Ps.ArrayValue, St.BeginValueOrEmpty);
      case 0x22:
        st = St.InString;
        return;
      case 0x2d:
        st = St.Neg;
        return;
      case 0x30:
        st = St.Zero;
        return;
      case 0x74:
      case 0x66:
      case 0x6e:
        litName = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
        lit = litName.slice(1);
        st = St.Lit;
        return;
    }
    if (c >= 0x31 && c <= 0x39) st = St.One;
    else err(c, 'looking for beginning of value');
  };
  const beginString = (c: number): void => {
    if (isSpace(c)) return;
    if (c === 0x22) st = St.InString;
    else err(c, 'looking for beginning of object key string');
  };
  const exponentDigit = (c: number): void => {
    if (isDigit(c)) st = St.E0;
    else err(c, 'in exponent of numeric literal');
  };
  const numberEnd = (c: number): void => {
    if (c === 0x2e) st = St.Dot;
    else if (c === 0x65 || c === 0x45) st = St.E;
    else endValue(c);
  };

  const step = (c: number): void => {
    switch (st) {
      case St.BeginValue:
        return beginValue(c);
      case St.BeginValueOrEmpty:
        if (isSpace(c)) return;
        if (c === 0x5d) return endValue(c);
        return beginValue(c);
      case St.BeginStringOrEmpty:
        if (isSpace(c)) return;
        if (c === 0x7d) {
          stack[stack.length - 1] = Ps.ObjectValue;
          return endValue(c);
        }
        return beginString(c);
      case St.BeginString:
        return beginString(c);
      case St.EndValue:
        return endValue(c);
      case St.EndTop:
        if (!isSpace(c)) err(c, 'after top-level value');
        return;
      case St.InString:
        if (c === 0x22) st = St.EndValue;
        else if (c === 0x5c) st = St.InStringEsc;
        else if (c < 0x20) err(c, 'in string literal');
        return;
      case St.InStringEsc:
        if ('bfnrt\\/"'.includes(String.fromCharCode(c))) st = St.InString;
        else if (c === 0x75) st = St.EscU1;
        else err(c, 'in string escape code');
        return;
      case St.EscU1:
      case St.EscU2:
      case St.EscU3:
      case St.EscU4:
        if (!isHex(c)) err(c, 'in \\u hexadecimal character escape');
        else st = st === St.EscU4 ? St.InString : st + 1; // EscU1..EscU4 are consecutive
        return;
      case St.Neg:
        if (c === 0x30) st = St.Zero;
        else if (c >= 0x31 && c <= 0x39) st = St.One;
        else err(c, 'in numeric literal');
        return;
      case St.One:
        if (isDigit(c)) return;
        return numberEnd(c);
      case St.Zero:
        return numberEnd(c);
      case St.Dot:
        if (isDigit(c)) st = St.Dot0;
        else err(c, 'after decimal point in numeric literal');
        return;
      case St.Dot0:
        if (isDigit(c)) return;
        if (c === 0x65 || c === 0x45) st = St.E;
        else endValue(c);
        return;
      case St.E:
        if (c === 0x2b || c === 0x2d) st = St.ESign;
        else exponentDigit(c);
        return;
      case St.ESign:
        return exponentDigit(c);
      case St.E0:
        if (isDigit(c)) return;
        return endValue(c);
      case St.Lit:
        if (c !== lit.charCodeAt(0)) {
          err(c, `in literal ${litName} (expecting ${quoteChar(lit.charCodeAt(0))})`);
          return;
        }
        lit = lit.slice(1);
        if (lit === '') st = St.EndValue;
        return;
    }
  };

  for (let i = 0; i < input.length && error === null; i++) {
    step(input[i]);
    if (st === St.EndValue && stack.length === 0 && error === null) st = St.EndTop;
  }
  if (error) return error;
  if (st === St.EndTop) return null;
  step(0x20); // Go's eof(): a trailing space completes a number, or reports why it cannot
  if (st === St.EndTop && error === null) return null;
  return error ?? 'unexpected end of JSON input';
}
