// A Ledger running the Ethereum app, as far as clef-ts talks to it: HID framing, E0 06/02/04/08/0C with the app's
// chunking, real BIP-32 keys from the test mnemonic and real signatures. The signature's v byte is produced the way
// the app does (truncated to one byte for legacy EIP-155), so the host has to recover the parity itself.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToBigInt, concatBytes, keccak256, utf8 } from '../../../core/bytes.ts';
import { LedgerDeframer, frameLedger } from '../../../adapters/usb/ledger/hid.ts';
import { HdKeys, TEST_MNEMONIC } from './hd-keys.ts';

export interface LedgerEmulatorOptions {
  mnemonic?: string;
  /** Ethereum app version (default 1.10.3). */
  version?: [number, number, number];
  /** Answer the next signing request with 0x6985 (user pressed reject). */
  rejectNext?: boolean;
  /** Every signing request is rejected. */
  rejectAll?: boolean;
  /** Signing requests are never answered (the user never presses a button), for unplug tests. */
  hangOnSign?: boolean;
  /** The Ethereum app is not open: everything answers 0x6e00 / 0x6511. */
  appClosed?: boolean;
}

const SW_OK = [0x90, 0x00];

/** Minimal RLP reading: header of the item at `at` → [offset of payload, payload length]. */
function rlpHeader(b: Uint8Array, at: number): [number, number] {
  const x = b[at];
  if (x < 0x80) return [at, 1];
  if (x < 0xb8) return [at + 1, x - 0x80];
  if (x < 0xc0) {
    const n = x - 0xb7;
    return [at + 1 + n, beNum(b.subarray(at + 1, at + 1 + n))];
  }
  if (x < 0xf8) return [at + 1, x - 0xc0];
  const n = x - 0xf7;
  return [at + 1 + n, beNum(b.subarray(at + 1, at + 1 + n))];
}

function beNum(b: Uint8Array): number {
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
}

/** Items of an RLP list (raw payloads, not recursed). */
function rlpItems(b: Uint8Array): Uint8Array[] {
  const [off, len] = rlpHeader(b, 0);
  const out: Uint8Array[] = [];
  let at = off;
  while (at < off + len) {
    const [o, l] = rlpHeader(b, at);
    out.push(b.subarray(o, o + l));
    at = o + l;
  }
  return out;
}

function parsePath(d: Uint8Array): [number[], number] {
  const n = d[0];
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const path: number[] = [];
  for (let i = 0; i < n; i++) path.push(dv.getUint32(1 + 4 * i));
  return [path, 1 + 4 * n];
}

interface Pending {
  ins: number;
  path: number[];
  data: Uint8Array;
  want: number;
}

export class LedgerEmulator {
  private readonly keys: HdKeys;
  private readonly deframer = new LedgerDeframer();
  private pending: Pending | null = null;
  /** Every APDU received (for tests of the host's chunking). */
  readonly apdus: Uint8Array[] = [];

  constructor(private readonly opts: LedgerEmulatorOptions = {}) {
    this.keys = new HdKeys(opts.mnemonic ?? TEST_MNEMONIC);
  }

  /** One OUT report in, the IN reports of the reply (if the reply is complete) out. */
  handle(packet: Uint8Array): Uint8Array[] {
    const apdu = this.deframer.push(packet);
    if (!apdu) return [];
    this.apdus.push(apdu.slice());
    const reply = this.apdu(apdu);
    return reply ? frameLedger(reply) : [];
  }

  private apdu(a: Uint8Array): Uint8Array | null {
    const [cla, ins, p1, , lc] = a;
    const data = a.subarray(5, 5 + lc);
    if (this.opts.appClosed) return Uint8Array.from([0x65, 0x11]);
    if (cla !== 0xe0) return Uint8Array.from([0x6e, 0x00]);
    switch (ins) {
      case 0x06: {
        const [maj, min, pat] = this.opts.version ?? [1, 10, 3];
        return Uint8Array.from([0x01, maj, min, pat, ...SW_OK]);
      }
      case 0x02: {
        const [path] = parsePath(data);
        const k = this.keys.key(path);
        const pub = secp256k1.getPublicKey(k.priv, false);
        const addr = utf8(k.address.slice(2));
        return Uint8Array.from([pub.length, ...pub, addr.length, ...addr, ...SW_OK]);
      }
      case 0x04:
      case 0x08: {
        if (p1 === 0x00) {
          const [path, off] = parsePath(data);
          const rest = data.subarray(off);
          let want: number;
          let body = rest;
          if (ins === 0x08) {
            want = new DataView(rest.buffer, rest.byteOffset).getUint32(0);
            body = rest.subarray(4);
          } else {
            const typed = rest[0] < 0x80;
            const [o, l] = rlpHeader(rest, typed ? 1 : 0);
            want = o + l;
          }
          this.pending = { ins, path, data: body.slice(), want };
        } else if (p1 === 0x80 && this.pending && this.pending.ins === ins) {
          this.pending.data = concatBytes(this.pending.data, data);
        } else {
          return Uint8Array.from([0x6b, 0x00]);
        }
        const p = this.pending!;
        if (p.data.length < p.want) return Uint8Array.from(SW_OK);
        this.pending = null;
        return this.sign(ins, p.path, p.data);
      }
      case 0x0c: {
        const [path, off] = parsePath(data);
        return this.sign(0x0c, path, data.subarray(off, off + 64));
      }
      default:
        return Uint8Array.from([0x6d, 0x00]);
    }
  }

  private sign(ins: number, path: number[], payload: Uint8Array): Uint8Array | null {
    if (this.opts.hangOnSign) return null;
    if (this.opts.rejectAll || this.opts.rejectNext) {
      this.opts.rejectNext = false;
      return Uint8Array.from([0x69, 0x85]);
    }
    let digest: Uint8Array;
    let vBase: number;
    if (ins === 0x04) {
      digest = keccak256(payload);
      if (payload[0] < 0x80) {
        if (payload[0] === 0x03) return Uint8Array.from([0x65, 0x01]);
        vBase = 0;
      } else {
        const items = rlpItems(payload);
        const chainId = items.length > 6 ? bytesToBigInt(items[6]) : 0n;
        vBase = chainId > 0n ? Number((chainId * 2n + 35n) & 0xffn) : 27;
      }
    } else if (ins === 0x08) {
      digest = keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${payload.length}`), payload));
      vBase = 27;
    } else {
      digest = keccak256(concatBytes(Uint8Array.of(0x19, 0x01), payload));
      vBase = 27;
    }
    const k = this.keys.key(path);
    const sig = secp256k1.sign(digest, k.priv, { prehash: false, lowS: true, format: 'recovered' });
    const v = (vBase + sig[0]) & 0xff;
    return Uint8Array.from([v, ...sig.subarray(1, 65), ...SW_OK]);
  }
}
