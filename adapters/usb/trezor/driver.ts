// Talks to a Trezor over a PacketPipe: Initialize/Features, EthereumGetAddress, EthereumSignTx (EIP-155),
// EthereumSignTxEIP1559 (which clef never sent), EthereumSignMessage and EthereumSignTypedHash, answering the
// device's ButtonRequest, PinMatrixRequest and PassphraseRequest on the way (clef failed on a PIN-locked device
// with "expected reply types EthereumAddress, got PinMatrixRequest"). Every signature is checked by recovery
// against the device's own address before it is returned.
import { addressFromBytes, concatBytes, fromHex, isHexDigits, keccak256, toChecksumAddress, type Address } from '../../../core/bytes.ts';
import { SignerError, errorMessage } from '../../../core/errors.ts';
import { recoverAddress } from '../../../core/secp256k1.ts';
import { textHash } from '../../../core/signdata.ts';
import {
  DATA_CHUNK_SIZE,
  FailureType,
  decodeEthereumAddress,
  decodeEthereumMessageSignature,
  decodeEthereumTxRequest,
  decodeEthereumTypedDataSignature,
  decodeFailure,
  decodeFeatures,
  encodeEthereumGetAddress,
  encodeEthereumSignMessage,
  encodeEthereumSignTx,
  encodeEthereumSignTxEIP1559,
  encodeEthereumSignTypedHash,
  encodeEthereumTxAck,
  encodeInitialize,
  encodePassphraseAck,
  encodePinMatrixAck,
  failureName,
  type Features,
} from './messages.ts';
import { signingDigest, type TrezorTx, type TrezorTxSignature } from './tx.ts';
import { FramingError, MessageType, messageTypeName, readMessage, writeMessage, type PacketPipe, type WireMessage } from './wire.ts';
import { SerialQueue } from '../serial-queue.ts';

export type { Features } from './messages.ts';
export type { TrezorTx, TrezorLegacyTx, TrezorEip1559Tx, TrezorTxSignature } from './tx.ts';
export type { PacketPipe } from './wire.ts';

/**
 * What the device may ask the user through the host. `pin()` answers a PinMatrixRequest: the PIN typed as
 * positions on the scrambled 3×3 matrix the device shows, numbered like a keypad (7 8 9 / 4 5 6 / 1 2 3).
 * `passphrase()` answers a PassphraseRequest (the BIP-39 passphrase; '' = the standard wallet). Throwing, or an
 * empty PIN, cancels the request on the device.
 */
export interface TrezorUi {
  pin(): Promise<string>;
  passphrase(): Promise<string>;
}

/** A Trezor request failed; `failure` names the device's Failure code when it sent one. */
export class TrezorError extends SignerError {
  readonly failure?: string;
  constructor(message: string, failure?: string) {
    super(message);
    if (failure !== undefined) this.failure = failure;
  }

  /** The user said no on the device. */
  get rejected(): boolean {
    return this.failure === 'Failure_ActionCancelled';
  }
}

/** The user pressed "reject" on the device (Failure_ActionCancelled). */
export class TrezorRejectedError extends TrezorError {
  constructor() {
    super('request rejected on the device', 'Failure_ActionCancelled');
  }
}

/** The device went away or stopped answering in the middle of a request. */
export class TrezorDisconnectedError extends TrezorError {}

const EMPTY = new Uint8Array(0);
/** A PinMatrixAck carries positions 1–9; the firmware accepts at most 50 of them. */
const PIN_POSITIONS = /^[1-9]{1,50}$/;
/** The firmware's passphrase limit (MAX_PASSPHRASE_LEN). */
const MAX_PASSPHRASE_BYTES = 50;

/**
 * One Trezor on one PacketPipe. Requests are serialised (the device handles one exchange at a time). Paths are
 * BIP-32 component lists with hardened components ≥ 0x80000000, e.g. m/44'/60'/0'/0/0 =
 * [0x8000002c, 0x8000003c, 0x80000000, 0, 0].
 */
