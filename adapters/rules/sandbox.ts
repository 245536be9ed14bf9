// The QuickJS sandbox that runs rule files (rules-engine.md §2–3): one fresh runtime and context per evaluation,
// only the globals clef defines (`console.log/error`, `storage`, `BigNumber`), hard caps on time, memory and stack,
// and a wasm instance that is thrown away and rebuilt when an evaluation may have damaged it. Evaluations are
// serialised in call order (FIFO), so a stateful rule never sees two requests interleave.
import { base64 } from '@scure/base';
import { newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core';
import type { QuickJSContext, QuickJSHandle, QuickJSSyncVariant, QuickJSWASMModule } from 'quickjs-emscripten-core';
import releaseSyncExport from '@jitl/quickjs-wasmfile-release-sync';
import { QUICKJS_WASM_BASE64 } from './embedded/quickjs-wasm.generated.ts';
import { BIGNUMBER_JS } from './embedded/bignumber.generated.ts';
import { errorMessage } from '../../core/errors.ts';

/** Resource caps of one evaluation. */
export interface SandboxLimits {
  /** Wall-clock budget of one evaluation in ms (library + rule file + call + result conversion). */
  cpuMs: number;
  /** Maximum size of the wasm memory (the whole QuickJS heap), bytes; at least 32 MiB. */
  memoryBytes: number;
  /** QuickJS stack limit in bytes (deep recursion throws `InternalError: stack overflow`). */
  stackBytes: number;
}

/** Defaults: two seconds (a generous wall-clock budget: a loaded machine must not turn slow rules into prompts), 64 MiB, 256 KiB. */
const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuMs: 2000,
  memoryBytes: 64 * 1024 * 1024,
  stackBytes: 256 * 1024,
});

const WASM_PAGE = 65536;
/** The emscripten build's INITIAL_MEMORY (16 MiB); the imported memory may not start smaller. */
const INITIAL_PAGES = 256;
const MIN_MEMORY_BYTES = 32 * 1024 * 1024;

/** The host side of the rule globals; every callback is synchronous (QuickJS host functions are). */
interface SandboxHost {
  /** One finished console line (without the newline), e.g. `JS:>  number 45`. */
  console(line: string): void;
  /** `storage.get` with the key already converted by String(). */
  storageGet(key: string): string;
  /** `storage.put` with key and value already converted by String(). */
  storagePut(key: string, value: string): void;
}

/** What to evaluate: `source` as a script, then `<functionName>(JSON.parse(<argumentJson as a literal>))`. */
export interface Evaluation {
  source: string;
  /** Name of the rules file in error messages and stack frames (default `rules.js`). */
  fileName?: string;
  functionName: string;
  argumentJson: string;
  host: SandboxHost;
}

/** Why an evaluation failed, beyond the JS error text. */
export type FailureKind = 'exception' | 'timeout' | 'memory' | 'stack' | 'crash';

/** The outcome: the completion value converted with String(), or the failure. */
export type EvaluationOutcome =
  | { ok: true; value: string }
  | { ok: false; stage: 'script' | 'call'; kind: FailureKind; error: string };

/** The release-sync variant (TypeScript sees the package's CJS typing; at run time the default is the variant). */
const releaseSync = releaseSyncExport as unknown as QuickJSSyncVariant;

/** The parts of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number }) => object;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

let compiled: object | undefined;

/** The QuickJS wasm compiled once per process from the embedded bytes (immutable, shareable). */
function quickjsWasmModule(): object {
  compiled ??= new wasm.Module(base64.decode(QUICKJS_WASM_BASE64));
  return compiled;
}

/** A fresh QuickJS instance over its own fixed-maximum wasm memory (the real memory cap). */
async function instantiate(memoryBytes: number): Promise<QuickJSWASMModule> {
  const maximum = Math.floor(memoryBytes / WASM_PAGE);
  const wasmMemory = new wasm.Memory({ initial: INITIAL_PAGES, maximum });
  type Options = Parameters<typeof newVariant>[1];
  // emscripten prints "Aborted(…)" on a fatal error; the failure is reported through the outcome instead.
  const quiet = { print: () => {}, printErr: () => {} } as unknown as Options['emscriptenModule'];
  const variant = newVariant(releaseSync, {
    wasmModule: quickjsWasmModule() as Options['wasmModule'],
    wasmMemory: wasmMemory as Options['wasmMemory'],
    emscriptenModule: quiet,
    log: () => {},
  });
  return newQuickJSWASMModuleFromVariant(variant);
}

