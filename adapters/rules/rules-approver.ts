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
import type { ApprovalDecision } from './engine.ts';
import type { RuleSandbox, SandboxLimits } from './sandbox.ts';
import { EncryptedRuleStorage } from './storage.ts';
import type { RuleStorage } from './storage.ts';

/** Options of RulesApprover. */
export interface RulesApproverOptions {
  /** The attested rule file's text. */
  source: string;
  /** The UI asked on fall-through (console UI or stdio UI). */
  next: Approver;
  /** Backing store of the `storage` global (EncryptedRuleStorage over the vault's jsstorage.json). */
  storage: RuleStorage;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
  sandbox?: RuleSandbox;
  /** Where `console.log/error` lines go (default: process stderr). */
  writeConsole?: (text: string) => void;
}

/** What the daemon hands over once the rule file is attested (shape of cli/daemon-core.ts's `rulesEngine`). */
export interface DaemonRulesArgs {
  source: string;
  /** The vault's jsstorage.json. */
  storagePath: string;
  /** Keccak256("jsstorage" ‖ seed). */
  storageKey: Uint8Array;
  next: Approver;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
}

/** Builds the decorator over the encrypted jsstorage.json and starts QuickJS (so a broken build fails at start-up). */
export async function createRulesApprover(args: DaemonRulesArgs): Promise<RulesApprover> {
  const storage = new EncryptedRuleStorage(args.storagePath, args.storageKey, { logger: args.logger });
  const approver = new RulesApprover({ source: args.source, next: args.next, storage, logger: args.logger, limits: args.limits });
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

  constructor(options: RulesApproverOptions) {
    this.#next = options.next;
    this.#logger = options.logger;
    this.engine = new RuleEngine(options);
  }

  /** Starts the JavaScript engine now instead of on the first request (surfaces a broken build early). */
  ready(): Promise<void> {
    return this.engine.sandbox.ready();
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