export class TrezorDriver {
  private readonly queue = new SerialQueue();
  private readonly addresses = new Map<string, Address>();
  /** Features of the last Initialize (null before init() or after the device was lost). */
  features: Features | null = null;

  constructor(
    private readonly pipe: PacketPipe,
    private readonly ui: TrezorUi,
  ) {}

  /** Initialize → Features. Starts a new session: the device forgets a cached passphrase, cached addresses go. */
  init(): Promise<Features> {
    return this.exclusive(async () => {
      this.addresses.clear();
      this.features = null;
      const reply = await this.call(MessageType.Initialize, encodeInitialize(), [MessageType.Features], 'Initialize');
      const f = decodeFeatures(reply.payload);
      if (f.bootloaderMode) throw new TrezorError('the Trezor is in bootloader mode; restart it to use its firmware');
      if (!f.initialized) throw new TrezorError('the Trezor has no seed yet; set it up with Trezor Suite first');
      this.features = f;
      return f;
    });
  }

  /** EthereumGetAddress → the lowercase `0x` address of `path` (asks PIN/passphrase first if the device wants them). */
  getAddress(path: number[]): Promise<Address> {
    return this.exclusive(() => this.address(path));
  }

  /**
   * Signs a legacy (EIP-155, chain id from `tx.chainId`) or EIP-1559 transaction; calldata longer than 1024 bytes
   * is streamed as the device asks for it. V comes back as it goes into the transaction (see TrezorTxSignature).
   */
  signTx(path: number[], tx: TrezorTx): Promise<TrezorTxSignature> {
    return this.exclusive(async () => {
      if (tx.type !== 0 && tx.type !== 2) throw new TrezorError(`Trezor devices cannot sign type ${String((tx as { type: unknown }).type)} transactions`);
      if (tx.chainId <= 0n) throw new TrezorError('Trezor firmware signs only with an EIP-155 chain id (got 0)');
      if (tx.to === null && tx.data.length === 0) throw new TrezorError('a contract creation without data cannot be signed on a Trezor');
      const expected = await this.address(path);
      const to = tx.to === null ? '' : toChecksumAddress(tx.to);
      const what = tx.type === 0 ? 'EthereumSignTx' : 'EthereumSignTxEIP1559';
      const request = encoded(() =>
        tx.type === 0
          ? encodeEthereumSignTx({ addressN: path, nonce: tx.nonce, gasPrice: tx.gasPrice, gasLimit: tx.gas, to, value: tx.value, data: tx.data, chainId: tx.chainId })
          : encodeEthereumSignTxEIP1559({
              addressN: path,
              nonce: tx.nonce,
              maxFeePerGas: tx.maxFeePerGas,
              maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
              gasLimit: tx.gas,
              to,
              value: tx.value,
              data: tx.data,
              chainId: tx.chainId,
              accessList: tx.accessList.map((t) => ({ address: toChecksumAddress(t.address), storageKeys: t.storageKeys })),
            }),
      );
      const type = tx.type === 0 ? MessageType.EthereumSignTx : MessageType.EthereumSignTxEIP1559;
      let reply = decodeEthereumTxRequest((await this.call(type, request, [MessageType.EthereumTxRequest], what)).payload);
      let sent = Math.min(DATA_CHUNK_SIZE, tx.data.length);
      while (reply.signatureR === undefined || reply.signatureS === undefined) {
        const want = reply.dataLength ?? 0;
        if (want === 0 || want > tx.data.length - sent) {
          await this.cancel();
          throw new TrezorError(`the Trezor asked for ${want} more bytes of calldata, ${tx.data.length - sent} are left`);
        }
        const chunk = tx.data.subarray(sent, sent + want);
        sent += want;
        reply = decodeEthereumTxRequest(
          (await this.call(MessageType.EthereumTxAck, encodeEthereumTxAck(chunk), [MessageType.EthereumTxRequest], 'EthereumTxAck')).payload,
        );
      }
      if (sent !== tx.data.length) throw new TrezorError(`the Trezor signed after ${sent} of ${tx.data.length} calldata bytes`);
      const r = word(reply.signatureR, 'R');
      const s = word(reply.signatureS, 'S');
      const yParity = recoverParity(signingDigest(tx), r, s, reply.signatureV === undefined ? undefined : txParityGuess(tx, reply.signatureV), expected);
      const v = tx.type === 0 ? tx.chainId * 2n + 35n + BigInt(yParity) : BigInt(yParity);
      return { v, r, s, yParity, signature: concatBytes(r, s, Uint8Array.of(yParity)) };
    });
  }

