// Wiring of the signer daemon (cli.md §7.1): build the adapters, hand them to the core, open the transports.
// Everything here is construction and start-up order; decisions live in core/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toChecksumAddress } from '../core/bytes.ts';
import { checkRulesAttestation } from '../core/rules-attestation.ts';
import { FatalError, SignerError, errorMessage } from '../core/errors.ts';
import { accountMethods, tableHandler } from '../core/api.ts';
import { Signer, EXTERNAL_API_VERSION, INTERNAL_API_VERSION } from '../core/signer.ts';
import { CliqueGuard, refuseAllClique } from '../core/clique-guard.ts';
import type { FourByteDb } from '../core/fourbyte.ts';
import { prepareMasterSeed, unlockPreparedVault, type UnlockedVault } from './secrets.ts';
import type { Approver, HardwareWallets, Kdf, KeyStore, Logger, SecretStore, Vault } from '../core/ports.ts';
import type { MethodTable, RpcHandler, RpcMethod } from '../core/rpc.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';
import { systemClock, systemRandom } from '../adapters/crypto/system.ts';
import { DirKeyStore } from '../adapters/keystore/dir-keystore.ts';
import { UsbWallets } from '../adapters/usb/usb-wallets.ts';
import { JsonRpcServer } from '../adapters/transport/jsonrpc.ts';
import { servedLogger } from '../adapters/log/clef-logger.ts';
import { startIpcServer } from '../adapters/transport/ipc.ts';
import { startHttpServer } from '../adapters/transport/http.ts';
import { AuditLog, openAuditFile } from '../adapters/audit/audit-log.ts';
import { loadFourByteDb } from '../adapters/fourbyte/fourbyte-file.ts';
import { withApprovalTimeout, withCancellation } from '../adapters/ui/timeout.ts';
import { tryLock, type FileLock } from '../adapters/fs/lock.ts';
import { hasCode } from '../adapters/fs/atomic.ts';

/** Everything the daemon needs, already resolved from flags and defaults. */
export interface DaemonOptions {
  configdir: string;
  keystore: string;
  chainId: bigint;
  lightKdf: boolean;
  advanced: boolean;
  /** Look for USB hardware wallets (false with --nousb: the usb addon is never loaded). */
  usb?: boolean;
  /** Full path of the IPC socket, or null with --ipcdisable. */
  ipcPath: string | null;
  http: { host: string; port: number; vhosts: string[] } | null;
  /** --signersecret FILE, if given (an encrypted seed or a master-password file, told apart by content). */
  signerSecret: string | null;
  fourByteCustom: string;
  /** --4bytedb FILE: an extra, larger selector database (new). */
  fourByteExtra: string | null;
  /** Audit log path; "" disables. */
  auditLog: string;
  rules: string | null;
  cliqueProtect: boolean;
  /** Reject an approval nobody answers after this many ms; 0 disables. */
  approvalTimeoutMs: number;
  logger: Logger;
  /** The human-facing approver (console or stdio UI). */
  ui: Approver;
  /** Builds the rules decorator in front of the UI (kept out of this module so rules load lazily). */
  rulesEngine?: (args: {
    source: string;
    /** The --rules path as given, named in rule errors. */
    fileName: string;
    storagePath: string;
    storageKey: Uint8Array;
    /** The vault's jsstorage store: rule writes are committed through it. */
    storageStore: SecretStore;
    next: Approver;
    logger: Logger;
  }) => Promise<RulesDecorator>;
  /** Key derivation (default NodeKdf); the CLI passes one whose scrypt shows progress on a terminal. */
  kdf?: Kdf;
  /** Wraps slow start-up work (master seed decryption) to show progress on a terminal. */
  progress?: <T>(label: string, work: Promise<T>) => Promise<T>;
  /** Called once the signer exists, before the start-up notification (the console lists its accounts). */
  onSigner?: (signer: Signer, keystore: KeyStore, approver: Approver, hardware?: HardwareWallets) => void;
  /** Aborted when a stop was requested (SIGINT/SIGTERM): start-up gives up at the next step, prompts are withdrawn. */
  signal?: AbortSignal;
}

