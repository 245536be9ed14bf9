// The console (terminal) approver: clef's CommandlineUI, byte-exact (ui-api.md §8, cli.md §4.4, §7.6).
// Every prompt reads through the shared Terminal; approvals and input requests are serialised by a promise
// chain so only one question waits on stdin at a time. A withdrawn question (approval timeout, shutdown) drops
// its read and says so; one withdrawn before its turn is never shown. Type-ahead is dropped before each
// approval prompt on a TTY (a stray `y` must not approve the next request); piped answers are read in order.
import { base64 } from '@scure/base';
import { toChecksumAddress, utf8 } from '../../core/bytes.ts';
import { SignerError, errorMessage } from '../../core/errors.ts';
import { goHtmlEscape, goQuote, goQuoteBytes, isJsonObject, MixedcaseAddress } from '../../core/gojson.ts';
import type { Json, JsonObject } from '../../core/gojson.ts';
import type {
  Account,
  Approver,
  CancelSignal,
  ListRequest,
  ListResponse,
  Logger,
  Meta,
  NameValueType,
  NewAccountRequest,
  NewAccountResponse,
  SignDataRequest,
  SignDataResponse,
  SignTransactionResult,
  SignTxRequest,
  SignTxResponse,
  StartupInfo,
  UserInputRequest,
  UserInputResponse,
  ValidationInfo,
} from '../../core/ports.ts';
import type { Terminal } from '../terminal/terminal.ts';
import { renderBlockie } from './blockies.ts';

const NBSP = '\u00a0';
const DASHES_43 = '-------------------------------------------\n';
const DASHES_23 = '-----------------------\n';
/** clef lists at most this many accounts at start-up. */
const STARTUP_ACCOUNT_LIMIT = 20;

/**
 * Stdin ended while a prompt waited. clef killed the daemon (status 1); we fail only this request, so the
 * daemon keeps serving (rules may still approve) and every later prompt fails the same way.
 */
export class EndOfInputError extends SignerError {
  constructor() {
    super('failed to read user input: end of input on the terminal (stdin closed)');
  }
}

/** Options of the console UI. */
export interface ConsoleUIOptions {
  /** Where read failures are logged (clef's `Failed to read user input`). */
  logger?: Logger;
  /** Draw a blockie next to addresses in approval prompts; default: only on an interactive terminal. */
  identicons?: boolean;
  /** Accounts listed after start-up (clef's UI asked its own API); absent = no listing. */
  accounts?: () => Promise<Account[]>;
}

/** clef's default UI: prints requests to the terminal and reads `y` / passwords from it. */
export class ConsoleUI implements Approver {
  private readonly terminal: Terminal;
  private readonly logger?: Logger;
  private readonly identicons: boolean;
  private accountSource?: () => Promise<Account[]>;
  /** Tail of the prompt queue: each prompt starts when the previous one settled. */
  private queue: Promise<void> = Promise.resolve();

  constructor(terminal: Terminal, opts: ConsoleUIOptions = {}) {
    this.terminal = terminal;
    this.logger = opts.logger;
    this.identicons = opts.identicons ?? terminal.interactive;
    this.accountSource = opts.accounts;
  }

  /** Sets where the start-up account listing comes from (the signer is built after the UI). */
  setAccountSource(source: () => Promise<Account[]>): void {
    this.accountSource = source;
  }

  private walletSource?: () => Promise<{ url: string; status: string }[]>;

  /** Hardware wallets to show with their status after the start-up account listing. */
  setWalletSource(source: () => Promise<{ url: string; status: string }[]>): void {
    this.walletSource = source;
  }

  /** `--------- Transaction request-------------` … `Approve? [y/N]:`; approval returns the request's tx unchanged. */
  approveTx(req: SignTxRequest, signal?: CancelSignal): Promise<SignTxResponse> {
    return this.exclusive(signal, async () => {
      this.terminal.discardTypeahead();
      this.terminal.write(this.txRequestText(req));
      if (!(await this.confirm(signal))) return { approved: false };
      return { approved: true, transaction: req.transaction };
    });
  }