  /**
   * EthereumSignMessage: an EIP-191 personal message (the device adds "\x19Ethereum Signed Message:\n" ‖ length).
   * Returns R ‖ S ‖ V with V = recovery id 0/1, the core's convention (clef's API adds 27).
   */
  signMessage(path: number[], msg: Uint8Array): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const reply = await this.call(MessageType.EthereumSignMessage, encoded(() => encodeEthereumSignMessage(path, msg)), [MessageType.EthereumMessageSignature], 'EthereumSignMessage');
      const { signature, address } = decodeEthereumMessageSignature(reply.payload);
      return this.checkedSignature(path, textHash(msg), signature, address);
    });
  }

  /**
   * EthereumSignTypedHash: signs keccak256(0x19 0x01 ‖ domainSeparatorHash ‖ messageHash), or without the
   * message hash (null) for EIP-712 domain-only data. clef's digest always includes the struct hash, also for
   * primaryType EIP712Domain: pass core/eip712 `hashTypedData(td).structHash` to sign what clef signs. Trezor One
   * firmware has this message; core firmware (Model T, Safe) wants the whole typed data and answers
   * Failure_UnexpectedMessage, reported as "does not support EthereumSignTypedHash". Returns R ‖ S ‖ V, V = 0/1.
   */
  signTypedHash(path: number[], domainSeparatorHash: Uint8Array, messageHash: Uint8Array | null): Promise<Uint8Array> {
    return this.exclusive(async () => {
      if (domainSeparatorHash.length !== 32) throw new TrezorError('the EIP-712 domain separator hash must be 32 bytes');
      if (messageHash !== null && messageHash.length !== 32) throw new TrezorError('the EIP-712 message hash must be 32 bytes');
      const reply = await this.call(
        MessageType.EthereumSignTypedHash,
        encoded(() => encodeEthereumSignTypedHash(path, domainSeparatorHash, messageHash)),
        [MessageType.EthereumTypedDataSignature],
        'EthereumSignTypedHash',
      );
      const { signature, address } = decodeEthereumTypedDataSignature(reply.payload);
      const digest = keccak256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparatorHash, messageHash ?? EMPTY));
      return this.checkedSignature(path, digest, signature, address);
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private async address(path: number[]): Promise<Address> {
    const key = path.join('/');
    const cached = this.addresses.get(key);
    if (cached) return cached;
    const reply = await this.call(MessageType.EthereumGetAddress, encoded(() => encodeEthereumGetAddress(path)), [MessageType.EthereumAddress], 'EthereumGetAddress');
    const addr = parseDeviceAddress(decodeEthereumAddress(reply.payload));
    this.addresses.set(key, addr);
    return addr;
  }

  /** A message signature (V 27/28, or 0/1) checked against the address the device names and the path's address. */
  private async checkedSignature(path: number[], digest: Uint8Array, signature: Uint8Array, address: string): Promise<Uint8Array> {
    if (signature.length !== 65) throw new TrezorError(`the Trezor returned a ${signature.length}-byte signature, want 65`);
    const named = parseDeviceAddress({ address });
    const known = this.addresses.get(path.join('/'));
    if (known !== undefined && known !== named) throw new TrezorError(`the Trezor signed with ${named}, not with ${known} of this path`);
    const v = signature[64];
    const guess = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : undefined;
    const yParity = recoverParity(digest, signature.slice(0, 32), signature.slice(32, 64), guess, named);
    return concatBytes(signature.subarray(0, 64), Uint8Array.of(yParity));
  }

  /** Sends a request and answers the device's side questions until one of `expect` (or a Failure) comes back. */
  private async call(type: number, payload: Uint8Array, expect: number[], what: string): Promise<WireMessage> {
    await this.send(type, payload);
    for (;;) {
      const reply = await this.receive();
      if (expect.includes(reply.type)) return reply;
      switch (reply.type) {
        case MessageType.ButtonRequest:
          // The device shows something and waits for its button; the host only acknowledges.
          await this.send(MessageType.ButtonAck, EMPTY);
          break;
        case MessageType.PinMatrixRequest: {
          const pin = await this.ask(() => this.ui.pin(), 'PIN entry');
          if (!PIN_POSITIONS.test(pin)) {
            await this.cancel();
            throw new TrezorError('the PIN must be typed as positions 1–9 on the matrix the Trezor shows (7 8 9 / 4 5 6 / 1 2 3)');
          }
          await this.send(MessageType.PinMatrixAck, encodePinMatrixAck(pin));
          break;
        }
        case MessageType.PassphraseRequest: {
          // NFKD as BIP-39 (and trezorlib) normalise it; the firmware takes at most 50 bytes.
          const passphrase = (await this.ask(() => this.ui.passphrase(), 'passphrase entry', true)).normalize('NFKD');
          if (new TextEncoder().encode(passphrase).length > MAX_PASSPHRASE_BYTES) {
            await this.cancel();
            throw new TrezorError(`the Trezor passphrase is limited to ${MAX_PASSPHRASE_BYTES} bytes (UTF-8)`);
          }
          await this.send(MessageType.PassphraseAck, encodePassphraseAck(passphrase));
          break;
        }
        case MessageType.Failure:
          throw this.failure(reply.payload, what);
        default:
          await this.cancel(); // leave the device idle for the next request
          throw new TrezorError(
            `unexpected Trezor reply to ${what}: expected ${expect.map(messageTypeName).join(' or ')}, got ${messageTypeName(reply.type)}`,
          );
      }
    }
  }

  /** Asks the UI; a UI error (or an empty PIN) cancels the request on the device. */
  private async ask(question: () => Promise<string>, what: string, emptyOk = false): Promise<string> {
    let answer: string;
    try {
      answer = await question();
    } catch (e) {
      await this.cancel();
      throw new TrezorError(`${what} cancelled: ${errorMessage(e)}`);
    }
    if (typeof answer !== 'string' || (!emptyOk && answer === '')) {
      await this.cancel();
      throw new TrezorError(`${what} cancelled`);
    }
    return answer;
  }

  /** Cancel → the device drops the running request and answers with a Failure, which is read and dropped. */
  private async cancel(): Promise<void> {
    try {
      await this.send(MessageType.Cancel, EMPTY);
      await this.receive();
    } catch {
      // The request fails anyway; a device that went away meanwhile is noticed on the next request.
    }
  }

  private failure(payload: Uint8Array, what: string): TrezorError {
    let f: { code?: number; message: string };
    try {
      f = decodeFailure(payload);
    } catch {
      f = { message: '' };
    }
    const name = failureName(f.code);
    const detail = f.message ? ` (${name}: ${f.message})` : ` (${name})`;
    switch (f.code) {
      case FailureType.ActionCancelled:
        return new TrezorRejectedError();
      case FailureType.PinInvalid:
        return new TrezorError('wrong PIN: the Trezor rejected it' + detail, name);
      case FailureType.PinCancelled:
        return new TrezorError('PIN entry cancelled on the device' + detail, name);
      case FailureType.UnexpectedMessage: {
        const fw = this.features ? ` (firmware ${this.features.majorVersion}.${this.features.minorVersion}.${this.features.patchVersion})` : '';
        return new TrezorError(`this Trezor${fw} does not support ${what}` + detail, name);
      }
      default:
        return new TrezorError(`Trezor refused ${what}` + detail, name);
    }
  }

  private async send(type: number, payload: Uint8Array): Promise<void> {
    try {
      await writeMessage(this.pipe, type, payload);
    } catch (e) {
      throw this.lost(e);
    }
  }

  private async receive(): Promise<WireMessage> {
    try {
      return await readMessage(this.pipe);
    } catch (e) {
      if (e instanceof FramingError) throw new TrezorError(`malformed reply from the Trezor: ${e.message}`);
      throw this.lost(e);
    }
  }

  private lost(e: unknown): TrezorDisconnectedError {
    this.features = null;
    this.addresses.clear();
    return new TrezorDisconnectedError(`Trezor disconnected or not responding: ${errorMessage(e)}`);
  }
}