/** Checks limits and fills defaults. */
export function resolveLimits(limits: Partial<SandboxLimits> = {}): SandboxLimits {
  const out = { ...DEFAULT_LIMITS, ...limits };
  if (!(out.cpuMs > 0)) throw new RangeError('rules cpuMs must be positive');
  if (!(out.memoryBytes >= MIN_MEMORY_BYTES)) throw new RangeError(`rules memoryBytes must be at least ${MIN_MEMORY_BYTES}`);
  if (!(out.stackBytes >= 16 * 1024)) throw new RangeError('rules stackBytes must be at least 16384');
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Runs rule evaluations, one at a time, each in a brand-new QuickJS runtime. */
export class RuleSandbox {
  readonly limits: SandboxLimits;
  #instance: Promise<QuickJSWASMModule> | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #rebuilds = 0;

  constructor(limits: Partial<SandboxLimits> = {}) {
    this.limits = resolveLimits(limits);
  }

  /** How many times the wasm instance was replaced after a fatal evaluation (for tests and diagnostics). */
  get rebuilds(): number {
    return this.#rebuilds;
  }

  /** Loads the wasm instance now (otherwise the first evaluation does); rejects if QuickJS cannot start. */
  async ready(): Promise<void> {
    await this.#acquire();
  }

  /** The SyntaxError of `source` (compiled, never run), or null when it parses. */
  async checkSyntax(source: string, fileName = 'rules.js'): Promise<string | null> {
    const qjs = await this.#acquire();
    const rt = qjs.newRuntime();
    try {
      rt.setMemoryLimit(this.limits.memoryBytes);
      rt.setMaxStackSize(this.limits.stackBytes);
      const deadline = Date.now() + this.limits.cpuMs;
      rt.setInterruptHandler(() => Date.now() > deadline);
      const ctx = rt.newContext();
      try {
        const r = ctx.evalCode(source, fileName, { type: 'global', compileOnly: true });
        if (!r.error) {
          r.value.dispose();
          return null;
        }
        const msg = ctx.dump(r.error) as unknown;
        r.error.dispose();
        if (typeof msg === 'object' && msg !== null) {
          const m = msg as { name?: unknown; message?: unknown; stack?: unknown };
          const frame = typeof m.stack === 'string' ? m.stack.split('\n').map((l) => l.trim()).find((l) => l.startsWith('at ')) : undefined;
          return `${String(m.name ?? 'Error')}: ${String(m.message ?? '')}${frame ? ` ${frame}` : ''}`;
        }
        return String(msg);
      } finally {
        ctx.dispose();
      }
    } finally {
      rt.dispose();
    }
  }

  /** Resolves once every evaluation queued so far has finished. */
  async idle(): Promise<void> {
    await this.#tail.catch(() => {});
  }

  /** Queues an evaluation behind all earlier ones; never rejects (failures are outcomes). */
  evaluate(ev: Evaluation): Promise<EvaluationOutcome> {
    const run = this.#tail.then(async () => {
      let qjs: QuickJSWASMModule;
      try {
        qjs = await this.#acquire();
      } catch (e) {
        this.#instance = undefined; // try again next time
        return failure('script', 'crash', `rules engine unavailable: ${errorMessage(e)}`);
      }
      const outcome = this.#evaluateNow(qjs, ev);
      // An instance that hit its memory cap or failed inside the glue is replaced before the next request.
      if (!outcome.ok && (outcome.kind === 'crash' || outcome.kind === 'memory')) this.#discard();
      return outcome;
    });
    this.#tail = run;
    return run;
  }

  #acquire(): Promise<QuickJSWASMModule> {
    this.#instance ??= instantiate(this.limits.memoryBytes);
    return this.#instance;
  }

  #discard(): void {
    this.#rebuilds++;
    this.#instance = undefined;
    // Start the replacement at once so the next request does not wait for it; a failure is retried on use.
    this.#acquire().catch(() => {
      this.#instance = undefined;
    });
  }

  #evaluateNow(qjs: QuickJSWASMModule, ev: Evaluation): EvaluationOutcome {
    if (!IDENTIFIER.test(ev.functionName)) {
      return failure('call', 'exception', `invalid function name ${JSON.stringify(ev.functionName)}`);
    }
    const deadline = Date.now() + this.limits.cpuMs;
    let outcome: EvaluationOutcome;
    let rt: ReturnType<typeof qjs.newRuntime>;
    try {
      rt = qjs.newRuntime();
    } catch (e) {
      return failure('script', 'crash', glueError(e));
    }
    try {
      rt.setMaxStackSize(this.limits.stackBytes);
      rt.setMemoryLimit(this.limits.memoryBytes);
      rt.setInterruptHandler(() => Date.now() > deadline);
      const ctx = rt.newContext();
      try {
        outcome = runInContext(ctx, ev, deadline);
      } finally {
        ctx.dispose();
      }
    } catch (e) {
      // The deadline can pass inside the set-up itself on a starved machine: that is a timeout, not a broken engine.
      const interrupted = e instanceof Error && /^(InternalError: )?interrupted/.test(e.message);
      outcome = interrupted ? failure('call', 'timeout', 'InternalError: interrupted') : failure('call', 'crash', glueError(e));
    }
    try {
      rt.dispose();
    } catch (e) {
      // A leaked handle or an aborted instance: the verdict already computed stays valid, the instance does not.
      if (outcome.ok) return { ok: false, stage: 'call', kind: 'crash', error: glueError(e) };
      return { ...outcome, kind: 'crash' };
    }
    return outcome;
  }
}

