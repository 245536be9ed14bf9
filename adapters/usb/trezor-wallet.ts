// A Trezor as a Wallet, over the protocol driver of adapters/usb/trezor/ (Initialize/Features, EthereumGetAddress,
// EthereumSignTx/EIP1559, EthereumSignMessage, EthereumSignTypedHash, PIN and passphrase through the UI): accounts
// by self-derivation, one request at a time, and every signature checked against the account by recovery.
import { concatBytes, keccak256, utf8, type Address } from '../../core/bytes.ts';
import { SignerError, errorMessage, toSignerError } from '../../core/errors.ts';
import { DEFAULT_BASE_PATH, formatDerivationPath } from '../../core/hdpath.ts';
import type { Account, UnsignedTxPayload, Wallet } from '../../core/ports.ts';
import { recoverAddress } from '../../core/secp256k1.ts';
import type { TrezorDriver, TrezorTx } from './trezor/driver.ts';
import { SerialQueue } from './serial-queue.ts';

/** What the wallet needs of the protocol driver (adapters/usb/trezor/driver.ts); tests may pass a stand-in. */
export type TrezorDriverLike = Pick<TrezorDriver, 'init' | 'getAddress' | 'signTx' | 'signMessage' | 'signTypedHash'>;

const SELF_DERIVE = 10;

export class TrezorWallet implements Wallet {
  readonly scheme = 'trezor' as const;
  private readonly derived = new Map<Address, { account: Account; path: number[] }>();
  private readonly queue = new SerialQueue();
  private online = false;
  private failed = '';
  private closed = false;

  constructor(
    readonly url: string,
    private readonly driver: TrezorDriverLike,
  ) {}

  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    return this.queue.run(() => {
      if (this.closed) throw new SignerError('trezor: device disconnected');
      return f();
    });
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
    const address = await this.driver.getAddress(path);
    const existing = this.derived.get(address);
    if (existing) return existing.account;
    const account = { address, url: `${this.url}/${formatDerivationPath(path)}` };
    this.derived.set(address, { account, path });
    return account;
  }

  derive(path: number[], pin: boolean): Promise<Account> {
    return this.exclusive(async () => {
      if (pin) return this.deriveLocked(path);
      return { address: await this.driver.getAddress(path), url: `${this.url}/${formatDerivationPath(path)}` };
    });
  }

  private async sign(account: Account, digest: Uint8Array, f: (path: number[]) => Promise<Uint8Array>): Promise<Uint8Array> {
    const d = this.derived.get(account.address);
    if (!d) throw new SignerError('unknown account');
    return this.exclusive(async () => {
      let rs: Uint8Array;
      try {
        rs = (await f(d.path)).subarray(0, 64);
      } catch (e) {
        throw toSignerError(e);
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
    const t: TrezorTx =
      tx.type === 0
        ? { type: 0, ...common, gasPrice: tx.gasPrice }
        : { type: 2, ...common, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas, accessList: tx.accessList };
    return this.sign(account, tx.digest, async (path) => (await this.driver.signTx(path, t)).signature);
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
