// Stand-in "next UIs" of clef's rules tests (rules-engine.md §8), a recording logger and a console sink.
import assert from 'node:assert/strict';
import { RequestDeniedError } from '../../../core/errors.ts';
import type {
  Approver,
  ListRequest,
  ListResponse,
  LogAttrs,
  Logger,
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
} from '../../../core/ports.ts';

/** Every approval answers "not approved" without error; notifications are a test failure (clef's test panics). */
export class AlwaysDenyUi implements Approver {
  calls: string[] = [];
  async approveTx(_r: SignTxRequest): Promise<SignTxResponse> {
    this.calls.push('ApproveTx');
    return { approved: false };
  }
  async approveSignData(_r: SignDataRequest): Promise<SignDataResponse> {
    this.calls.push('ApproveSignData');
    return { approved: false };
  }
  async approveListing(_r: ListRequest): Promise<ListResponse> {
    this.calls.push('ApproveListing');
    return { accounts: null };
  }
  async approveNewAccount(_r: NewAccountRequest): Promise<NewAccountResponse> {
    this.calls.push('ApproveNewAccount');
    return { approved: false };
  }
  showError(text: string): void {
    assert.fail(`always-deny UI got ShowError(${text})`);
  }
  showInfo(text: string): void {
    assert.fail(`always-deny UI got ShowInfo(${text})`);
  }
  onApprovedTx(_r: SignTransactionResult): void {
    assert.fail('always-deny UI got OnApprovedTx');
  }
  onSignerStartup(_i: StartupInfo): void {
    this.calls.push('OnSignerStartup');
  }
  async onInputRequired(_r: UserInputRequest): Promise<UserInputResponse> {
    this.calls.push('OnInputRequired');
    return { text: '' };
  }
}

/** Appends the name of each call; approvals fail with `request denied`. */
export class RecorderUi implements Approver {
  calls: string[] = [];
  async approveTx(_r: SignTxRequest): Promise<SignTxResponse> {
    this.calls.push('ApproveTx');
    throw new RequestDeniedError();
  }
  async approveSignData(_r: SignDataRequest): Promise<SignDataResponse> {
    this.calls.push('ApproveSignData');
    throw new RequestDeniedError();
  }
  async approveListing(_r: ListRequest): Promise<ListResponse> {
    this.calls.push('ApproveListing');
    throw new RequestDeniedError();
  }
  async approveNewAccount(_r: NewAccountRequest): Promise<NewAccountResponse> {
    this.calls.push('ApproveNewAccount');
    throw new RequestDeniedError();
  }
  showError(_t: string): void {
    this.calls.push('ShowError');
  }
  showInfo(_t: string): void {
    this.calls.push('ShowInfo');
  }
  onApprovedTx(_r: SignTransactionResult): void {
    this.calls.push('OnApprovedTx');
  }
  onSignerStartup(_i: StartupInfo): void {
    this.calls.push('OnSignerStartup');
  }
  async onInputRequired(_r: UserInputRequest): Promise<UserInputResponse> {
    this.calls.push('OnInputRequired');
    throw new RequestDeniedError();
  }
}

/** Any call is a failure (recorded, so a test can also assert the list is empty). */
export class MustNotBeCalledUi implements Approver {
  calls: string[] = [];
  #fail(name: string): never {
    this.calls.push(name);
    assert.fail(`must-not-be-called UI got ${name}`);
  }
  async approveTx(): Promise<SignTxResponse> {
    this.#fail('ApproveTx');
  }
  async approveSignData(): Promise<SignDataResponse> {
    this.#fail('ApproveSignData');
  }
  async approveListing(): Promise<ListResponse> {
    this.#fail('ApproveListing');
  }
  async approveNewAccount(): Promise<NewAccountResponse> {
    this.#fail('ApproveNewAccount');
  }
  showError(): void {
    this.#fail('ShowError');
  }
  showInfo(): void {
    this.#fail('ShowInfo');
  }
  onApprovedTx(): void {
    this.#fail('OnApprovedTx');
  }
  onSignerStartup(): void {
    this.#fail('OnSignerStartup');
  }
  async onInputRequired(): Promise<UserInputResponse> {
    this.#fail('OnInputRequired');
  }
}

/** One log record. */
export interface LogRecord {
  level: string;
  msg: string;
  attrs: LogAttrs;
}

/** A Logger that keeps every record. */
export class RecordingLogger implements Logger {
  records: LogRecord[] = [];
  #add(level: string, msg: string, attrs?: LogAttrs) {
    this.records.push({ level, msg, attrs: attrs ?? {} });
  }
  crit(m: string, a?: LogAttrs) {
    this.#add('crit', m, a);
  }
  error(m: string, a?: LogAttrs) {
    this.#add('error', m, a);
  }
  warn(m: string, a?: LogAttrs) {
    this.#add('warn', m, a);
  }
  info(m: string, a?: LogAttrs) {
    this.#add('info', m, a);
  }
  debug(m: string, a?: LogAttrs) {
    this.#add('debug', m, a);
  }
  trace(m: string, a?: LogAttrs) {
    this.#add('trace', m, a);
  }
  /** `LEVEL msg` lines (attributes left out), for compact assertions. */
  lines(): string[] {
    return this.records.map((r) => `${r.level.toUpperCase()} ${r.msg}`);
  }
  clear(): void {
    this.records = [];
  }
}

/** Collects console output written by rules. */
export class ConsoleSink {
  text = '';
  readonly write = (s: string): void => {
    this.text += s;
  };
  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** A zero-value meta as clef's tests use it. */
export const TEST_META = { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };

/** rules.md "Example 1" (scenario A), written the way clef's docs and test 6 write it. */
export const SCENARIO_A = `
function big(str) {
  if (str.slice(0, 2) == "0x") { return new BigNumber(str.slice(2), 16) }
  return new BigNumber(str)
}
// Time window: 1 week
var window = 1000 * 3600 * 24 * 7;
// Limit: 1 ether
var limit = new BigNumber("1e18");

function isLimitOk(transaction) {
  var value = big(transaction.value)
  // Start of our window function
  var windowstart = new Date().getTime() - window;
  var txs = [];
  var stored = storage.get('txs');
  if (stored != "") { txs = JSON.parse(stored) }
  // First, remove all that have passed out of the time window
  var newtxs = txs.filter(function (tx) { return tx.tstamp > windowstart });
  console.log(txs, newtxs.length);
  // Secondly, aggregate the current sum
  var sum = new BigNumber(0)
  sum = newtxs.reduce(function (agg, tx) { return big(tx.value).plus(agg) }, sum);
  console.log("ApproveTx > Sum so far", sum);
  console.log("ApproveTx > Requested", value.toNumber());
  // Would we exceed the weekly limit ?
  return sum.plus(value).lt(limit)
}

function ApproveTx(r) {
  if (isLimitOk(r.transaction)) { return "Approve" }
  return "Nope"
}

/** OnApprovedTx(str) is called when a transaction has been approved and signed. */
function OnApprovedTx(resp) {
  var value = big(resp.tx.value)
  var txs = []
  // Load stored transactions
  var stored = storage.get('txs');
  if (stored != "") { txs = JSON.parse(stored) }
  // Add this to the storage
  txs.push({ tstamp: new Date().getTime(), value: value });
  storage.put("txs", JSON.stringify(txs));
}
`;