/** Start-up was abandoned because a stop was requested. */
export class StartupInterrupted extends Error {
  constructor() {
    super('start-up interrupted');
    this.name = 'StartupInterrupted';
  }
}

function checkStop(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StartupInterrupted();
}

/** How long close() lets requests in flight finish (their questions are withdrawn first) before closing anyway. */
const DRAIN_MS = 5000;

/** The rules engine as the daemon sees it: an Approver that knows whether its file parsed. */
interface RulesDecorator extends Approver {
  /** The rule file's SyntaxError (naming the file), or null. */
  readonly syntaxError: string | null;
  close(): Promise<void>;
}

/** What a supervisor of an unattended signer needs to know. */
export interface ReadinessStatus {
  seedUnlocked: boolean;
  /** `broken`: attested and configured, but the file does not parse, so every request falls through to the UI. */
  rules: 'active' | 'broken' | 'off' | 'not-attested' | 'unreadable' | 'no-vault';
  /** The rule file's error when `rules` is `broken`. */
  rulesError?: string;
  rulesFile: string | null;
  accounts: number;
  accountsWithStoredPassword: number;
  /** Key files without an `address` member (cast writes them): invisible until `clef addaddress`. */
  unaddressedKeyFiles: number;
  cliqueProtect: boolean;
  ipc: string | null;
  http: string | null;
}

export interface RunningDaemon {
  signer: Signer;
  handler: RpcHandler;
  approver: Approver;
  status(): Promise<ReadinessStatus>;
  close(): Promise<void>;
}

/** Step 1, unlock: master seed → vault (cli.md §7.1 step 5); null (after a warning) on any failure. */
async function unlockSeed(opts: DaemonOptions): Promise<UnlockedVault | null> {
  const { logger } = opts;
  try {
    // A missing or insecure seed fails here, before anyone is asked for a password.
    const prepared = await prepareMasterSeed({ configdir: opts.configdir, signersecret: opts.signerSecret, logger });
    return await unlockPreparedVault(prepared, {
      configdir: opts.configdir,
      signersecret: opts.signerSecret,
      logger,
      kdf: opts.kdf ?? new NodeKdf(),
      ask: async () =>
        (
          await opts.ui.onInputRequired(
            { title: 'Master Password', prompt: 'Please enter the password to decrypt the master seed', isPassword: true },
            opts.signal,
          )
        ).text,
      // A stop requested during the scrypt run ends start-up before the vault is opened.
      progress: async (label, work) => {
        const r = await (opts.progress ? opts.progress(label, work) : work);
        checkStop(opts.signal);
        return r;
      },
    });
  } catch (e) {
    checkStop(opts.signal);
    logger.warn('Failed to open master, rules disabled', { err: errorMessage(e) });
    return null;
  }
}

/** Name of the lock a daemon holds in its configdir for its whole life. */
const DAEMON_LOCK_NAME = 'daemon.lock';

/**
 * One daemon per configdir: two signers on one vault double-sign under --clique-protect and steal each other's
 * socket. The lock of a killed daemon is stale (its pid is gone) and taken over. No configdir yet: nothing to guard.
 */
function lockConfigdir(configdir: string): FileLock | null {
  if (configdir === '') return null;
  const path = join(configdir, DAEMON_LOCK_NAME);
  let r: ReturnType<typeof tryLock>;
  try {
    r = tryLock(path);
  } catch (e) {
    if (hasCode(e, 'ENOENT') || hasCode(e, 'ENOTDIR')) return null;
    throw new FatalError(`cannot lock configdir ${configdir}: ${errorMessage(e)}`);
  }
  if ('release' in r) return r;
  const who = r.owner ? `pid ${r.owner.pid}` : 'another process';
  throw new FatalError(
    `another clef daemon (${who}) is running on configdir ${configdir} (lock ${path}): stop it first, two signers on one vault can double-sign`,
  );
}

/** Starts the daemon: returns once the endpoints are open. */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const daemonLock = lockConfigdir(opts.configdir);
  try {
    return await startLockedDaemon(opts, daemonLock);
  } catch (e) {
    daemonLock?.release();
    throw e;
  }
}

