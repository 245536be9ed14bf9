// clef's rule execution (rules-engine.md §2, §5): run the attested rule file in a fresh sandbox for every callback,
// bind `storage` to the rule storage with clef's String()/delete semantics, and turn the completion value into an
// approval decision with clef's log lines.
import process from 'node:process';
import type { Logger } from '../../core/ports.ts';
import { RuleSandbox } from './sandbox.ts';
import type { EvaluationOutcome, FailureKind, SandboxLimits } from './sandbox.ts';
import type { RuleStorage } from './storage.ts';

/** Result of running one callback: its String() completion value or the error that stopped it. */
export type ExecutionResult =
  | { ok: true; value: string }
  | { ok: false; error: string; stage: 'script' | 'call'; kind: FailureKind };

/** What an approval callback decided; `fallthrough` goes to the next UI (`unknown response` or the JS error). */
export type ApprovalDecision =
  | { decision: 'approve' }
  | { decision: 'reject' }
  | { decision: 'fallthrough'; error: string; value?: string; kind?: FailureKind };

/** Options of RuleEngine. */
export interface RuleEngineOptions {
  /** The rule file's text (read once at start-up). */
  source: string;
  storage: RuleStorage;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
  /** A sandbox to share (tests); by default the engine owns one. */
  sandbox?: RuleSandbox;
  /** Receives each console line with its newline; default: process stderr (clef bypasses the logger here). */
  writeConsole?: (text: string) => void;
}

function defaultConsole(text: string): void {
  process.stderr.write(text);
}

/** Runs rule callbacks one at a time (call order), each in a brand-new JavaScript context. */
export class RuleEngine {
  readonly sandbox: RuleSandbox;
  readonly #source: string;
  readonly #storage: RuleStorage;
  readonly #logger: Logger;
  readonly #writeConsole: (text: string) => void;
  /** Notification callbacks the rule file never names: their (deterministic) failure text after one real run. */
  readonly #undefinedNotifications = new Map<string, string>();

  constructor(options: RuleEngineOptions) {
    this.#source = options.source;
    this.#storage = options.storage;
    this.#logger = options.logger;
    this.#writeConsole = options.writeConsole ?? defaultConsole;
    this.sandbox = options.sandbox ?? new RuleSandbox(options.limits);
  }

  /** Runs the rule file, then `<fn>(JSON.parse(<argumentJson>))`; logs WARN `Execution failed` if the file itself fails. */
  async execute(fn: string, argumentJson: string): Promise<ExecutionResult> {
    const outcome: EvaluationOutcome = await this.sandbox.evaluate({
      source: this.#source,
      functionName: fn,
      argumentJson,
      host: {
        console: (line) => this.#writeConsole(`${line}\n`),
        storageGet: (key) => this.#storage.get(key),
        // clef: an empty value deletes the key; an empty key is ignored by put (del of "" is a no-op).
        storagePut: (key, value) => (value === '' ? this.#storage.del(key) : this.#storage.put(key, value)),
      },
    });
    if (!outcome.ok && outcome.stage === 'script') this.#logger.warn('Execution failed', { err: outcome.error });
    return outcome;
  }

  /** clef's checkApproval: `Approve` / `Reject` exactly, anything else (or an error) falls through. */
  async checkApproval(fn: string, argumentJson: string): Promise<ApprovalDecision> {
    const r = await this.execute(fn, argumentJson);
    if (!r.ok) {
      this.#logger.info('error occurred during execution', { error: r.error });
      return { decision: 'fallthrough', error: r.error, kind: r.kind };
    }
    if (r.value === 'Approve') {
      this.#logger.info('Op approved');
      return { decision: 'approve' };
    }
    if (r.value === 'Reject') {
      this.#logger.info('Op rejected');
      return { decision: 'reject' };
    }
    return { decision: 'fallthrough', error: 'unknown response', value: r.value };
  }

  /** Runs a notification callback (OnSignerStartup, OnApprovedTx); failures are only logged, as in clef. */
  async notify(fn: string, argumentJson: string): Promise<void> {
    // A rule file that never names OnApprovedTx would pay a whole sandbox run per signed transaction just to log
    // the ReferenceError; after the first such run the same line is logged without evaluating again.
    const known = this.#undefinedNotifications.get(fn);
    if (known !== undefined) {
      this.#logger.info('error occurred during execution', { error: known });
      return;
    }
    const r = await this.execute(fn, argumentJson);
    if (r.ok) return;
    this.#logger.info('error occurred during execution', { error: r.error });
    if (r.stage === 'call' && !this.#source.includes(fn)) this.#undefinedNotifications.set(fn, r.error);
  }

  /** Resolves when every callback queued so far has run (tests, orderly shutdown). */
  idle(): Promise<void> {
    return this.sandbox.idle();
  }
}
