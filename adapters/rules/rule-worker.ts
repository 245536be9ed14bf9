// Entry of the rules worker thread (started by worker-runner.ts): owns the QuickJS sandbox so that a rule running
// to its deadline never blocks the daemon's event loop. Evaluations arrive one at a time; reads of the rule storage
// happen here (the file, read at most once per evaluation), writes go back to the daemon, which commits them once.
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../../core/ports.ts';
import { RuleSandbox } from './sandbox.ts';
import type { SandboxLimits } from './sandbox.ts';
import { EncryptedRuleStorage, StorageBatch } from './storage.ts';
import type { StorageLimits, StorageReader } from './storage.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';
import { errorMessage } from '../../core/errors.ts';

const port = parentPort;
if (!port) throw new Error('rule-worker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

/** Storage warnings (`Key does not exist`, …) go to the daemon's logger. */
const logger: Logger = {
  crit: (msg, attrs) => post({ type: 'log', level: 'crit', msg, attrs: plain(attrs) }),
  error: (msg, attrs) => post({ type: 'log', level: 'error', msg, attrs: plain(attrs) }),
  warn: (msg, attrs) => post({ type: 'log', level: 'warn', msg, attrs: plain(attrs) }),
  info: (msg, attrs) => post({ type: 'log', level: 'info', msg, attrs: plain(attrs) }),
  debug: (msg, attrs) => post({ type: 'log', level: 'debug', msg, attrs: plain(attrs) }),
  trace: (msg, attrs) => post({ type: 'log', level: 'trace', msg, attrs: plain(attrs) }),
};

function plain(attrs?: Record<string, unknown>): Record<string, string> | undefined {
  if (!attrs) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = errorMessage(v);
  return out;
}

const sandbox = new RuleSandbox(init.limits as Partial<SandboxLimits>);
const storage = init.storage ? new EncryptedRuleStorage(init.storage.path, init.storage.key, { logger }) : null;
const emptyReader: StorageReader = () => '';
const storageLimits = init.storageLimits as StorageLimits;

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') {
    const batch = new StorageBatch(() => (storage ? storage.snapshot() : emptyReader), storageLimits);
    void sandbox
      .evaluate({
        source: init.source,
        fileName: init.fileName,
        functionName: m.fn,
        argumentJson: m.argumentJson,
        host: {
          console: (line) => post({ type: 'console', id: m.id, line }),
          storageGet: (k) => batch.get(k),
          storagePut: (k, v) => batch.put(k, v),
        },
      })
      .then((outcome) => post({ type: 'result', id: m.id, outcome, changes: batch.changes() }));
  } else if (m.type === 'syntax') {
    sandbox.checkSyntax(init.source, init.fileName).then(
      (error) => post({ type: 'syntax', id: m.id, error }),
      (e: unknown) => post({ type: 'syntax', id: m.id, error: `rules engine failure: ${errorMessage(e)}` }),
    );
  }
});

sandbox.ready().then(
  () => post({ type: 'ready' }),
  (e: unknown) => post({ type: 'fatal', error: errorMessage(e) }),
);