/** The start-up order, with the configdir locked: each step is one function below. */
async function startLockedDaemon(opts: DaemonOptions, daemonLock: FileLock | null): Promise<RunningDaemon> {
  const fourByte = await loadSelectors(opts);
  checkStop(opts.signal);
  const unlocked = await unlockSeed(opts);
  checkStop(opts.signal);
  const chain = await buildApproverChain(opts, unlocked);
  const parts = await buildSigner(opts, unlocked?.vault ?? null, fourByte, chain.approver);
  const transports = await openTransports(opts, parts.signer);
  opts.onSigner?.(parts.signer, parts.keystore, chain.approver, parts.hardware);
  chain.approver.onSignerStartup({
    info: {
      intapi_version: INTERNAL_API_VERSION,
      extapi_version: EXTERNAL_API_VERSION,
      extapi_http: transports.httpUrl ?? 'n/a',
      extapi_ipc: transports.ipcUrl ?? 'n/a',
    },
  });
  return {
    signer: parts.signer,
    handler: tableHandler(transports.methods),
    approver: chain.approver,
    status: () => readiness(opts, unlocked?.vault ?? null, chain, parts.keystore, transports),
    close: () => closeDaemon(opts.logger, chain, parts, transports, daemonLock),
  };
}

/** The selector database: embedded, custom (`--4bytedb-custom`) and extra (`--4bytedb`). */
async function loadSelectors(opts: DaemonOptions): Promise<FourByteDb> {
  const fourByte = await loadFourByteDb(opts.fourByteCustom, opts.fourByteExtra, opts.logger);
  const { embeds, locals } = fourByte.stats();
  opts.logger.info('Loaded 4byte database', { embeds, locals, local: opts.fourByteCustom });
  return fourByte;
}

/** The approvers in front of the signer, outermost first, and how to withdraw their questions. */
interface ApproverChain {
  approver: Approver;
  rules: RulesDecorator | null;
  rulesState: ReadinessStatus['rules'];
  rulesError?: string;
  /** Withdraws every pending question (shutdown). */
  cancelAll(): void;
}

/** Step 2, approver chain: UI → cancellation → approval timeout → rules decorator (when attested). */
async function buildApproverChain(opts: DaemonOptions, unlocked: UnlockedVault | null): Promise<ApproverChain> {
  const { logger } = opts;
  // Shutdown withdraws every pending question (the console drops its read) before endpoints and audit log close.
  const shutdown = new AbortController();
  const stopping = new SignerError('request cancelled: the signer is shutting down');
  const cancelAll = () => shutdown.abort(stopping);
  opts.signal?.addEventListener('abort', cancelAll, { once: true });
  let approver: Approver = withCancellation(opts.ui, shutdown.signal);
  if (opts.approvalTimeoutMs > 0) approver = withApprovalTimeout(approver, opts.approvalTimeoutMs, logger);
  if (!opts.rules) return { approver, rules: null, rulesState: 'off', cancelAll };
  if (!unlocked) {
    logger.warn('Rules disabled: the master seed is not unlocked', { file: opts.rules });
    return { approver, rules: null, rulesState: 'no-vault', cancelAll };
  }
  // Read once: the bytes hashed are the bytes run (a file swapped after the check never runs).
  let bytes: Uint8Array;
  try {
    bytes = await readFile(opts.rules);
  } catch (e) {
    logger.warn('Could not load rules, disabling', { file: opts.rules, err: errorMessage(e) });
    return { approver, rules: null, rulesState: 'unreadable', cancelAll };
  }
  const stored = await unlocked.vault.config.get('ruleset_sha256').catch(() => '');
  const attestation = checkRulesAttestation(bytes, stored);
  if (!attestation.attested) {
    // clef disabled rules quietly here; an unattended sealer then hangs on a prompt. Say it loudly.
    logger.warn('Rule hash not attested, disabling', { hash: attestation.hash, attested: stored });
    logger.warn('RULES ARE OFF: every request now needs a human. Attest the file with `clef attest <sha256>` and restart.', {
      file: opts.rules,
    });
    return { approver, rules: null, rulesState: 'not-attested', cancelAll };
  }
  // No engine wired in (library use): reported as before, as no-vault.
  if (!opts.rulesEngine) return { approver, rules: null, rulesState: 'no-vault', cancelAll };
  const rules = await opts.rulesEngine({
    source: attestation.source,
    fileName: opts.rules,
    storagePath: unlocked.storagePath,
    storageKey: unlocked.storageKey,
    storageStore: unlocked.vault.jsStorage,
    next: approver,
    logger,
  });
  logger.info('Rule engine configured', { file: opts.rules });
  if (rules.syntaxError === null) return { approver: rules, rules, rulesState: 'active', cancelAll };
  return { approver: rules, rules, rulesState: 'broken', rulesError: rules.syntaxError, cancelAll };
}

