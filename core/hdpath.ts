// BIP-32 derivation paths as clef parses them (accounts.ParseDerivationPath): absolute `m/44'/60'/0'/0/0`, or
// relative `0/1` appended to the default base m/44'/60'/0'/0. Hardened components end in ' (or carry the 2^31 bit).
export const HARDENED = 0x80000000;

/** m/44'/60'/0'/0 — base of the default accounts (…/0/i). */
export const DEFAULT_BASE_PATH: readonly number[] = [44 + HARDENED, 60 + HARDENED, HARDENED, 0];
/** m/44'/60'/0' — base of Ledger's legacy accounts (…/i). */
export const LEGACY_LEDGER_BASE_PATH: readonly number[] = [44 + HARDENED, 60 + HARDENED, HARDENED];

/** Parses a derivation path; throws clef's errors. */
export function parseDerivationPath(path: string): number[] {
  const out: number[] = [];
  let components = path.split('/');
  if (components.length === 0 || (components.length === 1 && components[0].trim() === '')) throw new Error('empty derivation path');
  if (components[0].trim() === 'm') {
    components = components.slice(1);
  } else {
    out.push(...DEFAULT_BASE_PATH);
  }
  if (components.length === 0) throw new Error('empty derivation path');
  for (const raw of components) {
    let c = raw.trim();
    let value = 0;
    if (c.endsWith("'")) {
      value = HARDENED;
      c = c.slice(0, -1).trim();
    }
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(c)) throw new Error(`invalid component: ${raw}`);
    const n = Number(c);
    const max = 0xffffffff - value;
    if (!Number.isSafeInteger(n) || n > max) throw new Error(`component ${c} out of allowed range [0, ${max}]`);
    out.push(value + n);
  }
  return out;
}

/** `m/44'/60'/0'/0/0` form of a path. */
export function formatDerivationPath(path: readonly number[]): string {
  return 'm' + path.map((i) => '/' + (i >= HARDENED ? `${i - HARDENED}'` : `${i}`)).join('');
}
