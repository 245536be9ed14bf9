// In-memory fakes of the core ports, so core/ runs with no adapter at all.
import assert from 'node:assert/strict';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { UnknownAccountError, SignerError } from '../../core/errors.ts';
import type { Address } from '../../core/bytes.ts';
import type {
  Approver,
  Kdf,
  KeyFileEntry,
  KeyStore,
  ListRequest,
  ListResponse,
  Logger,
  NewAccountRequest,
  NewAccountResponse,
  Random,
  SecretStore,
  SignDataRequest,
  SignDataResponse,
  SignTransactionResult,
  SignTxRequest,
  SignTxResponse,
  StartupInfo,
  UnaddressedKeyFile,
  UserInputRequest,
  UserInputResponse,
} from '../../core/ports.ts';

/** Pure scrypt/pbkdf2 that counts derivations (to prove the key cache works). */
export class CountingKdf implements Kdf {
  scrypts = 0;
  async scrypt(password: Uint8Array, salt: Uint8Array, n: number, r: number, p: number, dkLen: number): Promise<Uint8Array> {
    this.scrypts++;
    return scryptAsync(password, salt, { N: n, r, p, dkLen });
  }
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array> {
    return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen });
  }
}

/** Hands out exactly the given chunks, in order; a draw of another size or one too many fails the test. */
export function fixedRandom(...chunks: Uint8Array[]): Random {
  return {
    bytes(n: number): Uint8Array {
      const c = chunks.shift();
      assert.ok(c, 'unexpected random draw');
      assert.equal(c.length, n);
      return c;
    },
  };
}

/** Deterministic "random" bytes from a counter. */
export class CounterRandom implements Random {
  private n = 1;
  bytes(len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = (this.n++ * 131 + i * 7) & 0xff;
    return out;
  }
}

export class MemoryStore implements SecretStore {
  readonly map = new Map<string, string>();
  async get(key: string): Promise<string> {
    if (key === '') throw new Error('0-length key');
    const v = this.map.get(key);
    if (v === undefined) throw new Error('not found');
    return v;
  }
  async put(key: string, value: string): Promise<void> {
    if (key !== '') this.map.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.map.delete(key);
  }
  async update(changes: ReadonlyArray<readonly [string, string | null]>): Promise<void> {
    for (const [k, v] of changes) {
      if (v === null) this.map.delete(k);
      else if (k !== '') this.map.set(k, v);
    }
  }
  async keys(): Promise<string[]> {
    return [...this.map.keys()];
  }
}

export class MemoryKeyStore implements KeyStore {
  readonly dir = '/mem';
  readonly files = new Map<string, { address: Address; json: string }>();
  async accounts(): Promise<KeyFileEntry[]> {
    return [...this.files.entries()]
      .map(([path, f]) => ({ address: f.address, url: `keystore://${path}`, path }))
      .sort((a, b) => (a.url < b.url ? -1 : 1));
  }
  async unaddressed(): Promise<UnaddressedKeyFile[]> {
    return [];
  }
  async find(address: Address): Promise<KeyFileEntry> {
    const hits = (await this.accounts()).filter((a) => a.address === address);
    if (hits.length === 0) throw new UnknownAccountError();
    if (hits.length > 1) throw new SignerError(`multiple keys match address (${hits.map((h) => h.path).join(', ')})`);
    return hits[0];
  }
  async read(path: string): Promise<string> {
    const f = this.files.get(path);
    if (!f) throw new Error(`open ${path}: no such file or directory`);
    return f.json;
  }
  async write(address: Address, json: string, verify: (text: string) => Promise<void>): Promise<KeyFileEntry> {
    if ([...this.files.values()].some((f) => f.address === address)) throw new SignerError('account already exists');
    await verify(json);
    const path = `/mem/UTC--${address.slice(2)}`;
    this.files.set(path, { address, json });
    return { address, url: `keystore://${path}`, path };
  }
}

export const silentLogger: Logger = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** An approver whose answers are set per test, recording every call. */
export class ScriptedApprover implements Approver {
  calls: string[] = [];
  errors: string[] = [];
  inputs: UserInputRequest[] = [];
  signData: SignDataRequest[] = [];
  txs: SignTxRequest[] = [];
  approveAll = true;
  passwords: string[] = [];
  txOverride?: (req: SignTxRequest) => SignTxResponse;
  async approveTx(req: SignTxRequest): Promise<SignTxResponse> {
    this.calls.push('approveTx');
    this.txs.push(req);
    if (this.txOverride) return this.txOverride(req);
    return { approved: this.approveAll, transaction: req.transaction };
  }
  async approveSignData(req: SignDataRequest): Promise<SignDataResponse> {
    this.calls.push('approveSignData');
    this.signData.push(req);
    return { approved: this.approveAll };
  }
  async approveListing(req: ListRequest): Promise<ListResponse> {
    this.calls.push('approveListing');
    return { accounts: this.approveAll ? req.accounts : null };
  }
  async approveNewAccount(_req: NewAccountRequest): Promise<NewAccountResponse> {
    this.calls.push('approveNewAccount');
    return { approved: this.approveAll };
  }
  showError(text: string): void {
    this.errors.push(text);
  }
  showInfo(_text: string): void {}
  approvedTxs: SignTransactionResult[] = [];
  onApprovedTx(result: SignTransactionResult): void {
    this.approvedTxs.push(result);
  }
  onSignerStartup(_info: StartupInfo): void {}
  async onInputRequired(req: UserInputRequest): Promise<UserInputResponse> {
    this.inputs.push(req);
    const text = this.passwords.shift();
    if (text === undefined) throw new Error('no input scripted');
    return { text };
  }
}
