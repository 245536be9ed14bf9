// The device side of a Trezor (Trezor One-style firmware 1.12) for tests: 64-byte reports in, 64-byte reports out.
// It keeps the firmware's conversation rules (Initialize → Features; ButtonRequest/ButtonAck before signing;
// PinMatrixRequest with a scrambled matrix on a PIN-locked device; PassphraseRequest once per session, the
// passphrase changing the BIP-39 seed; calldata beyond the first 1024 bytes requested with EthereumTxRequest;
// Failure_ActionCancelled when the user rejects) and really signs with keys derived from the mnemonic
// (BIP-39 → BIP-32). Message schemas are written out here on their own (from trezor-firmware's .proto files),
// not taken from the driver, so a wrong field number on one side shows up as a failing test.
import { RLP } from '@ethereumjs/rlp';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { ProtoReader, ProtoWriter } from '../../../adapters/usb/trezor/protobuf.ts';
import { MessageAssembler, frameMessage, type PacketPipe, type WireMessage } from '../../../adapters/usb/trezor/wire.ts';

/** Message type numbers (messages.proto), spelled out independently of the driver. */
const T = {
  Initialize: 0,
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
  EthereumSignTxEIP1559: 452,
  EthereumTypedDataSignature: 469,
  EthereumSignTypedHash: 470,
} as const;

const NAMES = new Map<number, string>(Object.entries(T).map(([k, v]) => [v, k]));

/** Failure codes (messages-common.proto). */
const F = { UnexpectedMessage: 1, DataError: 3, ActionCancelled: 4, PinCancelled: 6, PinInvalid: 7, NotInitialized: 11, FirmwareError: 99 } as const;
/** ButtonRequest codes used. */
const B = { Other: 1, ConfirmOutput: 3, SignTx: 8, Address: 10, PinEntry: 20 } as const;
/** The largest chain id whose full V (2*id+35+parity) fits the uint32 signature_v (sign_tx.py). */
const MAX_CHAIN_ID = Math.floor((0xffffffff - 36) / 2);

export interface TrezorEmulatorOptions {
  /** BIP-39 mnemonic of the device's seed. */
  mnemonic: string;
  /** Digits 1–9: the device is PIN-locked until PinMatrixAck carries this PIN (as matrix positions). */
  pin?: string;
  /**
   * Set = passphrase protection on. The seed then uses whatever the host sends in PassphraseAck; this value is
   * what the user "types on the device" when the host answers with on_device.
   */
  passphrase?: string;
  /** The user rejects the next confirmation (see also rejectNext()). */
  rejectNext?: boolean;
  /** Old firmware behaviour: legacy signature_v carries only the low byte of chainId*2+35+parity. */
  lowByteV?: boolean;
  /**
   * The PIN matrix shows the digits in keypad order (position p = digit p), so the PIN is typed as itself: for
   * tests where the device runs in another process and its screen cannot be read. Default: scrambled anew each time.
   */
  fixedPinMatrix?: boolean;
  /**
   * 'one' (default): Trezor One 1.12.1, PIN through PinMatrixRequest. 'T': a Model T-like core firmware 2.8.1: the
   * PIN is typed on the device's touch screen (ButtonRequest_PinEntry, no PinMatrixRequest) and there is no
   * EthereumSignTypedHash handler (Failure_UnexpectedMessage), as in trezor-firmware's workflow_handlers.py.
   */
  model?: 'one' | 'T';
}

interface Out {
  type: number;
  payload: Uint8Array;
}

/** The host started a new request in the middle of a flow: the running flow ends and this one runs. */
class Restart {
  constructor(readonly msg: WireMessage) {}
}

/** The device answers with Failure { code, message }. */
class DeviceFailure {
  constructor(
    readonly code: number,
    readonly message: string,
  ) {}
}

type Flow<R> = Generator<Out, R, WireMessage>;

/** A Trezor One-like device on the far side of 64-byte reports. */
export class TrezorEmulator {
  /** Names of the messages received, in order (EthereumTxAck count shows calldata streaming). */
  readonly received: string[] = [];
  /** Digit shown at matrix position p is `pinMatrix[p - 1]` while a PinMatrixRequest is open, else null. */
  pinMatrix: number[] | null = null;
  /** Sizes of the data chunks requested with EthereumTxRequest in the last signing. */
  chunkRequests: number[] = [];