/** A request encoded, with out-of-range inputs (path components, quantities, chain id) as TrezorErrors. */
function encoded(encode: () => Uint8Array): Uint8Array {
  try {
    return encode();
  } catch (e) {
    if (e instanceof RangeError) throw new TrezorError(e.message);
    throw e;
  }
}

/** The address in an EthereumAddress/…Signature reply: a hex string, or 20 raw bytes from old firmware. */
function parseDeviceAddress(a: { address?: string; oldAddress?: Uint8Array }): Address {
  if (a.address !== undefined && a.address !== '') {
    const hex = a.address.replace(/^0[xX]/, '');
    if (hex.length !== 40 || !isHexDigits(hex)) throw new TrezorError(`the Trezor returned an invalid address ${JSON.stringify(a.address)}`);
    return addressFromBytes(fromHex('0x' + hex));
  }
  if (a.oldAddress !== undefined && a.oldAddress.length === 20) return addressFromBytes(a.oldAddress);
  throw new TrezorError('the Trezor returned no address');
}

function word(b: Uint8Array, what: string): Uint8Array {
  if (b.length === 0 || b.length > 32) throw new TrezorError(`the Trezor returned a ${b.length}-byte signature ${what}`);
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

/**
 * The y-parity the reported signature_v suggests. Legacy: current firmware returns chainId*2+35+parity while that
 * fits a uint32 and only the parity bit above chain id 2147483629; older firmware (and clef, which read it as a
 * byte) kept only the low byte of V, so a value below 256 is also read modulo 256. Undefined = no guess.
 */
function txParityGuess(tx: TrezorTx, v: number): number | undefined {
  if (tx.type === 2) return v <= 1 ? v : v === 27 || v === 28 ? v - 27 : undefined;
  const base = tx.chainId * 2n + 35n;
  const bv = BigInt(v);
  if (bv === base || bv === base + 1n) return Number(bv - base);
  if (v <= 1) return v;
  if (v < 256) {
    const low = (v - Number(base & 0xffn) + 256) & 0xff;
    if (low <= 1) return low;
  }
  return undefined;
}

/**
 * The y-parity under which R, S recover to `expected`. The guess from V is tried first and the other parity next,
 * because V can be ambiguous (truncated by older firmware for large chain ids); a signature that recovers to
 * neither was not made by this key for this payload and is refused.
 */
function recoverParity(digest: Uint8Array, r: Uint8Array, s: Uint8Array, guess: number | undefined, expected: Address): 0 | 1 {
  const order: (0 | 1)[] = guess === 1 ? [1, 0] : [0, 1];
  for (const p of order) {
    let addr: Address;
    try {
      addr = recoverAddress(digest, concatBytes(r, s, Uint8Array.of(p)));
    } catch {
      continue;
    }
    if (addr === expected) return p;
  }
  throw new TrezorError(`the Trezor's signature does not recover to its address ${expected}`);
}
