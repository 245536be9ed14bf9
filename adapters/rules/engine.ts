// clef's rule execution (rules-engine.md §2, §5): run the attested rule file in a fresh sandbox for every callback,
// bind `storage` to the rule storage with clef's String()/delete semantics, and turn the completion value into an
// approval decision with clef's log lines.
import process from 'node:process';
import type { Logger } from '../../core/ports.ts';
import { RuleSandbox } from './sandbox.ts';
import type { EvaluationOutcome, FailureKind, SandboxLimits } from './sandbox.ts';
import { DEFAULT_STORAGE_LIMITS, StorageBatch } from './storage.ts';
import type { RuleStorage, StorageChange, StorageLimits } from './storage.ts';
import { errorMessage } from '../../core/errors.ts';

/** Result of running one callback: its String() completion value or the error that stopped it. */
export type ExecutionResult =
  | { ok: true; value: string }
  | { ok: false; error: string; stage: 'script' | 'call'; kind: FailureKind };

/** What an approval callback decided; `fallthrough` goes to the next UI (`unknown response` or the JS error). */
export type ApprovalDecision =
  | { decision: 'approve' }
  | { decision: 'reject' }
  | { decision: 'fallthrough'; error: string; value?: string; kind?: FailureKind };

/** What one evaluation produced: its outcome and the storage writes to make durable. */
export interface RunResult {
  outcome: EvaluationOutcome;
  changes: StorageChange[];
}

/** Where evaluations run: in this thread (RuleSandbox) or in a worker thread (WorkerRuleRunner). */
export interface RuleRunner {
  /** Evaluates `<fn>(JSON.parse(argumentJson))`, streaming console lines; never rejects. One call at a time. */
  run(fn: string, argumentJson: string, onConsole: (line: string) => void): Promise<RunResult>;
  /** Starts the JavaScript engine; rejects if it cannot start. */
  ready(): Promise<void>;
  /** The SyntaxError of the rule file, or null. */
  checkSyntax(): Promise<string | null>;
  close(): Promise<void>;
}

/** Runs evaluations in this thread (tests, `clef rules test`); storage reads go straight to `storage`. */
class InlineRuleRunner implements RuleRunner {
  readonly sandbox: RuleSandbox;
  readonly #source: string;
  readonly #fileName: string;
  readonly #storage: RuleStorage;
  readonly #storageLimits: StorageLimits;

  constructor(options: { source: string; fileName?: string; storage: RuleStorage; sandbox?: RuleSandbox; limits?: Partial<SandboxLimits>; storageLimits?: StorageLimits }) {
    this.sandbox = options.sandbox ?? new RuleSandbox(options.limits);
    this.#source = options.source;
    this.#fileName = options.fileName ?? 'rules.js';
    this.#storage = options.storage;
    this.#storageLimits = options.storageLimits ?? DEFAULT_STORAGE_LIMITS;
  }

  async run(fn: string, argumentJson: string, onConsole: (line: string) => void): Promise<RunResult> {
    const batch = new StorageBatch(() => this.#storage.snapshot(), this.#storageLimits);
    const outcome = await this.sandbox.evaluate({
      source: this.#source,
      fileName: this.#fileName,
      functionName: fn,
      argumentJson,
      host: { console: onConsole, storageGet: (k) => batch.get(k), storagePut: (k, v) => batch.put(k, v) },
    });
    return { outcome, changes: batch.changes() };
  }

  ready(): Promise<void> {
    return this.sandbox.ready();
  }

  checkSyntax(): Promise<string | null> {
    return this.sandbox.checkSyntax(this.#source, this.#fileName);
  }

  async close(): Promise<void> {}
}

/** Options of RuleEngine. */
export interface RuleEngineOptions {
  /** The rule file's text (read once at start-up). */
  source: string;
  /** The rule file's name as given (`--rules`), used in error messages; default `rules.js`. */
  fileName?: string;
  storage: RuleStorage;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
  storageLimits?: StorageLimits;
  /** A sandbox to share (tests); by default the engine owns one. Ignored when `runner` is given. */
  sandbox?: RuleSandbox;
  /** Where evaluations run (default: an InlineRuleRunner in this thread). */
  runner?: RuleRunner;
  /** Receives each console line with its newline; default: process stderr (clef bypasses the logger here). */
  writeConsole?: (text: string) => void;
}

function defaultConsole(text: string): void {
  process.stderr.write(text);
}

/**
 * Runs rule callbacks one at a time (call order), each in a brand-new JavaScript context. An evaluation's storage
 * writes are committed once, after it finishes and before its decision is returned, and before the next one starts.
 */
export class RuleEngine {
  readonly runner: RuleRunner;
  readonly #source: string;
  readonly #storage: RuleStorage;
  readonly #logger: Logger;
  readonly #writeConsole: (text: string) => void;
  /** Notification callbacks the rule file never names: their (deterministic) failure text after one real run. */
  readonly #undefinedNotifications = new Map<string, string>();
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: RuleEngineOptions) {
    this.#source = options.source;
    this.#storage = options.storage;
    this.#logger = options.logger;
    this.#writeConsole = options.writeConsole ?? defaultConsole;
    this.runner = options.runner ?? new InlineRuleRunner(options);
  }

  /** The in-thread sandbox (tests), when evaluations run in this thread. */
  get sandbox(): RuleSandbox | undefined {
    return this.runner instanceof InlineRuleRunner ? this.runner.sandbox : undefined;
  }

  /** Runs the rule file, then `<fn>(JSON.parse(<argumentJson>))`; logs WARN `Execution failed` if the file itself fails. */
  execute(fn: string, argumentJson: string): Promise<ExecutionResult> {
    const run = this.#tail.then(() => this.#executeNow(fn, argumentJson));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #executeNow(fn: string, argumentJson: string): Promise<ExecutionResult> {
    const { outcome: first, changes } = await this.runner.run(fn, argumentJson, (line) => {
      try {
        this.#writeConsole(`${line}\n`);
      } catch {
        // clef ignores stderr write errors too
      }
    });
    let outcome: EvaluationOutcome = first;
    if (changes.length > 0) {
      // Written even when the rule failed later (clef writes at once), and durable before anyone acts on the
      // decision: a slashing rule that recorded a height and approved must not sign if the record was lost.
      try {
        await this.#storage.commit(changes);
      } catch (e) {
        const err = errorMessage(e);
        this.#logger.warn('Failed to write entry', { err });
        if (outcome.ok) outcome = { ok: false, stage: 'call', kind: 'exception', error: `storage failure: ${err}` };
      }
    }
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

  /** Resolves when every callback queued so far has run and committed (tests, orderly shutdown). */
  async idle(): Promise<void> {
    let tail: Promise<unknown>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  /** Waits for queued callbacks, then stops the runner (a worker thread). */
  async close(): Promise<void> {
    await this.idle();
    await this.runner.close();
  }
}
