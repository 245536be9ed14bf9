// The Ledger Ethereum app's APDUs (LedgerHQ app-ethereum, doc/ethapp.adoc): get configuration (E0 06), get address
// (E0 02), sign transaction (E0 04), sign personal message (E0 08) and sign EIP-712 hashed (E0 0C). Every reply's
// status word is checked and named; the signature comes back as v ‖ r ‖ s, and v is not trusted (one byte, wrong
// for large chain ids): the wallet recovers the parity against the derived address.
import type { PacketPipe } from '../packet-pipe.ts';
import { exchange } from './hid.ts';

const CLA = 0xe0;
const INS = { address: 0x02, signTx: 0x04, config: 0x06, signPersonal: 0x08, signTypedHash: 0x0c } as const;
/** P1 of a data chunk: first, or one of the ones that follow. */
const P1_FIRST = 0x00;
const P1_MORE = 0x80;
/** Longest APDU data field. */
const MAX_CHUNK = 255;
/** clef's work-around (app-ethereum issue 409): never leave the EIP-155 tail (chain id, 0, 0) alone in a chunk. */
export const EIP155_TAIL = 3;

const STATUS: Record<number, string> = {
  0x6985: 'request rejected on the device',
  0x6982: 'security status not satisfied (is the device locked?)',
  0x5515: 'device locked',
  0x6a80: 'invalid data (blind signing disabled in the Ethereum app settings, or data the app cannot parse)',
  0x6a84: 'not enough memory on the device',
  0x6b00: 'incorrect parameters P1/P2',
  0x6d00: 'instruction not supported by this version of the Ethereum app',
  0x6e00: 'wrong application open (open the Ethereum app)',
  0x6e01: 'wrong application open (open the Ethereum app)',
  0x6511: 'no application open (open the Ethereum app)',
  0x6700: 'wrong APDU length',
  0x6501: 'transaction type not supported by this version of the Ethereum app',
  0x6502: 'output buffer too small',
  0x6503: 'plugin error',
  0x6f00: 'internal error of the device',
};

/** A status word other than 0x9000. */
export class LedgerStatusError extends Error {
  constructor(readonly statusWord: number) {
    super(`ledger: ${STATUS[statusWord] ?? 'unknown error'} (status word 0x${statusWord.toString(16).padStart(4, '0')})`);
    this.name = 'LedgerStatusError';
  }
  /** The user pressed "reject". */
  get rejected(): boolean {
    return this.statusWord === 0x6985;
  }
}

/** Builds one APDU: CLA INS P1 P2 Lc data. */
export function apdu(ins: number, p1: number, p2: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (data.length > MAX_CHUNK) throw new Error(`ledger: APDU data too long (${data.length} bytes)`);
  const out = new Uint8Array(5 + data.length);
  out.set([CLA, ins, p1, p2, data.length]);
  out.set(data, 5);
  return out;
}

/** Splits a reply into data and status word; throws LedgerStatusError unless 0x9000. */
export function checkReply(reply: Uint8Array): Uint8Array {
  if (reply.length < 2) throw new Error(`ledger: reply too short (${reply.length} bytes)`);
  const sw = (reply[reply.length - 2] << 8) | reply[reply.length - 1];
  if (sw !== 0x9000) throw new LedgerStatusError(sw);
  return reply.subarray(0, reply.length - 2);
}

/** A BIP-32 path as the app takes it: count (1 byte) then each index as 4 bytes big-endian. */
export function encodePath(path: readonly number[]): Uint8Array {
  if (path.length === 0 || path.length > 10) throw new Error(`ledger: derivation path must have 1 to 10 levels, has ${path.length}`);
  const out = new Uint8Array(1 + 4 * path.length);
  out[0] = path.length;
  const dv = new DataView(out.buffer);
  path.forEach((i, k) => { dv.setUint32(1 + 4 * k, i >>> 0); });
  return out;
}