  private readonly opts: TrezorEmulatorOptions;
  private readonly asm = new MessageAssembler();
  private readonly flow: Generator<Out | null, never, WireMessage>;
  private unlocked: boolean;
  private sessionPassphrase: string | null = null;
  private sessionId = new Uint8Array(32);
  private rejectPending: boolean;
  private readonly seeds = new Map<string, HDKey>();

  constructor(opts: TrezorEmulatorOptions) {
    if (!validateMnemonic(opts.mnemonic, wordlist)) throw new Error('TrezorEmulator: invalid BIP-39 mnemonic');
    if (opts.pin !== undefined && !/^[1-9]{1,9}$/.test(opts.pin)) throw new Error('TrezorEmulator: a PIN is 1–9 digits 1–9');
    this.opts = opts;
    this.unlocked = opts.pin === undefined;
    this.rejectPending = opts.rejectNext ?? false;
    this.flow = this.main();
    this.flow.next(undefined as unknown as WireMessage); // run up to the first `yield`
  }

  /** The user will press "reject" at the next confirmation. */
  rejectNext(): void {
    this.rejectPending = true;
  }

  /** Locks the device again (the PIN is asked on the next request). */
  lock(): void {
    this.unlocked = this.opts.pin === undefined;
  }

  /** What the user types on the host for `pin`, looking at the matrix the device shows now. */
  encodePin(pin: string): string {
    const m = this.pinMatrix;
    if (!m) throw new Error('TrezorEmulator: no PIN matrix is shown');
    return [...pin].map((d) => String(m.indexOf(Number(d)) + 1)).join('');
  }

  /** One OUT report in; the IN reports the device sends back (none until a whole message has arrived). */
  handle(packet: Uint8Array): Uint8Array[] {
    let msg: WireMessage | null;
    try {
      msg = this.asm.push(packet);
    } catch {
      this.asm.reset(); // the firmware drops reports that do not start a message properly
      return [];
    }
    if (!msg) return [];
    this.received.push(NAMES.get(msg.type) ?? `MessageType_${msg.type}`);
    const out = this.flow.next(msg).value;
    return out ? frameMessage(out.type, out.payload) : [];
  }

  // -------------------------------------------------------------------------------------------------------
  // The conversation
  // -------------------------------------------------------------------------------------------------------

  private *main(): Generator<Out | null, never, WireMessage> {
    let msg: WireMessage = yield null;
    for (;;) {
      let reply: Out;
      try {
        reply = yield* this.dispatch(msg);
      } catch (e) {
        if (e instanceof Restart) {
          msg = e.msg;
          continue;
        }
        const f = e instanceof DeviceFailure ? e : new DeviceFailure(F.FirmwareError, e instanceof Error ? e.message : String(e));
        reply = failure(f.code, f.message);
      }
      msg = yield reply;
    }
  }

  private *dispatch(msg: WireMessage): Flow<Out> {
    switch (msg.type) {
      case T.Initialize: {
        const sid = new ProtoReader(msg.payload).bytes(1);
        // A new session unless the host resumes the current one; the PIN stays unlocked (session_clear(false)).
        if (!sid || !equal(sid, this.sessionId)) {
          this.sessionPassphrase = null;
          this.sessionId = crypto.getRandomValues(new Uint8Array(32));
        }
        return this.features();
      }
      case T.GetFeatures:
        return this.features();
      case T.Cancel:
        throw new DeviceFailure(F.ActionCancelled, 'Cancelled');
      case T.EthereumGetAddress:
        return yield* this.getAddress(new ProtoReader(msg.payload));
      case T.EthereumSignTx:
        return yield* this.signTx(new ProtoReader(msg.payload), false);
      case T.EthereumSignTxEIP1559:
        return yield* this.signTx(new ProtoReader(msg.payload), true);
      case T.EthereumSignMessage:
        return yield* this.signMessage(new ProtoReader(msg.payload));
      case T.EthereumSignTypedHash:
        if (this.opts.model === 'T') throw new DeviceFailure(F.UnexpectedMessage, 'Unexpected message');
        return yield* this.signTypedHash(new ProtoReader(msg.payload));
      default:
        throw new DeviceFailure(F.UnexpectedMessage, 'Unexpected message');
    }
  }

  private features(): Out {
    const modelT = this.opts.model === 'T';
    const w = new ProtoWriter()
      .string(1, 'trezor.io')
      .uint(2, modelT ? 2 : 1)
      .uint(3, modelT ? 8 : 12)
      .uint(4, 1)
      .bool(5, false)
      .string(6, 'EMULATOR0000000000000001')
      .bool(7, this.opts.pin !== undefined)
      .bool(8, this.opts.passphrase !== undefined)
      .string(9, 'en-US')
      .string(10, 'clef-ts test device')
      .bool(12, true)
      .bool(16, this.unlocked)
      .string(21, modelT ? 'T' : '1')
      .uint(30, 1)
      .uint(30, 7)
      .bytes(35, this.sessionId);
    return { type: T.Features, payload: w.finish() };
  }

