// The default action: run the signer daemon (cli.md §7) from the parsed command line, until SIGINT or SIGTERM.
import { type Stats, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FatalError } from '../core/errors.ts';
import type { Approver, Kdf, KeyStore } from '../core/ports.ts';
import { goOsError } from '../adapters/fs/atomic.ts';
import { READ_LIMITS, formatSize } from '../adapters/fs/bounded-read.ts';
import { ConsoleUI } from '../adapters/ui/console.ts';
import { StdioUI, lineSource } from '../adapters/ui/stdio.ts';
import { runStdioUiTest } from '../adapters/ui/stdio-selftest.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';
import { uiServerApi } from './ui-server-api.ts';
import type { CliContext } from './context.ts';
import { ipcEndpoint } from './options.ts';
import { StartupInterrupted, readinessAttrs, startDaemon, type DaemonOptions, type RunningDaemon } from './daemon-core.ts';

/** Resolves the flags into the daemon's options. */
export function daemonOptions(ctx: CliContext, ui: Approver): DaemonOptions {
  const o = ctx.options;
  return {
    configdir: o.configdir,
    keystore: resolve(o.keystore),
    chainId: o.chainid,
    lightKdf: o.lightkdf,
    advanced: o.advanced,
    usb: !o.nousb,
    ipcPath: o.ipcdisable ? null : ipcEndpoint({ ipcpath: o.ipcpath, configdir: o.configdir }, ctx.environment),
    http: o.http
      ? {
          host: o.httpAddr,
          port: o.httpPort,
          vhosts: o.httpVhosts
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v !== ''),
        }
      : null,
    signerSecret: o.signersecret,
    fourByteCustom: o.fourbyteCustom,
    fourByteExtra: o.fourbyteDb,
    auditLog: o.auditlog,
    rules: o.rules,
    cliqueProtect: o.cliqueProtect,
    approvalTimeoutMs: o.approvalTimeout * 1000,
    logger: ctx.logger,
    ui,
    rulesEngine: async (args) => {
      const { createRulesApprover } = await import('../adapters/rules/rules-approver.ts');
      return createRulesApprover(args);
    },
  };
}

/** A stop request (SIGINT/SIGTERM), listened for from the very start so a signal during start-up is not lost. */
interface StopRequest {
  signal: AbortSignal;
  /** Resolves with the signal's name (`interrupt`, `terminated`). */
  stopped: Promise<string>;
  /** Requests the stop from inside (Ctrl-C read as a byte at a raw-mode prompt). */
  trigger(name: string): void;
  dispose(): void;
}

/**
 * Checks what would otherwise fail only after the master password was typed (or never): the endpoints, the
 * --rules and --auditlog paths (errors in Go's words); warns about a missing keystore directory or master seed.
 */
export async function preflight(ctx: CliContext): Promise<void> {
  const o = ctx.options;
  if (o.ipcdisable && !o.http) {
    throw new FatalError('--ipcdisable without --http leaves no endpoint to serve: add --http, or drop --ipcdisable');
  }
  if (o.http && (!Number.isInteger(o.httpPort) || o.httpPort < 0 || o.httpPort > 65535)) {
    throw new FatalError(`Could not start RPC api: listen tcp: address ${o.httpPort}: invalid port`);
  }
  if (o.rules !== null) {
    let st: Stats;
    try {
      st = await stat(o.rules);
    } catch (err) {
      throw new FatalError(`Could not load rules: ${goOsError(err, 'open', o.rules).message}`);
    }
    if (!st.isFile()) throw new FatalError(`Could not load rules: ${o.rules} is not a regular file`);
    if (st.size > READ_LIMITS.rules) throw new FatalError(`Could not load rules: ${o.rules} is larger than ${formatSize(READ_LIMITS.rules)}`);
  }
  // The selector databases are read whole by their adapter: refuse a device or FIFO (`--4bytedb /dev/zero`).
  for (const [flag, file] of [['--4bytedb', o.fourbyteDb], ['--4bytedb-custom', o.fourbyteCustom]] as const) {
    const st = file ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (st && !st.isFile()) throw new FatalError(`${flag} ${file} is not a regular file`);
  }
  if (o.auditlog !== '') {
    // Opened for append as the daemon will (created 0600 if absent: it holds request bodies), then closed again.
    try {
      await (await open(o.auditlog, 'a', 0o600)).close();
    } catch (err) {
      throw new FatalError(goOsError(err, 'open', o.auditlog).message);
    }
  }
  const keystore = resolve(o.keystore);
  if (!statSync(keystore, { throwIfNoEntry: false })?.isDirectory()) {
    ctx.logger.warn('Keystore directory does not exist', { keystore });
  }
  if (o.signersecret === null && !statSync(join(o.configdir, 'masterseed.json'), { throwIfNoEntry: false })) {
    ctx.logger.warn("No master seed: run 'clef init' first (stored passwords, rules and --clique-protect need it)", { configdir: o.configdir });
  }
}

/** The daemon's key derivation: scrypt shows a spinner on a terminal (an account unlocking after approval). */
function progressKdf(ctx: CliContext): Kdf {
  return {
    scrypt: (...args) => ctx.terminal.withProgress('Running scrypt', ctx.kdf.scrypt(...args)),
    pbkdf2Sha256: (...args) => ctx.kdf.pbkdf2Sha256(...args),
  };
}

