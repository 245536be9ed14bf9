// Trezor's wire framing over 64-byte USB reports (WebUSB interface of 1209:53c1, endpoints 0x81 in / 0x01 out):
// the first report of a message is `?##` ‖ type (u16 BE) ‖ length (u32 BE) ‖ payload…, every further report is
// `?` ‖ payload…, the last one zero-padded (trezor-firmware common/protob/protocol.md, "v1" protocol).

/**
 * The host side of one USB device: 64-byte reports out and in. `read` rejects when the device is unplugged or
 * does not answer in time. (The same structural interface as adapters/usb/packet-pipe.ts.)
 */
export interface PacketPipe {
  write(packet: Uint8Array): Promise<void>;
  read(): Promise<Uint8Array>;
}

/** Size of one USB report. */
const REPORT_SIZE = 64;
const MAGIC = 0x3f; // '?'
const HEADER_MAGIC = 0x23; // '#'
const FIRST_HEADER = 9; // ?## + type + length
/** Largest message either side accepts; Trezor's own buffers are far smaller. */
const MAX_MESSAGE_SIZE = 1 << 20;

/**
 * Message type numbers (trezor-firmware common/protob/messages.proto, enum MessageType) for the messages used
 * by the Ethereum flows.
 */
export const MessageType = {
  Initialize: 0,
  Success: 2,
  Failure: 3,
  Features: 17,
  PinMatrixRequest: 18,
  PinMatrixAck: 19,
  Cancel: 20,
  ButtonRequest: 26,
  ButtonAck: 27,
  PassphraseRequest: 41,
  PassphraseAck: 42,
  GetFeatures: 55,
  EthereumGetAddress: 56,
  EthereumAddress: 57,
  EthereumSignTx: 58,
  EthereumTxRequest: 59,
  EthereumTxAck: 60,
  EthereumSignMessage: 64,
  EthereumMessageSignature: 66,
  EthereumTypedDataSignature: 469,
  EthereumSignTypedHash: 470,
  EthereumSignTxEIP1559: 452,
} as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, n]) => [n, name]));

/** The name of a message type for error messages (`MessageType_<n>` when unknown here). */
export function messageTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `MessageType_${type}`;
}

/** A whole wire message. */
export interface WireMessage {
  type: number;
  payload: Uint8Array;
}

/** Malformed framing (a report without the `?` marker, a bad header, an oversized message). */
export class FramingError extends Error {
  constructor(message: string) {
    super(`Trezor framing: ${message}`);
    this.name = 'FramingError';
  }
}

/** Splits one message into 64-byte reports. */
export function frameMessage(type: number, payload: Uint8Array): Uint8Array[] {
  if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new FramingError(`bad message type ${type}`);
  if (payload.length > MAX_MESSAGE_SIZE) throw new FramingError(`message too large (${payload.length} bytes)`);
  const data = new Uint8Array(FIRST_HEADER + payload.length);
  data[0] = MAGIC;
  data[1] = HEADER_MAGIC;
  data[2] = HEADER_MAGIC;
  const view = new DataView(data.buffer);
  view.setUint16(3, type);
  view.setUint32(5, payload.length);
  data.set(payload, FIRST_HEADER);
  const packets: Uint8Array[] = [];
  // First report: the 9-byte header and 55 payload bytes; then `?` and 63 bytes each.
  const first = new Uint8Array(REPORT_SIZE);
  first.set(data.subarray(0, REPORT_SIZE));
  packets.push(first);
  for (let off = REPORT_SIZE; off < data.length; off += REPORT_SIZE - 1) {
    const p = new Uint8Array(REPORT_SIZE);
    p[0] = MAGIC;
    p.set(data.subarray(off, off + REPORT_SIZE - 1), 1);
    packets.push(p);
  }
  return packets;
}

/** Reassembles reports into messages: `push` returns the message its last report completes, else null. */
export class MessageAssembler {
  private type = -1;
  private buf: Uint8Array | null = null;
  private filled = 0;

  /** Whether a message is partly received. */
  get pending(): boolean {
    return this.buf !== null;
  }

  push(packet: Uint8Array): WireMessage | null {
    if (packet.length === 0 || packet[0] !== MAGIC) throw new FramingError('report does not start with "?"');
    let body: Uint8Array;
    if (this.buf === null) {
      if (packet.length < FIRST_HEADER || packet[1] !== HEADER_MAGIC || packet[2] !== HEADER_MAGIC) {
        throw new FramingError('first report does not start with "?##"');
      }
      const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
      this.type = view.getUint16(3);
      const len = view.getUint32(5);
      if (len > MAX_MESSAGE_SIZE) throw new FramingError(`declared message length ${len} is too large`);
      this.buf = new Uint8Array(len);
      this.filled = 0;
      body = packet.subarray(FIRST_HEADER);
    } else {
      body = packet.subarray(1);
    }
    const take = Math.min(body.length, this.buf.length - this.filled);
    this.buf.set(body.subarray(0, take), this.filled);
    this.filled += take;
    if (this.filled < this.buf.length) return null;
    const msg = { type: this.type, payload: this.buf };
    this.buf = null;
    this.type = -1;
    return msg;
  }

  /** Drops a partly received message. */
  reset(): void {
    this.buf = null;
    this.type = -1;
    this.filled = 0;
  }
}

/** Writes one message as reports. */
export async function writeMessage(pipe: PacketPipe, type: number, payload: Uint8Array): Promise<void> {
  for (const p of frameMessage(type, payload)) await pipe.write(p);
}

/** Reads reports until one whole message has arrived. */
export async function readMessage(pipe: PacketPipe): Promise<WireMessage> {
  const asm = new MessageAssembler();
  for (;;) {
    const msg = asm.push(await pipe.read());
    if (msg) return msg;
  }
}
