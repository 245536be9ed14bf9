// `clef importraw <keyfile>` (cli.md §5.6): read an unencrypted hex private key (go-ethereum's LoadECDSA rules and
// error texts), ask the password twice through the console UI (or take it from --password), encrypt it into the
// keystore.
import { toChecksumAddress, wipe } from '../../core/bytes.ts';
import { errorMessage } from '../../core/errors.ts';
import { validatePasswordFormat } from '../../core/password.ts';
import { privateKeyError } from '../../core/secp256k1.ts';
import { READ_LIMITS, readFileBounded } from '../../adapters/fs/bounded-read.ts';
import { ConsoleUI } from '../../adapters/ui/console.ts';
import type { CliContext } from '../context.ts';
import { passwordFromFile } from '../secrets.ts';
import { openKeystore } from './common.ts';
import { commandKeyWriter } from './newaccount.ts';
import { storeKey } from '../../core/accounts.ts';
import { goQuoteChar } from '../../core/gojson.ts';

function isAsciiSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/**
 * Parses a raw key file as go-ethereum's crypto.LoadECDSA (64 printable characters, then at most two `\r`/`\n`
 * bytes; then hex decoding and the secp256k1 range check; Go's messages), after one extension: surrounding
 * whitespace and a `0x`/`0X` prefix are dropped first, so what `cast wallet new` prints imports as it is.
 */
export function parseRawKeyFile(raw: Uint8Array): Uint8Array {
  let start = 0;
  let end = raw.length;
  while (start < end && isAsciiSpace(raw[start])) start++;
  while (end > start && isAsciiSpace(raw[end - 1])) end--;
  if (end - start >= 2 && raw[start] === 0x30 && (raw[start + 1] === 0x78 || raw[start + 1] === 0x58)) start += 2;
  const data = raw.subarray(start, end);
  let n = 0;
  while (n < 64 && n < data.length && data[n] >= 0x21) n++;
  if (n !== 64) throw new Error('key file too short, want 64 hex characters');
  for (let i = 0; 64 + i < data.length; i++) {
    const b = data[64 + i];
    if (b !== 0x0a && b !== 0x0d) throw new Error(`invalid character ${goQuoteChar(b)} at end of key file`);
    if (i >= 2) throw new Error('key file too long, want 64 hex characters');
  }
  const priv = new Uint8Array(32);
  for (let i = 0; i < 64; i++) {
    const c = data[i];
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (v < 0) {
      wipe(priv);
      throw new Error(`invalid hex character ${goQuoteChar(c)} in private key`);
    }
    priv[i >> 1] |= i % 2 === 0 ? v << 4 : v;
  }
  const problem = privateKeyError(priv);
  if (problem) {
    wipe(priv);
    throw new Error(problem);
  }
  return priv;
}

/**
 * Reads a raw key file with Go's OS error texts (`open <path>: …`, `read <path>: is a directory`), at most
 * READ_LIMITS.secret bytes (a raw key is 64 characters).
 */
export async function readFileGo(path: string): Promise<Uint8Array> {
  return readFileBounded(path, READ_LIMITS.secret, 'key file');
}

export async function run(ctx: CliContext): Promise<void> {
  if (ctx.args.length !== 1) throw new Error('<keyfile> must be given as first argument');
  await ctx.initialize();
  const keystore = openKeystore(ctx);
  try {
    const data = await readFileGo(ctx.args[0]);
    const priv = parseRawKeyFile(data);
    wipe(data);
    try {
      const ui = new ConsoleUI(ctx.terminal, { logger: ctx.logger, identicons: false });
      let first: string;
      let second: string;
      if (ctx.options.password !== null) {
        first = second = await passwordFromFile(ctx.options.password);
      } else {
        const ask = async (prompt: string): Promise<string> => {
          try {
            return (await ui.onInputRequired({ title: 'Password', prompt, isPassword: true })).text;
          } catch (err) {
            throw new Error(`Failed to read password: ${errorMessage(err)}`);
          }
        };
        first = await ask('Please enter a password for the imported account');
        second = await ask('Please repeat the password you just entered');
      }
      if (first !== second) throw new Error('Passwords do not match');
      const problem = validatePasswordFormat(first);
      if (problem) throw new Error(`password requirements not met: ${problem}`);
      const entry = await storeKey(commandKeyWriter(ctx, keystore), priv, first);
      ui.showInfo(
        `Key imported:\n  Address ${toChecksumAddress(entry.address)}\n  Keystore file: ${entry.path}\n\n` +
          'The key is now encrypted; losing the password will result in permanently losing\n' +
          'access to the key and all associated funds!\n\n' +
          'Make sure to backup keystore and passwords in a safe location.',
      );
    } finally {
      wipe(priv);
    }
  } finally {
    keystore.close();
  }
}
