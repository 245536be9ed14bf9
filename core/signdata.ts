// account_signData payloads (external-api §7): content-type dispatch, the bytes whose keccak256 is signed,
// the UI messages for each type; plus account_ecRecover (§5.4) and the V convention (§4).
import { concatBytes, fromUtf8, keccak256, toChecksumAddress, toHex, utf8, type Address } from './bytes.ts';
import { cliqueSealPayload, decodeCliqueHeader } from './clique.ts';
import { ErrorCode, SignerError, errorMessage } from './errors.ts';
import { decodeHexStrict, goTypeName, isJsonObject, type Json } from './gojson.ts';
import { goJsonSyntaxError } from './gojson-scan.ts';
import { parseMediaType } from './mime.ts';
import type { NameValueType } from './ports.ts';
import { recoverAddress } from './secp256k1.ts';

/** The content types clef recognises (anything else is a personal message). */
const MimeType = {
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
  const msg = errorMessage(err);
  throw new SignerError(prefix + msg);
}

/** clef's fromHex: the value must be a JSON string holding `0x` hex (hexutil.Decode); failures are -32000 with `prefix`. */
function hexData(data: Json | undefined, prefix = ''): Uint8Array {
  try {
    if (typeof data !== 'string') throw new Error(`wrong type ${goTypeName(data)}`);
    return decodeHexStrict(data);
  } catch (e) {
    fail(e, prefix);
  }
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
  const bytes = hexData(data);
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
  return  Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function validator(contentType: string, data: Json): PreparedSignData {
  if (!isJsonObject(data)) throw new SignerError('validator input is not a map[string]interface{}');
  const addrBytes = hexData(member(data, 'address'), 'validator address error: ');
  if (addrBytes.length === 0) throw new SignerError('validator address is undefined');
  const message = hexData(member(data, 'message'), 'message error: ');
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
  const bytes = hexData(data);
  const header = decodeCliqueHeader(bytes);
  const { rawData, sealHash, message } = cliqueSealPayload(header);
  const messages: NameValueType[] = [{ name: 'Clique header', value: message, type: 'clique' }];
  return { contentType, rawData, hash: sealHash, messages, clique: true, cliqueNumber: header.number };
}

function typed(data: Json, handler: TypedDataHandler): PreparedSignData {
  const text = hexData(data);
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