/** `--stdio-ui-test`: clef's scripted conversation with the UI in use, in the background. */
function startUiTest(ctx: CliContext, approver: Approver, signer: Parameters<typeof runStdioUiTest>[1]): void {
  ctx.logger.info('Performing UI test');
  void runStdioUiTest(approver, signer, { logger: ctx.logger }).then(({ errors }) => ctx.logger.info('UI test completed', { errors: errors.length }));
}

function listenForStop(): StopRequest {
  const controller = new AbortController();
  const handlers: [NodeJS.Signals, () => void][] = [];
  let trigger: (name: string) => void = () => undefined;
  const stopped = new Promise<string>((done) => {
    trigger = (name) => {
      if (controller.signal.aborted) return;
      controller.abort();
      done(name);
    };
    const on = (name: string) => () => trigger(name);
    handlers.push(['SIGINT', on('interrupt')], ['SIGTERM', on('terminated')]);
    for (const [sig, h] of handlers) process.on(sig, h);
  });
  return {
    signal: controller.signal,
    stopped,
    trigger: (name) => trigger(name),
    dispose: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}

/** Logs readiness again on SIGHUP until the stop request; resolves with the stop signal's name. */
async function untilStop(daemon: RunningDaemon, ctx: CliContext, stop: StopRequest): Promise<string> {
  const onHup = () => {
    void daemon.status().then((s) => ctx.logger.info('Signer status', readinessAttrs(s)));
  };
  process.on('SIGHUP', onHup);
  try {
    return await stop.stopped;
  } finally {
    process.off('SIGHUP', onHup);
  }
}

/** How long a stop during start-up waits for the step in progress (a master-seed scrypt) before leaving anyway. */
const STARTUP_STOP_GRACE_MS = 1000;

export async function runDaemon(ctx: CliContext): Promise<void> {
  const stop = listenForStop();
  // Ctrl-C at the no-echo master-password prompt (raw mode) stops the daemon like Ctrl-C anywhere else.
  ctx.terminal.onInterrupt = () => stop.trigger('interrupt');
  try {
    await runUntilStopped(ctx, stop);
  } finally {
    ctx.terminal.onInterrupt = null;
    stop.dispose();
  }
}

async function runUntilStopped(ctx: CliContext, stop: StopRequest): Promise<void> {
  await ctx.initialize();
  const o = ctx.options;
  await preflight(ctx);
  let ui: Approver;
  let onSigner: DaemonOptions['onSigner'];
  let keystoreOfSigner: KeyStore | null = null;
  if (o.stdioUi) {
    ctx.logger.info('Using stdin/stdout as UI-channel');
    // The UI's JSON-RPC lines are read through the shared terminal, so no other reader steals stdin bytes.
    const stdio = new StdioUI({ input: lineSource(ctx.terminal), output: process.stdout, logger: ctx.logger });
    ui = stdio;
    onSigner = (signer, keystore, approver, hardware) => {
      keystoreOfSigner = keystore;
      stdio.enableServer(uiServerApi(signer, keystore, new NodeKdf(), hardware));
      if (o.stdioUiTest) startUiTest(ctx, approver, signer);
    };
  } else {
    ctx.logger.info('Using CLI as UI-channel');
    const consoleUi = new ConsoleUI(ctx.terminal, { logger: ctx.logger });
    ui = consoleUi;
    onSigner = (signer, keystore, approver, hardware) => {
      keystoreOfSigner = keystore;
      consoleUi.setAccountSource(() => signer.accounts());
      if (hardware) consoleUi.setWalletSource(async () => (await hardware.wallets()).map((w) => ({ url: w.url, status: w.status() })));
      // clef ran the UI test against whichever UI was in use; so do we (it was silently ignored here).
      if (o.stdioUiTest) startUiTest(ctx, approver, signer);
    };
  }
  const starting = startDaemon({
    ...daemonOptions(ctx, ui),
    onSigner,
    kdf: progressKdf(ctx),
    progress: (label, work) => ctx.terminal.withProgress(label, work),
    signal: stop.signal,
  });
  const first = await Promise.race([starting, stop.stopped]);
  if (typeof first === 'string') {
    // Stopped during start-up (a password prompt, the seed's scrypt …): nothing is served yet. Let the step in
    // progress notice (it gives up at the next step) for a moment, close what it opened, and leave.
    ctx.logger.info('Exiting...', { signal: first });
    const settled = starting.then(
      (d) => d.close(),
      (e: unknown) => {
        if (!(e instanceof StartupInterrupted)) ctx.logger.debug('Start-up failed while stopping', { err: String(e) });
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), STARTUP_STOP_GRACE_MS)));
    const outcome = await Promise.race([settled.then(() => 'done' as const), late]);
    clearTimeout(timer);
    ctx.terminal.close();
    // A native scrypt cannot be cancelled and would hold the process until it ends: nothing is open, so exit now.
    if (outcome === 'late') process.exit(0);
    return;
  }
  const daemon = first;
  // clef skipped address-less key files (cast writes them) without a word; list-accounts and the daemon name them.
  const started = keystoreOfSigner as KeyStore | null;
  const unaddressed = started ? await started.unaddressed().catch(() => []) : [];
  for (const f of unaddressed) {
    ctx.logger.warn("Key file has no address, run 'clef addaddress <file>' to use it", { path: f.path });
  }
  const status = await daemon.status();
  ctx.logger.info('Signer status', readinessAttrs(status));
  const signal = await untilStop(daemon, ctx, stop);
  ctx.logger.info('Exiting...', { signal });
  await daemon.close();
}