/** The signer and the wallets it signs with. */
interface SignerParts {
  signer: Signer;
  keystore: DirKeyStore;
  hardware?: UsbWallets;
}

/** Step 3, signer construction: keystore, USB wallets (unless --nousb), clique guard, then the core Signer. */
async function buildSigner(opts: DaemonOptions, vault: Vault | null, fourByte: FourByteDb, approver: Approver): Promise<SignerParts> {
  const { logger } = opts;
  const keystore = new DirKeyStore(opts.keystore, { logger });
  let hardware: UsbWallets | undefined;
  if (opts.usb !== false) {
    // PIN/passphrase prompts go to the approver in front (rules pass input requests on to the UI).
    const usb = new UsbWallets(logger, { approver: () => approver });
    if (await usb.announce()) {
      hardware = usb;
      usb.watch();
    }
  }
  const cliqueGuard = opts.cliqueProtect && vault ? new CliqueGuard(vault.config) : undefined;
  if (opts.cliqueProtect && !vault) logger.warn('Clique protection needs the vault; refusing all clique headers until the seed is unlocked');
  const signer = new Signer(
    {
      keystore,
      kdf: opts.kdf ?? new NodeKdf(),
      random: systemRandom,
      approver,
      credentials: vault?.credentials ?? null,
      fourByte,
      logger,
      hardware,
      cliqueGuard: cliqueGuard ?? (opts.cliqueProtect ? refuseAllClique : undefined),
    },
    {
      chainId: opts.chainId,
      advanced: opts.advanced,
      keyParams: opts.lightKdf ? { n: 4096, p: 6 } : { n: 262144, p: 1 },
      cacheKeys: true,
    },
  );
  logger.info('Starting signer', { chainid: opts.chainId, keystore: opts.keystore, 'light-kdf': opts.lightKdf, advanced: opts.advanced });
  if (opts.advanced) logger.info('Clef is in advanced mode: will warn instead of reject');
  return { signer, keystore, hardware };
}

/** The open endpoints and what close() must wait for and shut. */
interface Transports {
  /** The account_* table as served: audit-logged and in-flight tracked. */
  methods: MethodTable;
  /** Requests in flight, so close() can let them answer before the endpoints and the audit log go. */
  inflight: Set<Promise<unknown>>;
  audit: { close(): Promise<void> } | null;
  /** IPC first, then HTTP. */
  closers: (() => Promise<void>)[];
  ipcUrl: string | null;
  httpUrl: string | null;
}

/** Step 4, transports: method table → audit decorator → in-flight tracking → one JSON-RPC server on IPC and HTTP. */
async function openTransports(opts: DaemonOptions, signer: Signer): Promise<Transports> {
  const { logger } = opts;
  let methods: MethodTable = accountMethods(signer);
  let audit: Transports['audit'] = null;
  if (opts.auditLog !== '') {
    const file = await openAuditFile(opts.auditLog, (msg, ctx) => logger.warn(msg, ctx));
    const log = new AuditLog(file, systemClock);
    log.configured(opts.auditLog);
    methods = log.decorate(methods);
    audit = file;
    logger.info('Audit logs configured', { file: opts.auditLog });
  }
  const inflight = new Set<Promise<unknown>>();
  methods = trackInflight(methods, inflight);
  checkStop(opts.signal);

  const rpc = new JsonRpcServer(methods, { logger, onServed: servedLogger(logger) });
  const t: Transports = { methods, inflight, audit, closers: [], ipcUrl: null, httpUrl: null };
  if (opts.http) {
    const h = await startHttpServer({ host: opts.http.host, port: opts.http.port, vhosts: opts.http.vhosts }, rpc, logger);
    t.httpUrl = h.url;
    logger.info('HTTP endpoint opened', { url: h.url });
    t.closers.push(async () => {
      await h.close();
      logger.info('HTTP endpoint closed', { url: h.url });
    });
  }
  if (opts.ipcPath) {
    const i = await startIpcServer(opts.ipcPath, rpc, logger);
    t.ipcUrl = i.url;
    logger.debug('IPCs registered', { namespaces: 'account' });
    logger.info('IPC endpoint opened', { url: i.url });
    t.closers.unshift(async () => {
      await i.close();
      logger.info('IPC endpoint closed', { url: i.url });
    });
  }
  return t;
}