  /** Sends `out` and returns the host's answer, which must be of type `want`. */
  private *call(out: Out, want: number, cancelCode: number = F.ActionCancelled): Flow<WireMessage> {
    const resp: WireMessage = yield out;
    if (resp.type === want) return resp;
    if (resp.type === T.Cancel) throw new DeviceFailure(cancelCode, cancelCode === F.PinCancelled ? 'PIN Cancelled' : 'Cancelled');
    if (resp.type === T.Initialize || resp.type === T.GetFeatures) throw new Restart(resp);
    throw new DeviceFailure(F.UnexpectedMessage, 'Unexpected message');
  }

  /** A screen the user confirms with the button (or rejects). */
  private *confirm(code: number): Flow<void> {
    yield* this.call({ type: T.ButtonRequest, payload: new ProtoWriter().uint(1, code).finish() }, T.ButtonAck);
    if (this.rejectPending) {
      this.rejectPending = false;
      throw new DeviceFailure(F.ActionCancelled, 'Action cancelled by user');
    }
  }

  /** PIN check on a locked device: positions on a freshly scrambled matrix. */
  private *unlock(): Flow<void> {
    if (this.unlocked) return;
    if (this.opts.model === 'T') {
      // Typed on the touch screen: the host only acknowledges; the emulated user types the right PIN.
      yield* this.call({ type: T.ButtonRequest, payload: new ProtoWriter().uint(1, B.PinEntry).finish() }, T.ButtonAck, F.PinCancelled);
      this.unlocked = true;
      return;
    }
    const digits = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const rnd = crypto.getRandomValues(new Uint32Array(9));
    // Positions are numbered like a keypad (7 8 9 / 4 5 6 / 1 2 3); position p shows digits[p - 1].
    for (let i = 8; i > 0 && !this.opts.fixedPinMatrix; i--) {
      const j = rnd[i] % (i + 1);
      [digits[i], digits[j]] = [digits[j], digits[i]];
    }
    this.pinMatrix = digits;
    let ack: WireMessage;
    try {
      ack = yield* this.call({ type: T.PinMatrixRequest, payload: new ProtoWriter().uint(1, 1).finish() }, T.PinMatrixAck, F.PinCancelled);
    } catch (e) {
      this.pinMatrix = null;
      throw e;
    }
    const positions = new ProtoReader(ack.payload).string(1) ?? '';
    const matrix = this.pinMatrix;
    this.pinMatrix = null;
    if (!/^[1-9]{1,50}$/.test(positions)) throw new DeviceFailure(F.PinInvalid, 'Invalid PIN');
    const entered = [...positions].map((p) => String(matrix[Number(p) - 1])).join('');
    if (entered !== this.opts.pin) throw new DeviceFailure(F.PinInvalid, 'Invalid PIN');
    this.unlocked = true;
  }

  /** The master key of this session: asks the passphrase once per session when protection is on. */
  private *master(): Flow<HDKey> {
    yield* this.unlock();
    let passphrase = '';
    if (this.opts.passphrase !== undefined) {
      if (this.sessionPassphrase === null) {
        const ack = new ProtoReader((yield* this.call({ type: T.PassphraseRequest, payload: new Uint8Array(0) }, T.PassphraseAck)).payload);
        const onDevice = ack.bool(3) ?? false;
        const given = ack.string(1);
        if (onDevice && given !== undefined) throw new DeviceFailure(F.DataError, 'Passphrase provided when it should not be');
        this.sessionPassphrase = onDevice ? this.opts.passphrase : (given ?? '');
      }
      passphrase = this.sessionPassphrase;
    }
    let root = this.seeds.get(passphrase);
    if (!root) {
      root = HDKey.fromMasterSeed(mnemonicToSeedSync(this.opts.mnemonic, passphrase));
      this.seeds.set(passphrase, root);
    }
    return root;
  }

  private *key(addressN: number[]): Flow<Uint8Array> {
    let node = yield* this.master();
    for (const i of addressN) node = node.deriveChild(i);
    if (!node.privateKey) throw new DeviceFailure(F.FirmwareError, 'no private key');
    return node.privateKey;
  }