  /** `-------- Sign data request--------------` … `Approve? [y/N]:`. */
  approveSignData(req: SignDataRequest, signal?: CancelSignal): Promise<SignDataResponse> {
    return this.exclusive(signal, async () => {
      this.terminal.discardTypeahead();
      this.terminal.write(this.signDataText(req));
      return { approved: await this.confirm(signal) };
    });
  }

  /** `-------- List Account request--------------`; approval reveals every account, denial none (null). */
  approveListing(req: ListRequest, signal?: CancelSignal): Promise<ListResponse> {
    return this.exclusive(signal, async () => {
      this.terminal.discardTypeahead();
      let out = '-------- List Account request--------------\n';
      out += 'A request has been made to list all accounts. \n';
      out += 'You can select which accounts the caller can see\n';
      for (const account of req.accounts) {
        out += `  [x] ${toChecksumAddress(account.address)}\n`;
        out += this.identicon(account.address, '    ');
        out += `    URL: ${account.url}\n`;
      }
      out += DASHES_43;
      out += metadataText(req.meta);
      this.terminal.write(out);
      return { accounts: (await this.confirm(signal)) ? req.accounts : null };
    });
  }

  /** `-------- New Account request--------------`. */
  approveNewAccount(req: NewAccountRequest, signal?: CancelSignal): Promise<NewAccountResponse> {
    return this.exclusive(signal, async () => {
      this.terminal.discardTypeahead();
      let out = '-------- New Account request--------------\n\n';
      out += 'A request has been made to create a new account. \n';
      out += 'Approving this operation means that a new account is created,\n';
      out += 'and the address is returned to the external caller\n\n';
      out += metadataText(req.meta);
      this.terminal.write(out);
      return { approved: await this.confirm(signal) };
    });
  }

  /** `## Error \n<text>\n` and a 43-dash line. */
  showError(text: string): void {
    this.terminal.write(`## Error \n${text}\n${DASHES_43}`);
  }

  /** `## Info \n<text>\n`. */
  showInfo(text: string): void {
    this.terminal.write(`## Info \n${text}\n`);
  }

  /** `Transaction signed:` and the tx JSON indented by two spaces (Go's MarshalIndent with prefix and indent "  "). */
  onApprovedTx(result: SignTransactionResult): void {
    this.terminal.write(`Transaction signed:\n ${goIndentJson(result.tx, '  ', '  ')}\n`);
  }

  /** Prints the signer info block, then lists the accounts in the background. */
  onSignerStartup(info: StartupInfo): void {
    // On a TTY stdin is read from now on, so whatever is typed between prompts can be dropped before the next one.
    this.terminal.discardTypeahead();
    let out = '\n------- Signer info -------\n';
    for (const [k, v] of Object.entries(info.info)) out += `* ${k} : ${v}\n`;
    this.terminal.write(out);
    void this.showAccounts().then(() => this.showWallets());
  }

  /** `------- Hardware wallets -------` with each device's status; nothing when none is attached. */
  async showWallets(): Promise<void> {
    if (!this.walletSource) return;
    try {
      const wallets = await this.walletSource();
      if (wallets.length === 0) return;
      let out = '\n------- Hardware wallets -------\n';
      for (const w of wallets) out += `* ${w.url} : ${w.status}\n`;
      this.terminal.write(out);
    } catch (err) {
      this.logger?.error('Error listing hardware wallets', { err: errorMessage(err) });
    }
  }