/** The readiness a supervisor checks (start and SIGHUP). */
async function readiness(
  opts: DaemonOptions,
  vault: Vault | null,
  chain: ApproverChain,
  keystore: KeyStore,
  t: Transports,
): Promise<ReadinessStatus> {
  const accounts = await keystore.accounts().catch(() => []);
  const unaddressed = await keystore.unaddressed().catch(() => []);
  let stored = 0;
  if (vault) {
    // One read of credentials.json, not a lookup (and a warning) per account: 10,000 keys stay cheap.
    const names = new Set(await vault.credentials.keys().catch(() => [] as string[]));
    for (const a of accounts) if (names.has(toChecksumAddress(a.address)) || names.has(a.address)) stored++;
  }
  return {
    seedUnlocked: vault !== null,
    rules: chain.rulesState,
    ...(chain.rulesError !== undefined ? { rulesError: chain.rulesError } : {}),
    rulesFile: opts.rules,
    accounts: accounts.length,
    accountsWithStoredPassword: stored,
    unaddressedKeyFiles: unaddressed.length,
    cliqueProtect: opts.cliqueProtect,
    ipc: t.ipcUrl,
    http: t.httpUrl,
  };
}

/** Step 5, close: withdraw questions, let requests in flight answer, then endpoints, signer, rules, audit log, lock. */
async function closeDaemon(
  logger: Logger,
  chain: ApproverChain,
  parts: SignerParts,
  t: Transports,
  daemonLock: FileLock | null,
): Promise<void> {
  chain.cancelAll();
  if (t.inflight.size > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = Promise.allSettled([...t.inflight]).then(() => true);
    const late = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), DRAIN_MS)));
    if (!(await Promise.race([drained, late]))) logger.warn('Requests still running at shutdown', { count: t.inflight.size });
    clearTimeout(timer);
    // The transports write an answer after its handler settled: give them that turn before closing them.
    await new Promise((done) => setImmediate(done));
  }
  for (const c of t.closers) await c().catch((e) => logger.error('Close failed', { err: errorMessage(e) }));
  parts.signer.close();
  parts.hardware?.close();
  parts.keystore.close();
  if (chain.rules) await chain.rules.close().catch((e) => logger.error('Close failed', { err: errorMessage(e) }));
  if (t.audit) await t.audit.close();
  daemonLock?.release();
}

/** Readiness as log attributes (start and SIGHUP): what a supervisor of an unattended sealer checks. */
export function readinessAttrs(s: ReadinessStatus): Record<string, string | number> {
  return {
    seed: s.seedUnlocked ? 'unlocked' : 'LOCKED',
    rules: s.rules,
    ...(s.rulesError !== undefined ? { 'rules-error': s.rulesError } : {}),
    accounts: s.accounts,
    'stored-passwords': s.accountsWithStoredPassword,
    'unaddressed-keys': s.unaddressedKeyFiles,
    'clique-protect': s.cliqueProtect ? 'on' : 'off',
    ipc: s.ipc ?? 'n/a',
    http: s.http ?? 'n/a',
  };
}

/** Decorates every method so the promises of running calls are in `inflight` until they settle. */
function trackInflight(table: MethodTable, inflight: Set<Promise<unknown>>): MethodTable {
  const out = new Map<string, RpcMethod>();
  for (const [name, method] of table) {
    out.set(name, {
      params: method.params,
      run: (args, call) => {
        const p = method.run(args, call);
        inflight.add(p);
        const done = () => inflight.delete(p);
        p.then(done, done);
        return p;
      },
    });
  }
  return out;
}
