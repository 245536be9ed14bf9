// The rules-file attestation check (rules-engine.md §1.1, §7): the SHA-256 of the exact bytes that will run must
// equal the vault's `ruleset_sha256`. The caller reads the file once and hands the same bytes to the engine, so a
// file swapped after the check can never run unattested.
import { sha256, toHexRaw } from './bytes.ts';

/** Whether a rules file may run, with the digest of the bytes that were checked. */
export type RulesAttestation =
  | { attested: true; hash: string; source: string }
  | { attested: false; hash: string; stored: string };

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true }); // the BOM is part of the hashed bytes and of the script

/**
 * Decides on `bytes` (the rules file, read once) against `stored` (the vault's ruleset_sha256, "" when absent).
 * The stored value is compared as an exact string, as clef does: only the 64-character lowercase digest matches.
 * On success the source to run is decoded from these very bytes.
 */
export function checkRulesAttestation(bytes: Uint8Array, stored: string): RulesAttestation {
  const hash = toHexRaw(sha256(bytes));
  if (hash !== stored) return { attested: false, hash, stored };
  return { attested: true, hash, source: utf8.decode(bytes) };
}