function failure(stage: 'script' | 'call', kind: FailureKind, error: string): EvaluationOutcome {
  return { ok: false, stage, kind, error };
}

function glueError(e: unknown): string {
  const msg = errorMessage(e);
  return `rules engine failure: ${msg.split('\n')[0]}`;
}

/** Everything that happens inside one context; every handle created here is disposed here. */
function runInContext(ctx: QuickJSContext, ev: Evaluation, deadline: number): EvaluationOutcome {
  const owned: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle) => (owned.push(h), h);
  try {
    // The real String, captured before rule code can replace it: clef converts with ToString on the host side.
    const stringFn = keep(ctx.getProp(ctx.global, 'String'));
    const stackFn = keep(ctx.unwrapResult(ctx.evalCode(STACK_OF, 'prelude.js', { type: 'global' })));
    const toStr = (h: QuickJSHandle): { ok: true; s: string } | { ok: false; error: QuickJSHandle } => {
      if (ctx.typeof(h) === 'string') return { ok: true, s: ctx.getString(h) };
      const r = ctx.callFunction(stringFn, ctx.undefined, h);
      if (r.error) return { ok: false, error: r.error };
      const s = ctx.getString(r.value);
      r.value.dispose();
      return { ok: true, s };
    };
    const errorText = (err: QuickJSHandle) => describeThrown(ctx, err, toStr, stackFn);
    installGlobals(ctx, ev, toStr, keep, deadline);

    const script = ctx.evalCode(ev.source, ev.fileName ?? 'rules.js', { type: 'global' });
    if (script.error) return thrown('script', script.error, errorText);
    script.value.dispose();

    const call = `${ev.functionName}(JSON.parse(${JSON.stringify(ev.argumentJson)}))`;
    const result = ctx.evalCode(call, 'call.js', { type: 'global' });
    if (result.error) return thrown('call', result.error, errorText);
    const converted = toStr(result.value);
    result.value.dispose();
    if (!converted.ok) return thrown('call', converted.error, errorText);
    return { ok: true, value: converted.s };
  } finally {
    for (const h of owned) if (h.alive) h.dispose();
  }
}

type ToStr = (h: QuickJSHandle) => { ok: true; s: string } | { ok: false; error: QuickJSHandle };