/** The sign-transaction APDUs for `payload` = path ‖ unsigned tx, with clef's chunk-size work-around for legacy. */
export function txChunks(pathBytes: Uint8Array, encodedTx: Uint8Array, legacy: boolean): Uint8Array[] {
  const payload = new Uint8Array(pathBytes.length + encodedTx.length);
  payload.set(pathBytes);
  payload.set(encodedTx, pathBytes.length);
  let chunk = MAX_CHUNK;
  if (legacy) while (payload.length % chunk <= EIP155_TAIL && payload.length > chunk) chunk--;
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += chunk) {
    out.push(apdu(INS.signTx, at === 0 ? P1_FIRST : P1_MORE, 0, payload.subarray(at, at + chunk)));
  }
  return out;
}

/** Chunks of a message-like payload (personal message): first chunk carries path and 4-byte length. */
function messageChunks(ins: number, pathBytes: Uint8Array, message: Uint8Array): Uint8Array[] {
  const payload = new Uint8Array(pathBytes.length + 4 + message.length);
  payload.set(pathBytes);
  new DataView(payload.buffer).setUint32(pathBytes.length, message.length);
  payload.set(message, pathBytes.length + 4);
  const out: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += MAX_CHUNK) {
    out.push(apdu(ins, at === 0 ? P1_FIRST : P1_MORE, 0, payload.subarray(at, at + MAX_CHUNK)));
  }
  return out;
}

export interface AppConfig {
  flags: number;
  version: [number, number, number];
}

/** v ‖ r ‖ s as the app returns it (v untrusted). */
export interface RawSignature {
  v: number;
  r: Uint8Array;
  s: Uint8Array;
}

function parseSignature(data: Uint8Array): RawSignature {
  if (data.length < 65) throw new Error(`ledger: signature reply too short (${data.length} bytes)`);
  return { v: data[0], r: data.slice(1, 33), s: data.slice(33, 65) };
}

export function parseAddressReply(data: Uint8Array): { publicKey: Uint8Array; address: string } {
  const pkLen = data[0];
  if (data.length < 2 + pkLen) throw new Error('ledger: malformed address reply');
  const publicKey = data.slice(1, 1 + pkLen);
  const addrLen = data[1 + pkLen];
  const ascii = data.subarray(2 + pkLen, 2 + pkLen + addrLen);
  if (ascii.length !== addrLen || addrLen !== 40) throw new Error('ledger: malformed address reply');
  const address = '0x' + new TextDecoder().decode(ascii).toLowerCase();
  if (!/^0x[0-9a-f]{40}$/.test(address)) throw new Error('ledger: malformed address in reply');
  return { publicKey, address };
}

/** The Ethereum app on one device (one request at a time: the caller serialises). */
export class LedgerEthApp {
  constructor(private readonly pipe: PacketPipe) {}

  private async send(a: Uint8Array): Promise<Uint8Array> {
    return checkReply(await exchange(this.pipe, a));
  }

  async configuration(): Promise<AppConfig> {
    const d = await this.send(apdu(INS.config, 0, 0));
    if (d.length < 4) throw new Error('ledger: malformed configuration reply');
    return { flags: d[0], version: [d[1], d[2], d[3]] };
  }

  async address(path: readonly number[]): Promise<{ publicKey: Uint8Array; address: string }> {
    return parseAddressReply(await this.send(apdu(INS.address, 0, 0, encodePath(path))));
  }

  async signTransaction(path: readonly number[], encodedTx: Uint8Array, legacy: boolean): Promise<RawSignature> {
    let last: Uint8Array = new Uint8Array(0);
    for (const a of txChunks(encodePath(path), encodedTx, legacy)) last = await this.send(a);
    return parseSignature(last);
  }

  async signPersonal(path: readonly number[], message: Uint8Array): Promise<RawSignature> {
    let last: Uint8Array = new Uint8Array(0);
    for (const a of messageChunks(INS.signPersonal, encodePath(path), message)) last = await this.send(a);
    return parseSignature(last);
  }

  async signTypedHash(path: readonly number[], domainHash: Uint8Array, messageHash: Uint8Array): Promise<RawSignature> {
    const p = encodePath(path);
    const data = new Uint8Array(p.length + 64);
    data.set(p);
    data.set(domainHash, p.length);
    data.set(messageHash, p.length + 32);
    return parseSignature(await this.send(apdu(INS.signTypedHash, 0, 0, data)));
  }
}
