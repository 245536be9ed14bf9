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
import { readinessAttrs, startDaemon, type DaemonOptions, type RunningDaemon } from './daemon-core.ts';

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
    rulesEngine: async ({ source, storagePath, storageKey, next, logger }) => {
      const { createRulesApprover } = await import('../adapters/rules/rules-approver.ts');
      return createRulesApprover({ source, storagePath, storageKey, next, logger });
    },
  };
}

/** Waits for SIGINT/SIGTERM; logs readiness again on SIGHUP. */
function untilSignal(daemon: RunningDaemon, ctx: CliContext): Promise<string> {
  return new Promise((done) => {
    const onHup = () => {
      void daemon.status().then((s) => ctx.logger.info('Signer status', readinessAttrs(s)));
    };
    const stop = (signal: string) => () => {
      process.off('SIGHUP', onHup);
      done(signal);
    };
    process.once('SIGINT', stop('interrupt'));
    process.once('SIGTERM', stop('terminated'));
    process.on('SIGHUP', onHup);
  });
}

export async function runDaemon(ctx: CliContext): Promise<void> {
  await ctx.initialize();
  const o = ctx.options;
  let ui: Approver;
  let onSigner: DaemonOptions['onSigner'];
  if (o.stdioUi) {
    ctx.logger.info('Using stdin/stdout as UI-channel');
    // The UI's JSON-RPC lines are read through the shared terminal, so no other reader steals stdin bytes.
    const stdio = new StdioUI({ input: lineSource(ctx.terminal), output: process.stdout, logger: ctx.logger });
    ui = stdio;
    onSigner = (signer, keystore, approver, hardware) => {
      stdio.enableServer(uiServerApi(signer, keystore, new NodeKdf(), hardware));
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
    onSigner = (signer, _keystore, _approver, hardware) => {
      consoleUi.setAccountSource(() => signer.accounts());
      if (hardware) consoleUi.setWalletSource(async () => (await hardware.wallets()).map((w) => ({ url: w.url, status: w.status() })));
    };
  }
  const daemon = await startDaemon({ ...daemonOptions(ctx, ui), onSigner });
  const status = await daemon.status();
  ctx.logger.info('Signer status', readinessAttrs(status));
  const signal = await untilSignal(daemon, ctx);
  ctx.logger.info('Exiting...', { signal });
  await daemon.close();
}
