// Runs rule evaluations in a worker thread that owns the QuickJS runtime, so a rule spinning to its deadline
// stalls only the rules queue, never the daemon's other clients. One evaluation at a time, in call order (the
// RuleEngine queues them). A worker that dies (out of memory, a fatal error) fails the evaluation in flight as a
// crash, which falls through like any other rule failure, and is replaced before the next one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/ports.ts';
import type { RuleRunner, RunResult } from './engine.ts';
import type { SandboxLimits } from './sandbox.ts';
import { DEFAULT_STORAGE_LIMITS } from './storage.ts';
import type { StorageLimits } from './storage.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';
import { errorMessage } from '../../core/errors.ts';

/** Options of WorkerRuleRunner. */
export interface WorkerRuleRunnerOptions {
  source: string;
  fileName: string;
  /** jsstorage.json and its key (the worker reads it); null: an always-empty storage. */
  storage: { path: string; key: Uint8Array } | null;
  logger: Logger;
  limits?: Partial<SandboxLimits>;
  storageLimits?: StorageLimits;
}

interface Pending {
  resolve(r: RunResult): void;
  onConsole(line: string): void;
}

const runtime = globalThis as { Bun?: unknown; Deno?: unknown };

/**
 * Where the worker's entry is: next to this file in the source tree; in a bundle (bench's node bundle, dist/clef's
 * `/$bunfs/root/`), as the second entry point built beside cli/main (scripts/build.mjs).
 */
function workerEntry(): URL {
  const here = import.meta.url;
  const source = new URL('./rule-worker.ts', here);
  if (here.endsWith('/adapters/rules/worker-runner.ts')) return source;
  if (here.startsWith('file:///$bunfs/') || here.includes('/~BUN/')) return new URL('./adapters/rules/rule-worker.js', here);
  for (const rel of ['../adapters/rules/rule-worker.js', './adapters/rules/rule-worker.js']) {
    const u = new URL(rel, here);
    if (existsSync(fileURLToPath(u))) return u;
  }
  return source;
}

/** Starts the worker; under node running TypeScript sources (tsx), the worker registers tsx first. */
function spawnWorker(init: WorkerInit): Worker {
  const entry = workerEntry();
  const options = { workerData: init, resourceLimits: { maxOldGenerationSizeMb: 256 } };
  if (entry.pathname.endsWith('.ts') && runtime.Bun === undefined && runtime.Deno === undefined) {
    // node does not load a .ts worker by itself; the daemon runs under tsx here (tests, `npm run clef`)
    const meta = import.meta as { resolve?: (s: string) => string };
    const tsx = meta.resolve ? meta.resolve('tsx/esm/api') : 'tsx/esm/api';
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(code, { ...options, eval: true });
  }
  return new Worker(entry, options);
}

/** A RuleRunner over a worker thread; the worker is started on first use (or by ready()) and restarted after a death. */
export class WorkerRuleRunner implements RuleRunner {
  readonly #init: WorkerInit;
  readonly #logger: Logger;
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #restarts = 0;
  #closed = false;

  constructor(options: WorkerRuleRunnerOptions) {
    this.#logger = options.logger;
    this.#init = {
      source: options.source,
      fileName: options.fileName,
      limits: options.limits ?? {},
      storageLimits: options.storageLimits ?? DEFAULT_STORAGE_LIMITS,
      storage: options.storage ? { path: options.storage.path, key: options.storage.key.slice() } : null,
    };
  }

  /** How many times a dead worker was replaced (tests and diagnostics). */
  get restarts(): number {
    return this.#restarts;
  }

  /** The worker's thread id, or -1 when none is running (tests). */
  get threadId(): number {
    return this.#worker?.threadId ?? -1;
  }

  ready(): Promise<void> {
    this.#start();
    return this.#ready!;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    if (this.#closed) throw new Error('rules engine closed');
    const w = spawnWorker(this.#init);
    this.#worker = w;
    let starting = true;
    let settle: { ok: () => void; fail: (e: Error) => void } | undefined;
    this.#ready = new Promise<void>((ok, fail) => (settle = { ok, fail }));
    this.#ready.catch(() => {});
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready' || m.type === 'fatal') {
        starting = false;
        this.#holdProcess(w, false);
      }
      if (m.type === 'ready') settle?.ok();
      else if (m.type === 'fatal') settle?.fail(new Error(m.error));
      else if (m.type === 'console') this.#pending.get(m.id)?.onConsole(m.line);
      else if (m.type === 'log') this.#logger[m.level](m.msg, m.attrs);
      else if (m.type === 'result') {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (!starting) this.#holdProcess(w, false);
        p?.resolve({ outcome: m.outcome, changes: m.changes });
      } else if (m.type === 'syntax') {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (!starting) this.#holdProcess(w, false);
        p?.resolve({ outcome: m.error === null ? { ok: true, value: '' } : { ok: false, stage: 'script', kind: 'exception', error: m.error }, changes: [] });
      }
    });
    let reason = '';
    w.on('error', (e: Error) => {
      reason = e.message;
    });
    w.on('exit', (code: number) => {
      if (this.#worker !== w) return;
      this.#worker = undefined;
      const why = reason || `exit code ${code}`;
      settle?.fail(new Error(`rules worker stopped: ${why}`));
      const failed = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of failed) {
        p.resolve({ outcome: { ok: false, stage: 'call', kind: 'crash', error: `rules engine failure: worker stopped (${why})` }, changes: [] });
      }
      if (this.#closed) return;
      this.#restarts++;
      this.#logger.error('Rules worker stopped, restarting it', { err: why });
      // Replace it now, so the next request does not pay the start-up.
      try {
        this.#start();
      } catch {
        // started again on the next request
      }
    });
    return w;
  }

  /**
   * An idle worker never keeps the process alive (listeners ref its port, so this runs after them); a starting or
   * busy one does, or a process with nothing else to wait for would drop the request.
   */
  #holdProcess(w: Worker, busy: boolean): void {
    if (busy || this.#pending.size > 0) w.ref();
    else w.unref();
  }

  #send(msg: (id: number) => ToWorker, onConsole: (line: string) => void): Promise<RunResult> {
    return new Promise<RunResult>((resolve) => {
      let w: Worker;
      try {
        w = this.#start();
      } catch (e) {
        resolve({ outcome: { ok: false, stage: 'script', kind: 'crash', error: `rules engine unavailable: ${errorMessage(e)}` }, changes: [] });
        return;
      }
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, onConsole });
      this.#holdProcess(w, true);
      w.postMessage(msg(id));
    });
  }

  run(fn: string, argumentJson: string, onConsole: (line: string) => void): Promise<RunResult> {
    return this.#send((id) => ({ type: 'run', id, fn, argumentJson }), onConsole);
  }

  async checkSyntax(): Promise<string | null> {
    const r = await this.#send((id) => ({ type: 'syntax', id }), () => {});
    return r.outcome.ok ? null : r.outcome.error;
  }

  /** Kills the worker as an out-of-memory death would (tests of the restart path). */
  async kill(): Promise<void> {
    await this.#worker?.terminate();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker?.terminate(); // an evaluation in flight ends as a crash (falls through)
  }
}
