// The default action: run the signer daemon (cli.md §7) from the parsed command line, until SIGINT or SIGTERM.
import { resolve } from 'node:path';
import { ConsoleUI } from '../adapters/ui/console.ts';
import { StdioUI, lineSource } from '../adapters/ui/stdio.ts';
import { runStdioUiTest } from '../adapters/ui/stdio-selftest.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';
import { uiServerApi } from './ui-server-api.ts';
import type { Approver } from '../core/ports.ts';
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
    rulesEngine: async ({ source, storagePath, storageKey, next, logger }) => {
      const { createRulesApprover } = await import('../adapters/rules/rules-approver.ts');
      return createRulesApprover({ source, storagePath, storageKey, next, logger });
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
  let ui: Approver;
  let onSigner: DaemonOptions['onSigner'];
  if (o.stdioUi) {
    ctx.logger.info('Using stdin/stdout as UI-channel');
    // The UI's JSON-RPC lines are read through the shared terminal, so no other reader steals stdin bytes.
    const stdio = new StdioUI({ input: lineSource(ctx.terminal), output: process.stdout, logger: ctx.logger });
    ui = stdio;
    onSigner = (signer, keystore, approver) => {
      stdio.enableServer(uiServerApi(signer, keystore, new NodeKdf()));
      if (o.stdioUiTest) {
        ctx.logger.info('Performing UI test');
        void runStdioUiTest(approver, signer, { logger: ctx.logger }).then(({ errors }) =>
          ctx.logger.info('UI test completed', { errors: errors.length }),
        );
      }
    };
  } else {
    ctx.logger.info('Using CLI as UI-channel');
    const consoleUi = new ConsoleUI(ctx.terminal, { logger: ctx.logger });
    ui = consoleUi;
    onSigner = (signer) => consoleUi.setAccountSource(() => signer.accounts());
  }
  const starting = startDaemon({ ...daemonOptions(ctx, ui), onSigner, signal: stop.signal });
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
  const status = await daemon.status();
  ctx.logger.info('Signer status', readinessAttrs(status));
  const signal = await untilStop(daemon, ctx, stop);
  ctx.logger.info('Exiting...', { signal });
  await daemon.close();
}
