// Stand-in daemon for the benchmark while the CLI cannot load the rules engine: cli/daemon-core.ts startDaemon with
// either the real rules engine (adapters/rules/rules-approver.ts, when a rule file is given) or, without one, an
// in-process approver that decides like the benchmark's rule file (clique headers, transactions from the sealer,
// listings). Everything else (vault, key cache, 4byte, IPC transport, audit log) is the real daemon.
// Usage (node --import tsx, or bun):
//   scripts/bench-daemon.ts <configdir> <keystore> <signersecret> <chainid> <auditlog|""> [rules.js|""] [--clique-protect]
import { resolve, join } from 'node:path';
import { startDaemon } from '../cli/daemon-core.ts';
import type { Approver, Logger } from '../core/ports.ts';
import type { Json } from '../core/gojson.ts';

const [configdir, keystore, signerSecret, chainId, auditLog, rulesFile = '', flag = ''] = process.argv.slice(2);

const line = (level: string, msg: string, attrs?: Record<string, unknown>) => {
  const kv = attrs ? Object.entries(attrs).map(([k, v]) => ` ${k}=${String(v)}`).join('') : '';
  process.stderr.write(`${level} [${new Date().toISOString()}] ${msg}${kv}\n`);
};
const logger: Logger = {
  crit: (m, a) => line('CRIT', m, a),
  error: (m, a) => line('ERROR', m, a),
  warn: (m, a) => line('WARN', m, a),
  info: (m, a) => line('INFO', m, a),
  debug: () => undefined,
  trace: () => undefined,
};

const sealer = (process.env.BENCH_SEALER ?? '').toLowerCase();
const standIn: Approver = {
  async approveTx(req) {
    const tx = req.transaction as { from?: Json };
    const ok = typeof tx.from === 'string' && tx.from.toLowerCase() === sealer;
    logger.info(ok ? 'Op approved' : 'Op rejected');
    return ok ? { approved: true, transaction: req.transaction } : { approved: false };
  },
  async approveSignData(req) {
    const ok =
      req.content_type === 'application/x-clique-header' && req.messages.some((m) => m.name === 'Clique header' && m.type === 'clique');
    logger.info(ok ? 'Op approved' : 'Op rejected');
    return { approved: ok };
  },
  async approveListing(req) {
    logger.info('Op approved');
    return { accounts: req.accounts };
  },
  async approveNewAccount() {
    return { approved: false };
  },
  showError: (t) => logger.error(t),
  showInfo: (t) => logger.info(t),
  onApprovedTx: () => undefined,
  onSignerStartup: () => undefined,
  async onInputRequired() {
    throw new Error('no human here');
  },
};

/** The UI behind the rules: nobody there, so whatever falls through is denied. */
const nobody: Approver = {
  ...standIn,
  approveTx: async () => ({ approved: false }),
  approveSignData: async () => ({ approved: false }),
  approveListing: async () => ({ accounts: null }),
};

const daemon = await startDaemon({
  configdir,
  keystore: resolve(keystore),
  chainId: BigInt(chainId),
  lightKdf: false,
  advanced: false,
  ipcPath: join(configdir, 'clef.ipc'),
  http: null,
  signerSecret,
  fourByteCustom: join(configdir, '4byte.json'),
  fourByteExtra: null,
  auditLog,
  rules: rulesFile === '' ? null : rulesFile,
  cliqueProtect: flag === '--clique-protect',
  approvalTimeoutMs: 0,
  logger,
  ui: rulesFile === '' ? standIn : nobody,
  rulesEngine: async (args) => {
    const { createRulesApprover } = await import('../adapters/rules/rules-approver.ts');
    return createRulesApprover(args);
  },
});
const status = await daemon.status();
logger.info('Signer status', { accounts: status.accounts, rules: rulesFile === '' ? 'in-process approver' : status.rules });
const stop = async () => {
  await daemon.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