/** Defines `console`, `storage` and `BigNumber` (loaded on first access). */
function installGlobals(
  ctx: QuickJSContext,
  ev: Evaluation,
  toStr: ToStr,
  keep: (h: QuickJSHandle) => QuickJSHandle,
  deadline: number,
): void {
  // QuickJS polls its interrupt handler only every few thousand bytecodes, so a loop of host calls could outlive
  // the deadline by far: every host call checks it too (an uncaught one ends the evaluation as a timeout).
  const late = (): { error: QuickJSHandle } | null =>
    Date.now() > deadline ? { error: ctx.newError({ name: 'InternalError', message: 'interrupted' }) } : null;
  // Converts every argument with String(); a throwing toString becomes the caller's exception.
  const strings = (args: QuickJSHandle[], count: number): string[] | { error: QuickJSHandle } => {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = i < args.length ? toStr(args[i]) : { ok: true as const, s: 'undefined' };
      if (!r.ok) return { error: r.error };
      out.push(r.s);
    }
    return out;
  };

  const consoleObj = keep(ctx.newObject());
  const consoleOutput = (...args: QuickJSHandle[]) => {
    const overdue = late();
    if (overdue) return overdue;
    const parts = strings(args, args.length);
    if (!Array.isArray(parts)) return parts;
    try {
      ev.host.console(['JS:> ', ...parts].join(' '));
    } catch {
      // clef ignores stderr write errors too
    }
    return ctx.undefined;
  };
  for (const name of ['log', 'error']) {
    const fn = ctx.newFunction(name, consoleOutput);
    ctx.setProp(consoleObj, name, fn);
    fn.dispose();
  }
  ctx.setProp(ctx.global, 'console', consoleObj);

  const storageObj = keep(ctx.newObject());
  const put = (...args: QuickJSHandle[]) => {
    const overdue = late();
    if (overdue) return overdue;
    const kv = strings(args, 2);
    if (!Array.isArray(kv)) return kv;
    try {
      ev.host.storagePut(kv[0], kv[1]);
    } catch (e) {
      return { error: ctx.newError(`storage failure: ${errorMessage(e)}`) };
    }
    return ctx.null;
  };
  const get = (...args: QuickJSHandle[]) => {
    const overdue = late();
    if (overdue) return overdue;
    const k = strings(args, 1);
    if (!Array.isArray(k)) return k;
    let v: string;
    try {
      v = ev.host.storageGet(k[0]);
    } catch {
      v = '';
    }
    return ctx.newString(v);
  };
  // `Put`/`Get` are the pre-v1.9 names, kept as an extension so old rule files still run.
  for (const [name, impl] of [['put', put], ['get', get], ['Put', put], ['Get', get]] as const) {
    const fn = ctx.newFunction(name, impl);
    ctx.setProp(storageObj, name, fn);
    fn.dispose();
  }
  ctx.setProp(ctx.global, 'storage', storageObj);

  // Loading the library costs milliseconds: a callback gets it only when it reaches for it (a clique rule whose
  // ApproveTx uses BigNumber must not pay for it on every seal).
  ctx.defineProp(ctx.global, 'BigNumber', {
    configurable: true,
    enumerable: false,
    get: () => {
      ctx.setProp(ctx.global, 'BigNumber', ctx.undefined); // via the setter below: becomes a data property
      const r = ctx.evalCode(BIGNUMBER_JS, 'bignumber.js', { type: 'global' });
      if (r.error) throw r.error; // a thrown handle is rethrown inside the VM as is
      r.value.dispose();
      return ctx.getProp(ctx.global, 'BigNumber');
    },
    set: (v: QuickJSHandle) => {
      ctx.defineProp(ctx.global, 'BigNumber', { value: v, configurable: true, enumerable: true });
    },
  });
}

/**
 * Reads an error's own `stack` data property without running rule code (no getters, no proxies' traps leaking
 * exceptions); compiled before the rule file runs, so it holds the real Object.getOwnPropertyDescriptor.
 */
const STACK_OF = `(function (gopd) {
  return function (e) {
    try {
      var d = gopd(e, 'stack');
      return d && typeof d.value === 'string' ? d.value : '';
    } catch (x) {
      return '';
    }
  };
})(Object.getOwnPropertyDescriptor)`;

/** `Name: message` of a thrown value plus its innermost stack frame when there is one. */
function describeThrown(ctx: QuickJSContext, err: QuickJSHandle, toStr: ToStr, stackFn: QuickJSHandle): string {
  let text = 'uncaught exception';
  const s = toStr(err);
  if (s.ok) text = s.s;
  else s.error.dispose();
  if (ctx.typeof(err) === 'object') {
    const r = ctx.callFunction(stackFn, ctx.undefined, err);
    if (r.error) r.error.dispose();
    else {
      const stack = ctx.typeof(r.value) === 'string' ? ctx.getString(r.value) : '';
      r.value.dispose();
      const frame = stack.split('\n').map((l) => l.trim()).find((l) => l.startsWith('at '));
      if (frame) text += ` ${frame}`;
    }
  }
  return text;
}

/** Turns a thrown value into a failed outcome (and releases it). */
function thrown(stage: 'script' | 'call', err: QuickJSHandle, describe: (h: QuickJSHandle) => string): EvaluationOutcome {
  try {
    const text = describe(err);
    return failure(stage, classify(text), text);
  } finally {
    err.dispose();
  }
}

function classify(text: string): FailureKind {
  if (text.startsWith('InternalError: interrupted')) return 'timeout';
  if (text.startsWith('InternalError: out of memory')) return 'memory';
  if (text.startsWith('InternalError: stack overflow') || text.startsWith('RangeError: Maximum call stack')) return 'stack';
  return 'exception';
}
