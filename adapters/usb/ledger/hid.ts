// Ledger's HID transport: an APDU (or its reply) is cut into 64-byte reports, each starting with the channel 0x0101,
// the tag 0x05 and a big-endian sequence index; the first report also carries the total length (2 bytes BE).
// Reports are zero padded. Facts from LedgerHQ's hw-transport (ledger-wallet/hid framing) documentation.
import { PACKET_SIZE, type PacketPipe } from '../packet-pipe.ts';

const LEDGER_CHANNEL = 0x0101;
const LEDGER_TAG_APDU = 0x05;

/** Splits one message into HID reports. */
export function frameLedger(message: Uint8Array, channel = LEDGER_CHANNEL, size = PACKET_SIZE): Uint8Array[] {
  if (message.length > 0xffff) throw new Error(`ledger: message too long (${message.length} bytes)`);
  const out: Uint8Array[] = [];
  let offset = 0;
  for (let seq = 0; seq === 0 || offset < message.length; seq++) {
    if (seq > 0xffff) throw new Error('ledger: sequence overflow');
    const p = new Uint8Array(size);
    p[0] = channel >> 8;
    p[1] = channel & 0xff;
    p[2] = LEDGER_TAG_APDU;
    p[3] = seq >> 8;
    p[4] = seq & 0xff;
    let at = 5;
    if (seq === 0) {
      p[5] = message.length >> 8;
      p[6] = message.length & 0xff;
      at = 7;
    }
    const n = Math.min(size - at, message.length - offset);
    p.set(message.subarray(offset, offset + n), at);
    offset += n;
    out.push(p);
  }
  return out;
}

/** Reassembles one message from HID reports; `push` returns the message once complete, else null. */
export class LedgerDeframer {
  private buf: Uint8Array | null = null;
  private filled = 0;
  private seq = 0;

  constructor(private readonly channel = LEDGER_CHANNEL) {}

  push(p: Uint8Array): Uint8Array | null {
    if (p.length < 7) throw new Error(`ledger: short report (${p.length} bytes)`);
    const channel = (p[0] << 8) | p[1];
    if (channel !== this.channel) throw new Error(`ledger: unexpected channel 0x${channel.toString(16).padStart(4, '0')}`);
    if (p[2] !== LEDGER_TAG_APDU) throw new Error(`ledger: unexpected tag 0x${p[2].toString(16).padStart(2, '0')}`);
    const seq = (p[3] << 8) | p[4];
    if (seq !== this.seq) throw new Error(`ledger: out of order report (sequence ${seq}, want ${this.seq})`);
    let at = 5;
    if (seq === 0) {
      this.buf = new Uint8Array((p[5] << 8) | p[6]);
      this.filled = 0;
      at = 7;
    }
    const buf = this.buf!;
    const n = Math.min(p.length - at, buf.length - this.filled);
    buf.set(p.subarray(at, at + n), this.filled);
    this.filled += n;
    this.seq++;
    if (this.filled < buf.length) return null;
    this.buf = null;
    this.seq = 0;
    return buf;
  }
}

/** Sends one APDU and returns the reply (data ‖ status word). */
export async function exchange(pipe: PacketPipe, apdu: Uint8Array): Promise<Uint8Array> {
  for (const p of frameLedger(apdu)) await pipe.write(p);
  const d = new LedgerDeframer();
  for (;;) {
    const msg = d.push(await pipe.read());
    if (msg) return msg;
  }
}
