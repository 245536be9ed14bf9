// Messages between the daemon and its rules worker thread (structured-clone data only).
import type { EvaluationOutcome, SandboxLimits } from './sandbox.ts';
import type { StorageChange, StorageLimits } from './storage.ts';

/** workerData of the rules worker. */
export interface WorkerInit {
  source: string;
  fileName: string;
  limits: Partial<SandboxLimits>;
  storageLimits: StorageLimits;
  /** The vault's jsstorage.json and its key, read by the worker; null: an always-empty storage. */
  storage: { path: string; key: Uint8Array } | null;
}

export type ToWorker = { type: 'run'; id: number; fn: string; argumentJson: string } | { type: 'syntax'; id: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'console'; id: number; line: string }
  | { type: 'log'; level: 'crit' | 'error' | 'warn' | 'info' | 'debug' | 'trace'; msg: string; attrs?: Record<string, string> }
  | { type: 'result'; id: number; outcome: EvaluationOutcome; changes: StorageChange[] }
  | { type: 'syntax'; id: number; error: string | null };