  /** The start-up account listing (at most 20 lines); never rejects, failures are logged. */
  async showAccounts(): Promise<void> {
    if (!this.accountSource) return;
    let accounts: Account[];
    try {
      accounts = await this.accountSource();
    } catch (err) {
      this.logger?.error('Error listing accounts', { err: errorMessage(err) });
      return;
    }
    if (accounts.length === 0) {
      this.terminal.write('No accounts found\n');
      return;
    }
    let more = '';
    if (accounts.length > STARTUP_ACCOUNT_LIMIT) {
      more = `\nFirst ${STARTUP_ACCOUNT_LIMIT} accounts listed (${accounts.length - STARTUP_ACCOUNT_LIMIT} more available).\n`;
      accounts = accounts.slice(0, STARTUP_ACCOUNT_LIMIT);
    }
    let out = '\n------- Available accounts -------\n';
    accounts.forEach((a, i) => { out += `${i}. ${toChecksumAddress(a.address)} at ${a.url}\n`; });
    this.terminal.write(out + more);
  }

  /**
   * `## <title>\n\n<prompt>\n`, then a password read with the prompt `> ` (or the `> ` line reader), then
   * 23 dashes — printed even when reading failed, as clef did.
   */
  onInputRequired(req: UserInputRequest, signal?: CancelSignal): Promise<UserInputResponse> {
    return this.exclusive(signal, async () => {
      this.terminal.write(`## ${req.title}\n\n${req.prompt}\n`);
      try {
        if (req.isPassword) {
          try {
            return { text: await this.terminal.readPassword('> ', signal) };
          } catch (err) {
            if (!signal?.aborted) this.logger?.error('Failed to read password', { error: errorMessage(err) });
            throw err;
          }
        }
        return { text: await this.readString(signal) };
      } finally {
        this.terminal.write(DASHES_23);
      }
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Prompt text
  // -------------------------------------------------------------------------------------------------------

  private txRequestText(req: SignTxRequest): string {
    const tx = req.transaction;
    let out = '--------- Transaction request-------------\n';
    if (typeof tx.to === 'string') {
      const to = new MixedcaseAddress(lowerAddress(tx.to), tx.to);
      out += `to:    ${tx.to}\n`;
      out += this.identicon(tx.to, '       ');
      if (!safeValidChecksum(to)) out += '\nWARNING: Invalid checksum on to-address!\n\n';
    } else {
      out += 'to:    <contact creation>\n'; // sic: clef's typo
    }
    const from = typeof tx.from === 'string' ? tx.from : '0x';
    out += `from:               ${displayAddress(from)}\n`;
    out += this.identicon(from, '                    ');
    out += `value:              ${decimal(tx.value)} wei\n`;
    out += `gas:                ${hexAndDecimal(tx.gas)}\n`;
    if (tx.maxFeePerGas !== undefined && tx.maxFeePerGas !== null) {
      out += `maxFeePerGas:          ${decimal(tx.maxFeePerGas)} wei\n`;
      out += `maxPriorityFeePerGas:  ${decimal(tx.maxPriorityFeePerGas)} wei\n`;
    } else {
      out += `gasprice: ${decimal(tx.gasPrice)} wei\n`;
    }
    out += `nonce:    ${hexAndDecimal(tx.nonce)}\n`;
    if (tx.chainId !== undefined && tx.chainId !== null) out += `chainid:  ${hexQuantity(tx.chainId)}\n`;
    if (Array.isArray(tx.accessList)) {
      out += 'Accesslist:\n';
      tx.accessList.forEach((tuple, i) => {
        const t = isJsonObject(tuple) ? tuple : {};
        out += ` ${i}. ${typeof t.address === 'string' ? checksumOrRaw(t.address) : '0x0000000000000000000000000000000000000000'}\n`;
        const keys = Array.isArray(t.storageKeys) ? t.storageKeys : [];
        keys.forEach((k, j) => { out += `   ${j}. ${String(k).toLowerCase()}\n`; });
      });
    }
    if (Array.isArray(tx.blobVersionedHashes) && tx.blobVersionedHashes.length > 0) {
      out += 'Blob hashes:\n';
      for (const h of tx.blobVersionedHashes) out += `   ${String(h).toLowerCase()}\n`;
    }
    const data = typeof tx.data === 'string' ? tx.data : typeof tx.input === 'string' ? tx.input : '';
    if (data.length > 2) out += `data:     ${data.toLowerCase()}\n`;
    // clef tested for a non-nil slice, which is never empty there; an empty list here means none too.
    if (req.call_info && req.call_info.length > 0) {
      out += '\nTransaction validation:\n';
      out += validationLines(req.call_info);
      out += '\n';
    }
    out += '\n';
    out += metadataText(req.meta);
    out += DASHES_43;
    return out;
  }

  private signDataText(req: SignDataRequest): string {
    let out = '-------- Sign data request--------------\n';
    out += `Account:  ${displayAddress(req.address)}\n`;
    out += this.identicon(req.address, '          ');
    if (req.call_info && req.call_info.length > 0) {
      out += '\nValidation messages:\n';
      out += validationLines(req.call_info);
      out += '\n';
    }
    out += 'messages:\n';
    for (const m of req.messages) out += `${NBSP}${NBSP}${goTrimSpace(prettyMessage(m, 1))}\n`;
    out += `raw data:  \n\t${goQuoteBytes(decodeRawData(req.raw_data))}\n`;
    out += `data hash:  ${req.hash}\n`;
    out += DASHES_43;
    out += metadataText(req.meta);
    return out;
  }

  private identicon(address: string, indent: string): string {
    if (!this.identicons) return '';
    let lower: string;
    try {
      lower = lowerAddress(address);
    } catch {
      return '';
    }
    return renderBlockie(lower)
      .map((line) => indent + line + '\n')
      .join('');
  }

  // -------------------------------------------------------------------------------------------------------
  // Reading
  // -------------------------------------------------------------------------------------------------------

  /** `Approve? [y/N]:` then the line reader; only exactly `y` approves. */
  private async confirm(signal?: CancelSignal): Promise<boolean> {
    this.terminal.write('Approve? [y/N]:\n');
    if ((await this.readString(signal)) === 'y') return true;
    this.terminal.write(DASHES_23);
    return false;
  }

  /** Prints `> ` and reads a line until a non-empty (trimmed) one arrives. */
  private async readString(signal?: CancelSignal): Promise<string> {
    for (;;) {
      this.terminal.write('> ');
      const line = await this.terminal.readLine(signal);
      if (line === null) {
        const err = new EndOfInputError();
        // clef logged this at CRIT and exited; we keep serving, but say so loudly.
        this.logger?.error('Failed to read user input', { err: 'EOF', consequence: 'request rejected, daemon keeps running' });
        throw err;
      }
      const text = goTrimSpace(line);
      if (text !== '') return text;
    }
  }

  /**
   * Runs fn after every earlier prompt has settled (clef's UI mutex). A question withdrawn before its turn is not
   * shown; one withdrawn while waiting for its answer says so (the read was dropped by the terminal).
   */
  private exclusive<T>(signal: CancelSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (signal?.aborted) throw withdrawnError(signal);
      try {
        return await fn();
      } catch (err) {
        if (!signal?.aborted) throw err;
        const reason = withdrawnError(signal);
        this.terminal.write(`\n## Request withdrawn \n${reason.message}; the answer is no longer read\n${DASHES_23}`);
        throw reason;
      }
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function withdrawnError(signal: CancelSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new SignerError(String(signal.reason ?? 'request cancelled'));
}

// ---------------------------------------------------------------------------------------------------------
// Formatting helpers (exported for tests and the audit log)
// ---------------------------------------------------------------------------------------------------------

/** The request context block; User-Agent cut to 200 bytes, Origin to 100, Go `%q` quoted, `...` when cut. */
function metadataText(meta: Meta): string {
  let out = `Request context:\n\t${meta.remote} -> ${meta.scheme} -> ${meta.local}\n`;
  out += '\nAdditional HTTP header data, provided by the external caller:\n';
  out += `\tUser-Agent: ${sanitize(meta['User-Agent'], 200)}\n\tOrigin: ${sanitize(meta.Origin, 100)}\n`;
  return out;
}

/** Go `%q` of the first `limit` bytes of s, plus `...` when it was longer (clef may cut inside a UTF-8 rune). */
function sanitize(s: string, limit: number): string {
  const bytes = utf8(s);
  if (bytes.length > limit) return goQuoteBytes(bytes.subarray(0, limit)) + '...';
  return goQuote(s);
}

/** clef's NameValueType.Pprint: 2×depth NBSPs, `name [type]: `, then children, `%q` value or nothing. */
function prettyMessage(m: NameValueType, depth: number): string {
  let out = NBSP.repeat(depth * 2) + `${m.name} [${m.type}]: `;
  const v = m.value;
  if (Array.isArray(v) && v.every(isNameValueType)) {
    out += '\n';
    for (const child of v as NameValueType[]) out += prettyMessage(child, depth + 1);
  } else if (v === null || v === undefined) {
    out += '\n';
  } else {
    out += goQuoteAny(v as Json) + '\n';
  }
  return out;
}

function isNameValueType(v: unknown): boolean {
  return isJsonObject(v) && typeof v.name === 'string' && typeof v.type === 'string' && 'value' in v;
}

/** Go's `%q` of an interface value as clef would hold it (strings in practice). */
function goQuoteAny(v: Json): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return `%!q(float64=${v})`;
  if (typeof v === 'boolean') return `%!q(bool=${v})`;
  return goQuote(JSON.stringify(v));
}

/** Go's unicode.IsSpace. */
function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Go's strings.TrimSpace (JavaScript's trim differs on U+FEFF and U+0085). */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

function validationLines(infos: ValidationInfo[]): string {
  return infos.map((m) => `  * ${m.type} : ${m.message}\n`).join('');
}

/** Decodes the base64 raw_data of a sign-data request (invalid base64 is shown as its text). */
function decodeRawData(b64: string): Uint8Array {
  try {
    return base64.decode(b64);
  } catch {
    return utf8(b64);
  }
}

/** `0x` + 40 hex (either prefix case) → lowercase address; throws otherwise. */
function lowerAddress(s: string): `0x${string}` {
  if (!/^0[xX][0-9a-fA-F]{40}$/.test(s)) throw new Error(`invalid address ${s}`);
  return ('0x' + s.slice(2).toLowerCase()) as `0x${string}`;
}

function safeValidChecksum(a: MixedcaseAddress): boolean {
  try {
    return a.validChecksum();
  } catch {
    return false;
  }
}

/** MixedcaseAddress display form: `<original> [chksum ok]` / `[chksum INVALID]`. */
function displayAddress(original: string): string {
  let ok = false;
  try {
    ok = new MixedcaseAddress(lowerAddress(original), original).validChecksum();
  } catch {
    ok = false;
  }
  return `${original} ${ok ? '[chksum ok]' : '[chksum INVALID]'}`;
}

function checksumOrRaw(s: string): string {
  try {
    return toChecksumAddress(s);
  } catch {
    return s;
  }
}

function quantity(v: Json | undefined): bigint | null {
  if (typeof v !== 'string') return null;
  try {
    return v === '' ? 0n : BigInt(v);
  } catch {
    return null;
  }
}

/** Decimal of a hex quantity, `<nil>` when absent (Go's %v of a nil *big.Int). */
function decimal(v: Json | undefined): string {
  const n = quantity(v);
  return n === null ? '<nil>' : n.toString(10);
}

function hexQuantity(v: Json | undefined): string {
  const n = quantity(v);
  return n === null ? '<nil>' : '0x' + n.toString(16);
}

/** `0x<hex> (<decimal>)` as clef prints gas and nonce. */
function hexAndDecimal(v: Json | undefined): string {
  const n = quantity(v) ?? 0n;
  return `0x${n.toString(16)} (${n.toString(10)})`;
}

/** Go's json.MarshalIndent(v, prefix, indent): HTML-escaped, `"key": value`, prefix after every newline. */
export function goIndentJson(v: JsonObject | Json, prefix: string, indent: string): string {
  const text = JSON.stringify(v, null, indent) ?? 'null';
  return goHtmlEscape(text).replace(/\n/g, '\n' + prefix);
}
