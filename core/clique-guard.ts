// Built-in clique double-sign protection (--clique-protect): per sealing account, the highest header height signed
// and its seal hash, kept in the vault. A different header at a height already signed — or a lower height — is
// refused; re-signing the identical seal hash is allowed (geth retries). Check, signing and record are serialised
// per account, so of two concurrent different headers at one new height exactly one is signed; only a signature
// actually made is recorded, and it is released only after its record is durable.
import { toChecksumAddress, toHex, type Address } from './bytes.ts';
import { SignerError, errorMessage } from './errors.ts';
import type { SecretStore } from './ports.ts';

/** What the guard needs of a prepared clique request. */
export interface CliqueSeal {
  /** Block number of the header. */
  cliqueNumber?: bigint;
  /** The seal hash that will be signed. */
  hash: Uint8Array;
}

/** The stored record for one account. */
export interface CliqueRecord {
  number: bigint;
  sealHash: string;
}

/** Store key of an account's record (inside the vault's config.json, which clef ignores beyond ruleset_sha256). */
export function cliqueRecordKey(address: Address): string {
  return `clique_protect:${toChecksumAddress(address)}`;
}

function parseCliqueRecord(text: string): CliqueRecord | null {
  const m = /^(\d+):(0x[0-9a-f]{64})$/.exec(text);
  return m ? { number: BigInt(m[1]), sealHash: m[2] } : null;
}

function formatCliqueRecord(r: CliqueRecord): string {
  return `${r.number}:${r.sealHash}`;
}

/** What the signer asks before sealing a clique header. */
export interface CliqueProtection {
  /**
   * Runs `sign` only when sealing `seal` cannot double-sign (else throws a SignerError), and returns its signature
   * only once the record of that height is durable. A failed `sign` leaves no record.
   */
  admit<T>(address: Address, seal: CliqueSeal, sign: () => Promise<T>): Promise<T>;
}

/** Fail-closed protection for when --clique-protect is on but no vault can hold the record. */
export const refuseAllClique: CliqueProtection = {
  async admit(): Promise<never> {
    throw new SignerError('clique protection is on but the master seed is not unlocked: refusing to seal');
  },
};

export class CliqueGuard implements CliqueProtection {
  private readonly locks = new Map<Address, Promise<void>>();

  constructor(private readonly store: SecretStore) {}

  /**
   * Check, sign, record — one account at a time, so of two different headers at one new height exactly one is
   * signed. Nothing is recorded for a signing that failed (a later honest header at that height stays possible);
   * the signature is only handed out after its record was written (a crash can't forget a released seal).
   */
  async admit<T>(address: Address, seal: CliqueSeal, sign: () => Promise<T>): Promise<T> {
    if (seal.cliqueNumber === undefined) throw new SignerError('clique protection: header number unknown');
    const number = seal.cliqueNumber;
    const sealHash = toHex(seal.hash);
    const prev = this.locks.get(address) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    this.locks.set(address, chained);
    await prev;
    try {
      const last = await this.record(address);
      if (last) {
        if (number === last.number && sealHash === last.sealHash) return await sign();
        if (number <= last.number) {
          throw new SignerError(
            `clique protection: refusing to sign header ${number} (${sealHash}): already signed height ${last.number} (${last.sealHash})`,
          );
        }
      }
      const signature = await sign();
      await this.store.put(cliqueRecordKey(address), formatCliqueRecord({ number, sealHash }));
      return signature;
    } finally {
      release();
      if (this.locks.get(address) === chained) this.locks.delete(address);
    }
  }

  /** The record of an account, or null when it never sealed. An unreadable record refuses signing (fail closed). */
  async record(address: Address): Promise<CliqueRecord | null> {
    let text: string;
    try {
      text = await this.store.get(cliqueRecordKey(address));
    } catch (e) {
      if (e instanceof Error && e.message === 'not found') return null;
      throw new SignerError(`clique protection: record unreadable: ${errorMessage(e)}`);
    }
    const r = parseCliqueRecord(text);
    if (!r) throw new SignerError('clique protection: record is malformed');
    return r;
  }

  /** Forgets an account's record (after a deliberate rollback). */
  async reset(address: Address): Promise<void> {
    await this.store.del(cliqueRecordKey(address));
  }
}