  private *getAddress(r: ProtoReader): Flow<Out> {
    const priv = yield* this.key(r.repeatedUint32(1));
    const address = checksumAddress(addressOf(priv));
    if (r.bool(2)) yield* this.confirm(B.Address);
    return { type: T.EthereumAddress, payload: new ProtoWriter().string(2, address).finish() };
  }

  private *signTx(r: ProtoReader, eip1559: boolean): Flow<Out> {
    // Field numbers: messages-ethereum.proto EthereumSignTx / EthereumSignTxEIP1559.
    const f = eip1559
      ? { nonce: 2, fee: 3, prio: 4, gas: 5, to: 6, value: 7, chunk: 8, len: 9, chain: 10 }
      : { nonce: 2, fee: 3, prio: 0, gas: 4, to: 11, value: 6, chunk: 7, len: 8, chain: 9 };
    const chainId = r.uint64(f.chain) ?? 0n;
    const to = r.string(f.to) ?? '';
    const dataLength = r.uint32(f.len) ?? 0;
    const initial = r.bytes(f.chunk) ?? new Uint8Array(0);
    if (chainId === 0n) throw new DeviceFailure(F.DataError, 'Chain ID out of bounds');
    if (eip1559 && (!r.has(f.nonce) || !r.has(f.value) || !r.has(f.len) || !r.has(f.prio))) throw new DeviceFailure(F.DataError, 'Missing required field');
    if (!r.has(f.fee) || !r.has(f.gas)) throw new DeviceFailure(F.DataError, 'Missing required field');
    if (dataLength > 0 && initial.length === 0) throw new DeviceFailure(F.DataError, 'Data length provided, but no initial chunk');
    if (initial.length > 1024 || initial.length > dataLength) throw new DeviceFailure(F.DataError, 'Invalid size of initial chunk');
    if (![0, 40, 42].includes(to.length)) throw new DeviceFailure(F.DataError, 'Invalid recipient address');
    if (to === '' && dataLength === 0) throw new DeviceFailure(F.DataError, 'Contract creation without data');
    const priv = yield* this.key(r.repeatedUint32(1));

    // Trezor One (ethereum.c) confirms recipient, amount and fee first, then streams the rest of the calldata;
    // core firmware (sign_tx.py) first loads up to 6144 bytes, confirms, and loads the rest while confirming.
    const modelT = this.opts.model === 'T';
    if (!modelT) {
      yield* this.confirm(B.ConfirmOutput);
      yield* this.confirm(B.SignTx);
    }
    this.chunkRequests = [];
    const data = new Uint8Array(dataLength);
    data.set(initial);
    let got = initial.length;
    let confirmed = !modelT;
    while (got < dataLength) {
      if (!confirmed && got >= Math.min(dataLength, 6144)) {
        yield* this.confirm(B.SignTx);
        confirmed = true;
      }
      const want = Math.min(dataLength - got, 1024);
      this.chunkRequests.push(want);
      const ack = yield* this.call({ type: T.EthereumTxRequest, payload: new ProtoWriter().uint(1, want).finish() }, T.EthereumTxAck);
      const chunk = new ProtoReader(ack.payload).bytes(1) ?? new Uint8Array(0);
      if (chunk.length > want) throw new DeviceFailure(F.DataError, 'Too much data');
      if (chunk.length === 0) throw new DeviceFailure(F.DataError, 'Empty data chunk received');
      data.set(chunk, got);
      got += chunk.length;
    }
    if (!confirmed) yield* this.confirm(B.SignTx);

    const toBytes = to === '' ? new Uint8Array(0) : hexBytes(to.replace(/^0x/i, ''));
    const b = (n: number) => r.bytes(n) ?? new Uint8Array(0);
    let digest: Uint8Array;
    if (eip1559) {
      const accessList = r.repeatedBytes(11).map((entry) => {
        const e = new ProtoReader(entry);
        return [hexBytes((e.string(1) ?? '').replace(/^0x/i, '')), e.repeatedBytes(2)];
      });
      const body = RLP.encode([chainId, b(f.nonce), b(f.prio), b(f.fee), b(f.gas), toBytes, b(f.value), data, accessList]);
      digest = keccak_256(concat(Uint8Array.of(2), body));
    } else {
      digest = keccak_256(RLP.encode([b(f.nonce), b(f.fee), b(f.gas), toBytes, b(f.value), data, chainId, 0, 0]));
    }
    const [recid, rr, ss] = sign(priv, digest);
    let v: number;
    if (eip1559) v = recid;
    else if (this.opts.lowByteV) v = Number((BigInt(recid) + 2n * chainId + 35n) & 0xffn);
    else if (chainId > BigInt(MAX_CHAIN_ID)) v = recid;
    else v = recid + 2 * Number(chainId) + 35;
    return { type: T.EthereumTxRequest, payload: new ProtoWriter().uint(2, v).bytes(3, rr).bytes(4, ss).finish() };
  }

