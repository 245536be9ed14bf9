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
import { decryptMasterSeed } from '../core/masterseed.ts';
import { prepareMasterSeed } from './secrets.ts';
import { deriveVault } from '../core/vault.ts';
import type { Approver, HardwareWallets, Kdf, KeyStore, Logger, SecretStore, Vault } from '../core/ports.ts';
import type { MethodTable, RpcHandler, RpcMethod } from '../core/rpc.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';
import { systemClock, systemRandom } from '../adapters/crypto/system.ts';
import { DirKeyStore } from '../adapters/keystore/dir-keystore.ts';
import { UsbWallets } from '../adapters/usb/usb-wallets.ts';
import { openVault } from '../adapters/vault/masterseed-file.ts';
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
export interface RulesDecorator extends Approver {
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

interface Unlocked {
  vault: Vault;
  /** jsstorage.json of the vault and its key: the rules engine reads it synchronously. */
  storagePath: string;
  storageKey: Uint8Array;
}

/** Unlocks the master seed as clef's daemon does (cli.md §7.1 step 5); null (after a warning) on any failure. */
async function unlockSeed(opts: DaemonOptions): Promise<Unlocked | null> {
  const { logger } = opts;
  try {
    // A missing or insecure seed fails here, before anyone is asked for a password.
    const prepared = await prepareMasterSeed({ configdir: opts.configdir, signersecret: opts.signerSecret, logger });
    let password = prepared.password;
    if (password === null) {
      ({ text: password } = await opts.ui.onInputRequired(
        {
          title: 'Master Password',
          prompt: 'Please enter the password to decrypt the master seed',
          isPassword: true,
        },
        opts.signal,
      ));
    }
    const decrypting = decryptMasterSeed(prepared.seedText, password, opts.kdf ?? new NodeKdf());
    const { seed, warning } = await (opts.progress ? opts.progress('Decrypting master seed', decrypting) : decrypting);
    checkStop(opts.signal);
    if (warning) logger.warn(warning);
    try {
      const vault = await openVault(opts.configdir, seed, logger);
      const keys = deriveVault(seed);
      return { vault, storagePath: join(opts.configdir, vault.name, 'jsstorage.json'), storageKey: keys.jsStorageKey };
    } finally {
      seed.fill(0);
    }
  } catch (e) {
    checkStop(opts.signal);
    logger.warn('Failed to open master, rules disabled', { err: errorMessage(e) });
    return null;
  }
}

/** Name of the lock a daemon holds in its configdir for its whole life. */
export const DAEMON_LOCK_NAME = 'daemon.lock';

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

async function startLockedDaemon(opts: DaemonOptions, daemonLock: FileLock | null): Promise<RunningDaemon> {
  const { logger } = opts;
  const fourByte: FourByteDb = await loadFourByteDb(opts.fourByteCustom, opts.fourByteExtra, logger);
  logger.info('Loaded 4byte database', { embeds: fourByte.stats().embeds, locals: fourByte.stats().locals, local: opts.fourByteCustom });

  checkStop(opts.signal);
  const unlocked = await unlockSeed(opts);
  checkStop(opts.signal);
  const vault = unlocked?.vault ?? null;
  // Shutdown withdraws every pending question (the console drops its read) before endpoints and audit log close.
  const shutdown = new AbortController();
  const stopping = new SignerError('request cancelled: the signer is shutting down');
  opts.signal?.addEventListener('abort', () => shutdown.abort(stopping), { once: true });
  let approver: Approver = withCancellation(opts.ui, shutdown.signal);
  if (opts.approvalTimeoutMs > 0) approver = withApprovalTimeout(approver, opts.approvalTimeoutMs, logger);
  let rulesState: ReadinessStatus['rules'] = opts.rules ? 'no-vault' : 'off';
  let rulesError: string | undefined;
  let rules: RulesDecorator | null = null;
  if (vault && opts.rules) {
    // Read once: the bytes hashed are the bytes run (a file swapped after the check never runs).
    let bytes: Uint8Array | null = null;
    try {
      bytes = await readFile(opts.rules);
    } catch (e) {
      logger.warn('Could not load rules, disabling', { file: opts.rules, err: errorMessage(e) });
      rulesState = 'unreadable';
    }
    if (bytes !== null) {
      let stored = '';
      try {
        stored = await vault.config.get('ruleset_sha256');
      } catch {
        stored = '';
      }
      const attestation = checkRulesAttestation(bytes, stored);
      if (!attestation.attested) {
        const { hash } = attestation;
        // clef disabled rules quietly here; an unattended sealer then hangs on a prompt. Say it loudly.
        logger.warn('Rule hash not attested, disabling', { hash, attested: stored });
        logger.warn('RULES ARE OFF: every request now needs a human. Attest the file with `clef attest <sha256>` and restart.', {
          file: opts.rules,
        });
        rulesState = 'not-attested';
      } else if (opts.rulesEngine) {
        rules = await opts.rulesEngine({
          source: attestation.source,
          fileName: opts.rules,
          storagePath: unlocked!.storagePath,
          storageKey: unlocked!.storageKey,
          storageStore: vault.jsStorage,
          next: approver,
          logger,
        });
        approver = rules;
        rulesState = rules.syntaxError === null ? 'active' : 'broken';
        if (rules.syntaxError !== null) rulesError = rules.syntaxError;
        logger.info('Rule engine configured', { file: opts.rules });
      }
    }
  } else if (opts.rules && !vault) {
    logger.warn('Rules disabled: the master seed is not unlocked', { file: opts.rules });
  }

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
  const kdf = opts.kdf ?? new NodeKdf();
  const cliqueGuard = opts.cliqueProtect && vault ? new CliqueGuard(vault.config) : undefined;
  if (opts.cliqueProtect && !vault) logger.warn('Clique protection needs the vault; refusing all clique headers until the seed is unlocked');
  const signer = new Signer(
    {
      keystore,
      kdf,
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

  let methods: MethodTable = accountMethods(signer);
  let audit: { close(): Promise<void> } | null = null;
  if (opts.auditLog !== '') {
    const file = await openAuditFile(opts.auditLog, (msg, ctx) => logger.warn(msg, ctx));
    const log = new AuditLog(file, systemClock);
    log.configured(opts.auditLog);
    methods = log.decorate(methods);
    audit = file;
    logger.info('Audit logs configured', { file: opts.auditLog });
  }

  // Requests in flight, so close() can let them answer before the endpoints and the audit log go.
  const inflight = new Set<Promise<unknown>>();
  methods = trackInflight(methods, inflight);
  checkStop(opts.signal);

  const rpc = new JsonRpcServer(methods, { logger, onServed: servedLogger(logger) });
  const closers: (() => Promise<void>)[] = [];
  let httpUrl: string | null = null;
  let ipcUrl: string | null = null;
  if (opts.http) {
    const h = await startHttpServer({ host: opts.http.host, port: opts.http.port, vhosts: opts.http.vhosts }, rpc, logger);
    httpUrl = h.url;
    logger.info('HTTP endpoint opened', { url: h.url });
    closers.push(async () => {
      await h.close();
      logger.info('HTTP endpoint closed', { url: h.url });
    });
  }
  if (opts.ipcPath) {
    const i = await startIpcServer(opts.ipcPath, rpc, logger);
    ipcUrl = i.url;
    logger.debug('IPCs registered', { namespaces: 'account' });
    logger.info('IPC endpoint opened', { url: i.url });
    closers.unshift(async () => {
      await i.close();
      logger.info('IPC endpoint closed', { url: i.url });
    });
  }

  opts.onSigner?.(signer, keystore, approver, hardware);
  approver.onSignerStartup({
    info: {
      intapi_version: INTERNAL_API_VERSION,
      extapi_version: EXTERNAL_API_VERSION,
      extapi_http: httpUrl ?? 'n/a',
      extapi_ipc: ipcUrl ?? 'n/a',
    },
  });

  const status = async (): Promise<ReadinessStatus> => {
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
      rules: rulesState,
      ...(rulesError !== undefined ? { rulesError } : {}),
      rulesFile: opts.rules,
      accounts: accounts.length,
      accountsWithStoredPassword: stored,
      unaddressedKeyFiles: unaddressed.length,
      cliqueProtect: opts.cliqueProtect,
      ipc: ipcUrl,
      http: httpUrl,
    };
  };

  return {
    signer,
    handler: tableHandler(methods),
    approver,
    status,
    async close() {
      shutdown.abort(stopping);
      if (inflight.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const drained = Promise.allSettled([...inflight]).then(() => true);
        const late = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), DRAIN_MS)));
        if (!(await Promise.race([drained, late]))) logger.warn('Requests still running at shutdown', { count: inflight.size });
        clearTimeout(timer);
        // The transports write an answer after its handler settled: give them that turn before closing them.
        await new Promise((done) => setImmediate(done));
      }
      for (const c of closers) await c().catch((e) => logger.error('Close failed', { err: errorMessage(e) }));
      signer.close();
      hardware?.close();
      keystore.close();
      if (rules) await rules.close().catch((e) => logger.error('Close failed', { err: errorMessage(e) }));
      if (audit) await audit.close();
      daemonLock?.release();
    },
  };
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
