// A Trezor as a Wallet, over the protocol driver of adapters/usb/trezor/ (written separately: Initialize/Features,
// EthereumGetAddress, EthereumSignTx/EIP1559, EthereumSignMessage, EthereumSignTypedHash, PIN and passphrase through
// the UI). This file knows the driver only by the agreed method names; it normalises the driver's answers (address
// as a string or {address}; signatures as R ‖ S ‖ V bytes or {v, r, s}) and checks every signature by recovery.
import { bytesToBigInt, bigIntToBytes, concatBytes, fromHex, keccak256, utf8, type Address } from '../../core/bytes.ts';
import { SignerError, errorMessage } from '../../core/errors.ts';
import { DEFAULT_BASE_PATH, formatDerivationPath } from '../../core/hdpath.ts';
import type { Account, UnsignedTxPayload, Wallet } from '../../core/ports.ts';
import { recoverAddress } from '../../core/secp256k1.ts';

/** The agreed surface of adapters/usb/trezor's TrezorDriver. */
export interface TrezorDriverLike {
  init(): Promise<unknown>;
  getAddress(path: number[]): Promise<unknown>;
  /** The driver's TrezorTx: legacy (type 0, gasPrice) or EIP-1559 (type 2, fees and access list). */
  signTx(path: number[], tx: TrezorTxLike): Promise<unknown>;
  signMessage(path: number[], msg: Uint8Array): Promise<unknown>;
  signTypedHash(path: number[], domainHash: Uint8Array, messageHash: Uint8Array | null): Promise<unknown>;
}

const SELF_DERIVE = 10;

/** The transaction shape adapters/usb/trezor's driver takes. */
export type TrezorTxLike =
  | { type: 0; chainId: bigint; nonce: bigint; gas: bigint; to: Address | null; value: bigint; data: Uint8Array; gasPrice: bigint }
  | {
      type: 2;
      chainId: bigint;
      nonce: bigint;
      gas: bigint;
      to: Address | null;
      value: bigint;
      data: Uint8Array;
      maxFeePerGas: bigint;
      maxPriorityFeePerGas: bigint;
      accessList: { address: Address; storageKeys: Uint8Array[] }[];
    };

function bytesOf(x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return x;
  if (typeof x === 'string') return fromHex(x.startsWith('0x') ? x : '0x' + x);
  if (typeof x === 'bigint') return bigIntToBytes(x, 32);
  throw new Error('trezor: unexpected signature component');
}

/** R ‖ S candidates from whatever shape the driver returns. */
function rsOf(sig: unknown): Uint8Array {
  if (sig instanceof Uint8Array && sig.length >= 64) return sig.subarray(0, 64);
  const o = sig as { r?: unknown; s?: unknown; signature?: unknown };
  if (o && o.signature !== undefined) return rsOf(bytesOf(o.signature));
  if (o && o.r !== undefined && o.s !== undefined) {
    const pad = (b: Uint8Array) => bigIntToBytes(bytesToBigInt(b), 32);
    return concatBytes(pad(bytesOf(o.r)), pad(bytesOf(o.s)));
  }
  throw new Error('trezor: unexpected signature shape');
}

function addressOf(x: unknown): Address {
  const s = typeof x === 'string' ? x : (x as { address?: unknown })?.address;
  if (typeof s !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(s)) throw new Error('trezor: malformed address from the device');
  return s.toLowerCase() as Address;
}

export class TrezorWallet implements Wallet {
  readonly scheme = 'trezor' as const;
  private readonly derived = new Map<Address, { account: Account; path: number[] }>();
  private queue: Promise<unknown> = Promise.resolve();
  private online = false;
  private failed = '';
  private closed = false;

  constructor(
    readonly url: string,
    private readonly driver: TrezorDriverLike,
  ) {}

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new SignerError('trezor: device disconnected');
      return f();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  status(): string {
    if (this.closed) return 'Closed';
    if (this.failed) return `Failed: ${this.failed}`;
    return this.online ? 'Trezor online' : 'Trezor offline';
  }
  failure(): string {
    return this.failed;
  }
  close(): void {
    this.closed = true;
  }

  async open(): Promise<void> {
    await this.exclusive(async () => {
      try {
        await this.driver.init();
        this.online = true;
        this.failed = '';
        for (let i = 0; i < SELF_DERIVE; i++) await this.deriveLocked([...DEFAULT_BASE_PATH, i]);
      } catch (e) {
        this.failed = errorMessage(e);
        throw e;
      }
    });
  }

  accounts(): Account[] {
    return [...this.derived.values()].map((d) => d.account);
  }

  private async deriveLocked(path: number[]): Promise<Account> {
    const address = addressOf(await this.driver.getAddress(path));
    const existing = this.derived.get(address);
    if (existing) return existing.account;
    const account = { address, url: `${this.url}/${formatDerivationPath(path)}` };
    this.derived.set(address, { account, path });
    return account;
  }

  derive(path: number[], pin: boolean): Promise<Account> {
    return this.exclusive(async () => {
      if (pin) return this.deriveLocked(path);
      return { address: addressOf(await this.driver.getAddress(path)), url: `${this.url}/${formatDerivationPath(path)}` };
    });
  }

  private async sign(account: Account, digest: Uint8Array, f: (path: number[]) => Promise<unknown>): Promise<Uint8Array> {
    const d = this.derived.get(account.address);
    if (!d) throw new SignerError('unknown account');
    return this.exclusive(async () => {
      let rs: Uint8Array;
      try {
        rs = rsOf(await f(d.path));
      } catch (e) {
        throw e instanceof SignerError ? e : new SignerError(errorMessage(e));
      }
      for (const parity of [0, 1]) {
        const c = concatBytes(rs, Uint8Array.of(parity));
        try {
          if (recoverAddress(digest, c) === account.address) return c;
        } catch {
          // other parity
        }
      }
      throw new SignerError('trezor: the device signed with a different key than the account (wrong passphrase?)');
    });
  }

  signTransaction(account: Account, tx: UnsignedTxPayload): Promise<Uint8Array> {
    if (tx.type === 3) return Promise.reject(new SignerError('Trezor devices cannot sign blob (type 3) transactions'));
    if (tx.type === 1) {
      return Promise.reject(new SignerError('Trezor devices cannot sign EIP-2930 (type 1) access-list transactions; add maxFeePerGas to send an EIP-1559 transaction with the same access list'));
    }
    const common = { chainId: tx.chainId, nonce: tx.nonce, gas: tx.gas, to: tx.to, value: tx.value, data: tx.data };
    const t: TrezorTxLike =
      tx.type === 0
        ? { type: 0, ...common, gasPrice: tx.gasPrice }
        : { type: 2, ...common, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas, accessList: tx.accessList };
    return this.sign(account, tx.digest, (path) => this.driver.signTx(path, t));
  }
  signPersonal(account: Account, message: Uint8Array): Promise<Uint8Array> {
    const digest = keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${message.length}`), message));
    return this.sign(account, digest, (path) => this.driver.signMessage(path, message));
  }
  signTypedData(account: Account, domainHash: Uint8Array, messageHash: Uint8Array | null): Promise<Uint8Array> {
    const digest = keccak256(concatBytes(Uint8Array.of(0x19, 0x01), domainHash, ...(messageHash ? [messageHash] : [])));
    return this.sign(account, digest, (path) => this.driver.signTypedHash(path, domainHash, messageHash));
  }
}
