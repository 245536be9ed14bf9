// Wiring of the signer daemon (cli.md §7.1): build the adapters, hand them to the core, open the transports.
// Everything here is construction and start-up order; decisions live in core/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, toChecksumAddress, toHexRaw } from '../core/bytes.ts';
import { errorMessage } from '../core/errors.ts';
import { accountMethods, tableHandler } from '../core/api.ts';
import { Signer, EXTERNAL_API_VERSION, INTERNAL_API_VERSION } from '../core/signer.ts';
import { CliqueGuard, refuseAllClique } from '../core/clique-guard.ts';
import { FourByteDb } from '../core/fourbyte.ts';
import { decryptMasterSeed } from '../core/masterseed.ts';
import { prepareMasterSeed } from './secrets.ts';
import { deriveVault } from '../core/vault.ts';
import type { Approver, KeyStore, Logger, Vault } from '../core/ports.ts';
import type { MethodTable, RpcHandler } from '../core/rpc.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';
import { systemClock, systemRandom } from '../adapters/crypto/system.ts';
import { DirKeyStore } from '../adapters/keystore/dir-keystore.ts';
import { UsbWallets } from '../adapters/usb/usb-wallets.ts';
import { openVault } from '../adapters/vault/masterseed-file.ts';
import { JsonRpcServer } from '../adapters/transport/jsonrpc.ts';
import { startIpcServer } from '../adapters/transport/ipc.ts';
import { startHttpServer } from '../adapters/transport/http.ts';
import { AuditLog, openAuditFile } from '../adapters/audit/audit-log.ts';
import { loadFourByteDb } from '../adapters/fourbyte/fourbyte-file.ts';
import { withApprovalTimeout } from '../adapters/ui/timeout.ts';

/** Everything the daemon needs, already resolved from flags and defaults. */
export interface DaemonOptions {
  configdir: string;
  keystore: string;
  chainId: bigint;
  lightKdf: boolean;
  advanced: boolean;
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
  rulesEngine?: (args: { source: string; storagePath: string; storageKey: Uint8Array; next: Approver; logger: Logger }) => Promise<Approver>;
  /** Called once the signer exists, before the start-up notification (the console lists its accounts). */
  onSigner?: (signer: Signer, keystore: KeyStore, approver: Approver) => void;
}

/** What a supervisor of an unattended signer needs to know. */
export interface ReadinessStatus {
  seedUnlocked: boolean;
  rules: 'active' | 'off' | 'not-attested' | 'unreadable' | 'no-vault';
  rulesFile: string | null;
  accounts: number;
  accountsWithStoredPassword: number;
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
      ({ text: password } = await opts.ui.onInputRequired({
        title: 'Master Password',
        prompt: 'Please enter the password to decrypt the master seed',
        isPassword: true,
      }));
    }
    const { seed, warning } = await decryptMasterSeed(prepared.seedText, password, new NodeKdf());
    if (warning) logger.warn(warning);
    try {
      const vault = await openVault(opts.configdir, seed, logger);
      const keys = deriveVault(seed);
      return { vault, storagePath: join(opts.configdir, vault.name, 'jsstorage.json'), storageKey: keys.jsStorageKey };
    } finally {
      seed.fill(0);
    }
  } catch (e) {
    logger.warn('Failed to open master, rules disabled', { err: errorMessage(e) });
    return null;
  }
}

/** Starts the daemon: returns once the endpoints are open. */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { logger } = opts;
  const fourByte: FourByteDb = await loadFourByteDb(opts.fourByteCustom, opts.fourByteExtra, logger);
  logger.info('Loaded 4byte database', { embeds: fourByte.stats().embeds, locals: fourByte.stats().locals, local: opts.fourByteCustom });

  const unlocked = await unlockSeed(opts);
  const vault = unlocked?.vault ?? null;
  let approver: Approver = opts.approvalTimeoutMs > 0 ? withApprovalTimeout(opts.ui, opts.approvalTimeoutMs, logger) : opts.ui;
  let rulesState: ReadinessStatus['rules'] = opts.rules ? 'no-vault' : 'off';
  if (vault && opts.rules) {
    let source: string | null = null;
    try {
      source = await readFile(opts.rules, 'utf8');
    } catch (e) {
      logger.warn('Could not load rules, disabling', { file: opts.rules, err: errorMessage(e) });
      rulesState = 'unreadable';
    }
    if (source !== null) {
      const hash = toHexRaw(sha256(await readFile(opts.rules)));
      let attested = '';
      try {
        attested = await vault.config.get('ruleset_sha256');
      } catch {
        attested = '';
      }
      if (hash !== attested) {
        // clef disabled rules quietly here; an unattended sealer then hangs on a prompt. Say it loudly.
        logger.warn('Rule hash not attested, disabling', { hash, attested });
        logger.warn('RULES ARE OFF: every request now needs a human. Attest the file with `clef attest <sha256>` and restart.', {
          file: opts.rules,
        });
        rulesState = 'not-attested';
      } else if (opts.rulesEngine) {
        approver = await opts.rulesEngine({ source, storagePath: unlocked!.storagePath, storageKey: unlocked!.storageKey, next: approver, logger });
        rulesState = 'active';
        logger.info('Rule engine configured', { file: opts.rules });
      }
    }
  } else if (opts.rules && !vault) {
    logger.warn('Rules disabled: the master seed is not unlocked', { file: opts.rules });
  }

  const keystore = new DirKeyStore(opts.keystore, { logger });
  const usb = new UsbWallets(logger);
  const hardware = (await usb.announce()) ? usb : undefined;
  const kdf = new NodeKdf();
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

  const rpc = new JsonRpcServer(methods, { logger });
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

  opts.onSigner?.(signer, keystore, approver);
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
    let stored = 0;
    if (vault) {
      // One read of credentials.json, not a lookup (and a warning) per account: 10,000 keys stay cheap.
      const names = new Set(await vault.credentials.keys().catch(() => [] as string[]));
      for (const a of accounts) if (names.has(toChecksumAddress(a.address)) || names.has(a.address)) stored++;
    }
    return {
      seedUnlocked: vault !== null,
      rules: rulesState,
      rulesFile: opts.rules,
      accounts: accounts.length,
      accountsWithStoredPassword: stored,
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
      for (const c of closers) await c().catch((e) => logger.error('Close failed', { err: errorMessage(e) }));
      signer.close();
      keystore.close();
      if (audit) await audit.close();
    },
  };
}

/** Readiness as log attributes (start and SIGHUP): what a supervisor of an unattended sealer checks. */
export function readinessAttrs(s: ReadinessStatus): Record<string, string | number> {
  return {
    seed: s.seedUnlocked ? 'unlocked' : 'LOCKED',
    rules: s.rules,
    accounts: s.accounts,
    'stored-passwords': s.accountsWithStoredPassword,
    'clique-protect': s.cliqueProtect ? 'on' : 'off',
    ipc: s.ipc ?? 'n/a',
    http: s.http ?? 'n/a',
  };
}
