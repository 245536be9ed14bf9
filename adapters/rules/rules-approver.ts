// The rules engine as clef wires it: a decorator of the next UI (rules-engine.md §4, ui-api.md §7). The three
// approval callbacks ask JavaScript first; everything else is forwarded (or, for OnApprovedTx, only given to JS).
import type {
  Approver,
  ListRequest,
  ListResponse,
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
} from '../../core/ports.ts';
import { RuleEngine } from './engine.ts';
import type { ApprovalDecision, RuleRunner } from './engine.ts';
import type { RuleSandbox, SandboxLimits } from './sandbox.ts';
import { EncryptedRuleStorage } from './storage.ts';
import type { BatchStore, RuleStorage } from './storage.ts';
import { WorkerRuleRunner } from './worker-runner.ts';

/** Options of RulesApprover. */
export interface RulesApproverOptions {
  /** The attested rule file's text. */
  source: string;
  /** The rule file's name as given, for error messages (default `rules.js`). */
  fileName?: string;
  /** The UI asked on fall-through (console UI or stdio UI). */
  next: Approver;
  /** Backing store of the `storage` global (EncryptedRuleStorage over the vault's jsstorage.json). */
  storage: RuleStorage;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
  sandbox?: RuleSandbox;
  /** Where evaluations run (default: in this thread). */
  runner?: RuleRunner;
  /** Where `console.log/error` lines go (default: process stderr). */
  writeConsole?: (text: string) => void;
}

/** What the daemon hands over once the rule file is attested (shape of cli/daemon-core.ts's `rulesEngine`). */
export interface DaemonRulesArgs {
  source: string;
  /** The rules file as given to --rules (named in error messages). */
  fileName: string;
  /** The vault's jsstorage.json. */
  storagePath: string;
  /** Keccak256("jsstorage" ‖ seed). */
  storageKey: Uint8Array;
  /** The vault's store of jsstorage.json: each evaluation's writes are committed through it, once. */
  storageStore: BatchStore;
  next: Approver;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
}

/**
 * Builds the decorator over the encrypted jsstorage.json with evaluations in a worker thread, starts QuickJS (so a
 * broken build fails at start-up) and compiles the rule file once (`syntaxError`).
 */
export async function createRulesApprover(args: DaemonRulesArgs): Promise<RulesApprover> {
  const storage = new EncryptedRuleStorage(args.storagePath, args.storageKey, { logger: args.logger, store: args.storageStore });
  const runner = new WorkerRuleRunner({
    source: args.source,
    fileName: args.fileName,
    storage: { path: args.storagePath, key: args.storageKey },
    logger: args.logger,
    limits: args.limits,
  });
  const approver = new RulesApprover({ source: args.source, fileName: args.fileName, next: args.next, storage, logger: args.logger, runner });
  await approver.ready();
  return approver;
}

/** JSON text of a callback argument, as clef's json.Marshal hands it to JS (absent → `null`). */
function argumentJson(req: unknown): string {
  return JSON.stringify(req ?? null) ?? 'null';
}

/** clef's rulesetUI: auto-approves or rejects what the rule file decides, hands the rest to `next` unchanged. */
export class RulesApprover implements Approver {
  readonly engine: RuleEngine;
  readonly #next: Approver;
  readonly #logger: Logger;
  #syntaxError: string | null = null;

  constructor(options: RulesApproverOptions) {
    this.#next = options.next;
    this.#logger = options.logger;
    this.engine = new RuleEngine(options);
  }

  /**
   * Starts the JavaScript engine now instead of on the first request (surfaces a broken build early) and compiles
   * the rule file: a file that does not parse stays configured, as in clef (every callback falls through), but is
   * reported (`syntaxError`, WARN `Rules file does not parse`).
   */
  async ready(): Promise<void> {
    await this.engine.runner.ready();
    this.#syntaxError = await this.engine.runner.checkSyntax();
    if (this.#syntaxError !== null) this.#logger.warn('Rules file does not parse, every request goes to the UI', { err: this.#syntaxError });
  }

  /** The rule file's SyntaxError found by ready(), or null. */
  get syntaxError(): string | null {
    return this.#syntaxError;
  }

  /** Stops the engine (the worker thread) after the queued callbacks. */
  close(): Promise<void> {
    return this.engine.close();
  }

  /** Resolves when every queued rule callback (e.g. OnApprovedTx) has run. */
  idle(): Promise<void> {
    return this.engine.idle();
  }

  async #decide(fn: string, req: unknown): Promise<ApprovalDecision> {
    const d = await this.engine.checkApproval(fn, argumentJson(req));
    if (d.decision === 'fallthrough') this.#logger.info('Rule-based approval error, going to manual', { error: d.error });
    return d;
  }

  async approveTx(req: SignTxRequest): Promise<SignTxResponse> {
    const d = await this.#decide('ApproveTx', req);
    if (d.decision === 'fallthrough') return this.#next.approveTx(req);
    // Rules cannot modify the transaction: an approval signs exactly what was requested.
    return d.decision === 'approve' ? { approved: true, transaction: req.transaction } : { approved: false };
  }

  async approveSignData(req: SignDataRequest): Promise<SignDataResponse> {
    const d = await this.#decide('ApproveSignData', req);
    if (d.decision === 'fallthrough') return this.#next.approveSignData(req);
    return { approved: d.decision === 'approve' };
  }

  async approveListing(req: ListRequest): Promise<ListResponse> {
    const d = await this.#decide('ApproveListing', req);
    if (d.decision === 'fallthrough') return this.#next.approveListing(req);
    // No filtering from JS: an approval reveals every account of the request.
    return d.decision === 'approve' ? { accounts: req.accounts } : { accounts: null };
  }

  /** Account creation needs a typed password: never automatic. */
  approveNewAccount(req: NewAccountRequest): Promise<NewAccountResponse> {
    return this.#next.approveNewAccount(req);
  }

  showError(text: string): void {
    this.#logger.error(text);
    this.#next.showError(text);
  }

  showInfo(text: string): void {
    this.#logger.info(text);
    this.#next.showInfo(text);
  }

  /** Only the rule sees it (clef quirk kept: the next UI never gets ui_onApprovedTx while rules are active). */
  onApprovedTx(result: SignTransactionResult): void {
    void this.engine.notify('OnApprovedTx', argumentJson(result));
  }

  /** Forwarded first, then given to the rule. */
  onSignerStartup(info: StartupInfo): void {
    this.#next.onSignerStartup(info);
    void this.engine.notify('OnSignerStartup', argumentJson(info));
  }

  /** Passwords and PINs are always typed by a human. */
  onInputRequired(req: UserInputRequest): Promise<UserInputResponse> {
    return this.#next.onInputRequired(req);
  }
}
