// `clef rules test RULES.js REQUEST.json…` (new command): dry-runs a rule file against saved requests, in order,
// with the daemon's engine and limits but no vault: prints one line per request saying what the rules decided.
import { statSync } from 'node:fs';
import { FileTooLargeError, READ_LIMITS, formatSize, readFileBounded, readTextBounded } from '../../adapters/fs/bounded-read.ts';
import { sha256, toHexRaw } from '../../core/bytes.ts';
import type { Logger } from '../../core/ports.ts';
import { RuleEngine } from '../../adapters/rules/engine.ts';
import { JsonFileRuleStorage, MemoryRuleStorage } from '../../adapters/rules/storage.ts';
import type { RuleStorage } from '../../adapters/rules/storage.ts';
import { errorMessage } from '../../core/errors.ts';

/** Where the command writes. */
export interface RulesTestIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** Callbacks a request file can name; the first three decide, the last two are notifications. */
const CALLBACKS = ['ApproveTx', 'ApproveSignData', 'ApproveListing', 'OnApprovedTx', 'OnSignerStartup'] as const;
type Callback = (typeof CALLBACKS)[number];

/** Wire names of the stdio UI (ui-api.md §4), so captured `ui_*` requests can be replayed as they are. */
const WIRE_NAMES: Record<string, Callback> = {
  ui_approveTx: 'ApproveTx',
  ui_approveSignData: 'ApproveSignData',
  ui_approveListing: 'ApproveListing',
  ui_onApprovedTx: 'OnApprovedTx',
  ui_onSignerStartup: 'OnSignerStartup',
};

/** Callbacks that clef never hands to the rules. */
const NEVER_AUTOMATIC = new Set(['ApproveNewAccount', 'OnInputRequired', 'ShowInfo', 'ShowError', 'ui_approveNewAccount', 'ui_onInputRequired', 'ui_showInfo', 'ui_showError']);

export const RULES_TEST_USAGE = 'usage: clef rules test [--storage FILE.json] RULES.js REQUEST.json…';

type Parsed = { callback: Callback; request: unknown } | { skip: string } | { error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `{"method", "request"}`, a JSON-RPC `{"method", "params": [req]}`, or a bare request (kind inferred). */
function parseRequestFile(text: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `invalid JSON: ${errorMessage(e)}` };
  }
  if (!isObject(v)) return { error: 'not a JSON object' };
  if (typeof v.method === 'string') {
    const method = v.method;
    if (NEVER_AUTOMATIC.has(method)) return { skip: `${method}: not consulted (always goes to the UI)` };
    const callback = (CALLBACKS as readonly string[]).includes(method) ? (method as Callback) : WIRE_NAMES[method];
    if (!callback) return { error: `unknown method ${JSON.stringify(method)}` };
    if ('request' in v) return { callback, request: v.request };
    if (Array.isArray(v.params)) return { callback, request: v.params[0] ?? null };
    return { error: 'missing "request"' };
  }
  if ('transaction' in v) return { callback: 'ApproveTx', request: v };
  if ('content_type' in v) return { callback: 'ApproveSignData', request: v };
  if ('accounts' in v) return { callback: 'ApproveListing', request: v };
  if ('raw' in v && 'tx' in v) return { callback: 'OnApprovedTx', request: v };
  if ('info' in v) return { callback: 'OnSignerStartup', request: v };
  return { error: 'cannot tell the callback: give {"method": …, "request": …}' };
}

/** Logger that drops records: the command reports decisions itself. */
const quietLogger: Logger = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** Runs the command; resolves to the exit code (0, or 1 when an input could not be read or the rules do not parse). */
export async function runRulesTest(args: string[], io: RulesTestIo): Promise<number> {
  let storagePath: string | null = null;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--storage' || a === '-storage') {
      if (i + 1 >= args.length) {
        io.stderr(`--storage needs a file\n${RULES_TEST_USAGE}\n`);
        return 1;
      }
      storagePath = args[++i];
    } else if (a.startsWith('--storage=')) storagePath = a.slice('--storage='.length);
    else if (a === '-h' || a === '--help') {
      io.stdout(`${RULES_TEST_USAGE}\n`);
      return 0;
    } else files.push(a);
  }
  if (files.length < 1) {
    io.stderr(`${RULES_TEST_USAGE}\n`);
    return 1;
  }
  const [rulesPath, ...requestPaths] = files;
  let raw: Uint8Array;
  try {
    raw = await readFileBounded(rulesPath, READ_LIMITS.rules, 'rules file');
  } catch (e) {
    io.stderr(e instanceof FileTooLargeError ? `${e.message}\n` : `${rulesPath}: cannot read rules: ${errorMessage(e)}\n`);
    return 1;
  }
  let storage: RuleStorage;
  try {
    if (storagePath) {
      // The storage adapter reads the whole file: refuse a device or an oversized file first.
      const st = statSync(storagePath, { throwIfNoEntry: false });
      if (st && (!st.isFile() || st.size > READ_LIMITS.request)) {
        throw new Error(`not a regular file of at most ${formatSize(READ_LIMITS.request)}`);
      }
    }
    storage = storagePath ? new JsonFileRuleStorage(storagePath) : new MemoryRuleStorage();
  } catch (e) {
    io.stderr(`${storagePath}: cannot read storage: ${errorMessage(e)}\n`);
    return 1;
  }
  // The hash `clef attest` needs for this exact file.
  io.stderr(`${rulesPath}: sha256 ${toHexRaw(sha256(raw))}\n`);
  const engine = new RuleEngine({
    source: new TextDecoder().decode(raw),
    fileName: rulesPath,
    storage,
    logger: quietLogger,
    writeConsole: (text) => io.stderr(text),
  });
  // The daemon would report rules=broken: every request falls through. Say so and fail, after running them.
  const syntaxError = await engine.runner.checkSyntax();
  let status = 0;
  if (syntaxError !== null) {
    io.stderr(`${rulesPath}: does not parse, every request would go to the UI: ${syntaxError}\n`);
    status = 1;
  }

  for (const path of requestPaths) {
    let text: string;
    try {
      text = await readTextBounded(path, READ_LIMITS.request, 'request file');
    } catch (e) {
      io.stderr(e instanceof FileTooLargeError ? `${e.message}\n` : `${path}: cannot read: ${errorMessage(e)}\n`);
      status = 1;
      continue;
    }
    const parsed = parseRequestFile(text);
    if ('error' in parsed) {
      io.stderr(`${path}: ${parsed.error}\n`);
      status = 1;
      continue;
    }
    if ('skip' in parsed) {
      io.stdout(`${path}: ${parsed.skip}\n`);
      continue;
    }
    const json = JSON.stringify(parsed.request ?? null);
    if (parsed.callback === 'OnApprovedTx' || parsed.callback === 'OnSignerStartup') {
      const r = await engine.execute(parsed.callback, json);
      io.stdout(`${path}: ${parsed.callback}: ${r.ok ? 'done' : `error (${r.error})`}\n`);
      continue;
    }
    const d = await engine.checkApproval(parsed.callback, json);
    let verdict: string;
    if (d.decision === 'approve') verdict = 'Approve';
    else if (d.decision === 'reject') verdict = 'Reject';
    else if (d.value !== undefined) verdict = `fall-through to the UI (unknown response ${JSON.stringify(truncate(d.value))})`;
    else verdict = `fall-through to the UI (${d.kind && d.kind !== 'exception' ? `${d.kind}: ` : ''}${d.error})`;
    io.stdout(`${path}: ${parsed.callback}: ${verdict}\n`);
  }
  return status;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