  private *signMessage(r: ProtoReader): Flow<Out> {
    const message = r.bytes(2);
    if (message === undefined) throw new DeviceFailure(F.DataError, 'Missing required field');
    const priv = yield* this.key(r.repeatedUint32(1));
    yield* this.confirm(B.Other);
    const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${message.length}`);
    const [recid, rr, ss] = sign(priv, keccak_256(concat(prefix, message)));
    const signature = concat(rr, ss, Uint8Array.of(27 + recid));
    const w = new ProtoWriter().bytes(2, signature).string(3, checksumAddress(addressOf(priv)));
    return { type: T.EthereumMessageSignature, payload: w.finish() };
  }

  private *signTypedHash(r: ProtoReader): Flow<Out> {
    const domain = r.bytes(2);
    const message = r.bytes(3);
    if (domain === undefined || domain.length !== 32) throw new DeviceFailure(F.DataError, 'Invalid domain separator hash');
    if (message !== undefined && message.length !== 32) throw new DeviceFailure(F.DataError, 'Invalid message hash');
    const priv = yield* this.key(r.repeatedUint32(1));
    yield* this.confirm(B.Other);
    const [recid, rr, ss] = sign(priv, keccak_256(concat(Uint8Array.of(0x19, 0x01), domain, message ?? new Uint8Array(0))));
    const w = new ProtoWriter().bytes(1, concat(rr, ss, Uint8Array.of(27 + recid))).string(2, checksumAddress(addressOf(priv)));
    return { type: T.EthereumTypedDataSignature, payload: w.finish() };
  }
}

function failure(code: number, message: string): Out {
  return { type: T.Failure, payload: new ProtoWriter().uint(1, code).string(2, message).finish() };
}

function sign(priv: Uint8Array, digest: Uint8Array): [number, Uint8Array, Uint8Array] {
  const sig = secp256k1.sign(digest, priv, { prehash: false, lowS: true, format: 'recovered' }); // recid ‖ r ‖ s
  return [sig[0], sig.slice(1, 33), sig.slice(33, 65)];
}

function addressOf(priv: Uint8Array): Uint8Array {
  return keccak_256(secp256k1.getPublicKey(priv, false).subarray(1)).subarray(12);
}

function checksumAddress(addr: Uint8Array): string {
  const hex = Array.from(addr, (b) => b.toString(16).padStart(2, '0')).join('');
  const hash = keccak_256(new TextEncoder().encode(hex));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0x08 ? hex[i].toUpperCase() : hex[i];
  return out;
}

function hexBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new DeviceFailure(F.DataError, 'Invalid hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * An in-memory PacketPipe to a device's `handle`: writes are answered at once, `read` rejects when no report is
 * waiting (the USB read timeout) or after `unplug()`; `unplugAfterWrites(n)` pulls the cable after n reports.
 */
export class InMemoryPipe implements PacketPipe {
  private readonly inbox: Uint8Array[] = [];
  private unplugged = false;
  private writesLeft = Infinity;
  /** Reports written by the host, for framing checks. */
  readonly written: Uint8Array[] = [];

  constructor(private readonly device: { handle(packet: Uint8Array): Uint8Array[] }) {}

  unplug(): void {
    this.unplugged = true;
  }

  unplugAfterWrites(n: number): void {
    this.writesLeft = n;
  }

  async write(packet: Uint8Array): Promise<void> {
    if (this.unplugged) throw new Error('LIBUSB_ERROR_NO_DEVICE');
    if (packet.length !== 64) throw new Error(`InMemoryPipe: a report is 64 bytes, got ${packet.length}`);
    this.written.push(packet.slice());
    if (--this.writesLeft < 0) {
      this.unplugged = true;
      throw new Error('LIBUSB_ERROR_NO_DEVICE');
    }
    this.inbox.push(...this.device.handle(packet));
  }

  async read(): Promise<Uint8Array> {
    if (this.unplugged) throw new Error('LIBUSB_ERROR_NO_DEVICE');
    const p = this.inbox.shift();
    if (!p) throw new Error('LIBUSB_ERROR_TIMEOUT');
    return p;
  }
}
