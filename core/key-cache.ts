// Decrypted keys kept in memory for accounts whose password comes from the vault, so a clique sealer pays scrypt
// once instead of on every seal (clef decrypted the key file for every signature: ~1 s each). Keys unlocked with a
// password typed by a human are never cached. Keys are zeroed on eviction and on clear().
import { wipe, type Address } from './bytes.ts';

interface Entry {
  path: string;
  key: Uint8Array;
}

export class KeyCache {
  private readonly entries = new Map<Address, Entry>();
  private readonly pending = new Map<string, Promise<Uint8Array>>();

  /** The cached key for an account's key file, or undefined. */
  get(address: Address, path: string): Uint8Array | undefined {
    const e = this.entries.get(address);
    if (!e) return undefined;
    if (e.path !== path) {
      this.evict(address);
      return undefined;
    }
    return e.key;
  }

  /** Stores a copy of the key (the caller may wipe its own). */
  put(address: Address, path: string, key: Uint8Array): void {
    this.evict(address);
    this.entries.set(address, { path, key: key.slice() });
  }

  /**
   * The cached key, unlocking it first if needed. Concurrent callers for the same key file share one unlock
   * (sixteen simultaneous seals must not run sixteen scrypts). The returned buffer belongs to the cache: use it
   * synchronously and never wipe it.
   */
  async load(address: Address, path: string, unlock: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.get(address, path);
    if (hit) return hit;
    const id = `${address}|${path}`;
    let p = this.pending.get(id);
    if (!p) {
      p = unlock().then((key) => {
        this.put(address, path, key);
        wipe(key);
        return this.entries.get(address)!.key;
      });
      this.pending.set(id, p);
      p.then(
        () => this.pending.delete(id),
        () => this.pending.delete(id),
      );
    }
    return p;
  }

  /** Zeroes and forgets one account's key. */
  evict(address: Address): void {
    const e = this.entries.get(address);
    if (e) wipe(e.key);
    this.entries.delete(address);
  }

  /** Zeroes and forgets every key (shutdown). */
  clear(): void {
    for (const a of [...this.entries.keys()]) this.evict(a);
  }

  get size(): number {
    return this.entries.size;
  }
}
