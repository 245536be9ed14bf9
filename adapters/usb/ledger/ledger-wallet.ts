// A Ledger device running the Ethereum app as a Wallet: opened by reading the app configuration and deriving the
// default accounts; every request runs alone on the device (one APDU exchange at a time), and every signature's
// parity is recovered against the derived address (the app's V byte is not trusted).
import { concatBytes, keccak256, utf8, type Address } from '../../../core/bytes.ts';
import { SignerError, errorMessage } from '../../../core/errors.ts';
import { DEFAULT_BASE_PATH, LEGACY_LEDGER_BASE_PATH, formatDerivationPath } from '../../../core/hdpath.ts';
import type { Account, UnsignedTxPayload, Wallet } from '../../../core/ports.ts';
import { recoverAddress } from '../../../core/secp256k1.ts';
import type { PacketPipe } from '../packet-pipe.ts';
import { LedgerEthApp, LedgerStatusError, type RawSignature } from './eth-app.ts';
import { SerialQueue } from '../serial-queue.ts';

/** How many accounts of each default base path are derived when the device is opened (clef: 10). */
const SELF_DERIVE_COUNT = 10;

type Version = [number, number, number];
const atLeast = (v: Version, min: Version) => v[0] !== min[0] ? v[0] > min[0] : v[1] !== min[1] ? v[1] > min[1] : v[2] >= min[2];

/** First Ethereum app versions with each feature (app-ethereum changelog). */
const LEDGER_FEATURES = {
  eip155: [1, 0, 3] as Version,
  personal: [1, 0, 8] as Version,
  eip712Hashed: [1, 5, 0] as Version,
  typedTx: [1, 9, 0] as Version,
};

export class LedgerWallet implements Wallet {
  readonly scheme = 'ledger' as const;
  private readonly app: LedgerEthApp;
  private version: Version | null = null;
  private failed = '';
  private readonly derived = new Map<Address, { account: Account; path: number[] }>();
  private readonly queue = new SerialQueue();
  private closed = false;

  constructor(
    readonly url: string,
    pipe: PacketPipe,
    private readonly selfDerive = SELF_DERIVE_COUNT,
  ) {
    this.app = new LedgerEthApp(pipe);
  }

  /** Runs one device conversation at a time. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    return this.queue.run(() => {
      if (this.closed) throw new SignerError('ledger: device disconnected');
      return f();
    });
  }

  status(): string {
    if (this.closed) return 'Closed';
    if (this.failed) return `Failed: ${this.failed}`;
    if (!this.version) return 'Ethereum app offline';
    return `Ethereum app v${this.version.join('.')} online`;
  }
  failure(): string {
    return this.failed;
  }

  /** Marks the wallet gone (device unplugged): queued and later requests fail. */
  close(): void {
    this.closed = true;
  }

  async open(): Promise<void> {
    await this.exclusive(async () => {
      try {
        this.version = (await this.app.configuration()).version;
        this.failed = '';
      } catch (e) {
        this.failed = errorMessage(e);
        throw e;
      }
      const paths: number[][] = [];
      for (let i = 0; i < this.selfDerive; i++) {
        paths.push([...DEFAULT_BASE_PATH, i]);
        paths.push([...LEGACY_LEDGER_BASE_PATH, i]);
      }
      for (const p of paths) await this.deriveLocked(p);
    });
  }

  accounts(): Account[] {
    return [...this.derived.values()].map((d) => d.account);
  }

  private async deriveLocked(path: number[]): Promise<Account> {
    const { address } = await this.app.address(path);
    const addr = address as Address;
    const existing = this.derived.get(addr);
    if (existing) return existing.account;
    const account = { address: addr, url: `${this.url}/${formatDerivationPath(path)}` };
    this.derived.set(addr, { account, path });
    return account;
  }

  async derive(path: number[], pin: boolean): Promise<Account> {
    return this.exclusive(async () => {
      if (pin) return this.deriveLocked(path);
      const { address } = await this.app.address(path);
      return { address: address as Address, url: `${this.url}/${formatDerivationPath(path)}` };
    });
  }

  private pathOf(account: Account): number[] {
    const d = this.derived.get(account.address);
    if (!d) throw new SignerError('unknown account');
    return d.path;
  }

  private requireVersion(min: Version, what: string): void {
    const v = this.version;
    if (!v) throw new SignerError('ledger: Ethereum app offline');
    if (!atLeast(v, min)) throw new SignerError(`ledger: Ethereum app v${v.join('.')} cannot sign ${what}, please update to v${min.join('.')} at least`);
  }

  /** R ‖ S ‖ parity, the parity found by recovery against the account (never the app's V byte). */
  private finish(account: Account, digest: Uint8Array, sig: RawSignature): Uint8Array {
    for (const parity of [0, 1]) {
      const c = concatBytes(sig.r, sig.s, Uint8Array.of(parity));
      try {
        if (recoverAddress(digest, c) === account.address) return c;
      } catch {
        // try the other parity
      }
    }
    throw new SignerError('ledger: the device signed with a different key than the account (wrong device or passphrase?)');
  }

  private async sign(account: Account, digest: Uint8Array, f: (path: number[]) => Promise<RawSignature>): Promise<Uint8Array> {
    const path = this.pathOf(account);
    return this.exclusive(async () => {
      try {
        return this.finish(account, digest, await f(path));
      } catch (e) {
        if (e instanceof LedgerStatusError || !(e instanceof SignerError)) throw new SignerError(errorMessage(e));
        throw e;
      }
    });
  }

  async signTransaction(account: Account, tx: UnsignedTxPayload): Promise<Uint8Array> {
    if (tx.type === 3) throw new SignerError('ledger: blob transactions (type 3) cannot be signed with a Ledger');
    if (tx.type !== 0 && tx.type !== 1 && tx.type !== 2) throw new SignerError(`ledger: transaction type ${tx.type} is not supported`);
    if (tx.type === 0 && tx.chainId !== 0n) this.requireVersion(LEDGER_FEATURES.eip155, 'EIP-155 transactions');
    if (tx.type !== 0) this.requireVersion(LEDGER_FEATURES.typedTx, `type ${tx.type} transactions`);
    return this.sign(account, tx.digest, (path) => this.app.signTransaction(path, tx.encoded, tx.type === 0));
  }

  async signPersonal(account: Account, message: Uint8Array): Promise<Uint8Array> {
    this.requireVersion(LEDGER_FEATURES.personal, 'personal messages');
    const digest = keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${message.length}`), message));
    return this.sign(account, digest, (path) => this.app.signPersonal(path, message));
  }

  async signTypedData(account: Account, domainHash: Uint8Array, messageHash: Uint8Array | null): Promise<Uint8Array> {
    this.requireVersion(LEDGER_FEATURES.eip712Hashed, 'EIP-712 data');
    if (!messageHash) throw new SignerError('ledger: EIP-712 data whose primary type is EIP712Domain cannot be signed by the device');
    const digest = keccak256(concatBytes(Uint8Array.of(0x19, 0x01), domainHash, messageHash));
    return this.sign(account, digest, (path) => this.app.signTypedHash(path, domainHash, messageHash));
  }
}

