// Hostile rule files: each attack must never approve, never take the process down, and the very next request
// (through the same QuickJS instance) must be answered normally.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Account, ListRequest, SignTxRequest } from '../../../core/ports.ts';
import { RulesApprover } from '../../../adapters/rules/rules-approver.ts';
import { RuleSandbox } from '../../../adapters/rules/sandbox.ts';
import { MemoryRuleStorage } from '../../../adapters/rules/storage.ts';
import { AlwaysDenyUi, ConsoleSink, RecordingLogger, TEST_META } from './support.ts';

// Small caps keep the file fast: 300 ms per evaluation, 32 MiB of wasm memory.
const sandbox = new RuleSandbox({ cpuMs: 300, memoryBytes: 32 * 1024 * 1024 });
after(() => sandbox.idle());

const TX: SignTxRequest = {
  transaction: { from: '0x000000000000000000000000000000000000dead', to: null, gas: '0x0', gasPrice: null, maxFeePerGas: null, maxPriorityFeePerGas: null, value: '0x0', nonce: '0x0' },
  call_info: null,
  meta: TEST_META,
};
const ACCOUNTS: Account[] = [{ address: `0x${'11'.repeat(20)}` as Account['address'], url: 'keystore:///k' }];
const LIST: ListRequest = { accounts: ACCOUNTS, meta: TEST_META };

/** The attack runs in ApproveTx; ApproveListing is the well-behaved follow-up request. */
function rulesWith(attack: string, topLevel = ''): string {
  return `${topLevel}\nfunction ApproveTx(r) {\n${attack}\n}\nfunction ApproveListing(r) { return "Approve" }\n`;
}

async function attack(body: string, topLevel = '') {
  const deny = new AlwaysDenyUi();
  const logger = new RecordingLogger();
  const sink = new ConsoleSink();
  const storage = new MemoryRuleStorage();
  const rules = new RulesApprover({ source: rulesWith(body, topLevel), next: deny, storage, logger, sandbox, writeConsole: sink.write });
  const res = await rules.approveTx(TX);
  assert.deepEqual(res, { approved: false }, 'never approved');
  assert.deepEqual(deny.calls, ['ApproveTx'], 'fell through to the next UI');
  const fallthrough = logger.records.find((r) => r.msg === 'Rule-based approval error, going to manual');
  assert.ok(fallthrough, logger.lines().join('\n'));
  return { rules, deny, logger, sink, storage, error: String(fallthrough.attrs.error) };
}

/** The next request, in a well-behaved rule file on the same sandbox, gets its normal answer. */
async function nextRequestIsNormal(): Promise<void> {
  const deny = new AlwaysDenyUi();
  const rules = new RulesApprover({ source: rulesWith('return "Reject"'), next: deny, storage: new MemoryRuleStorage(), logger: new RecordingLogger(), sandbox });
  assert.deepEqual(await rules.approveListing(LIST), { accounts: ACCOUNTS });
  assert.deepEqual(await rules.approveTx(TX), { approved: false });
  assert.deepEqual(deny.calls, [], 'answered by the rules, not the UI');
}

describe('rules engine: hostile rule files', () => {
  it('infinite loop is interrupted at the deadline', async () => {
    const { error } = await attack('while (true) {}');
    assert.match(error, /^InternalError: interrupted/);
    await nextRequestIsNormal();
  });

  it('an interrupted loop cannot catch the interruption and carry on', async () => {
    const { error } = await attack('for (;;) { try { while (true) {} } catch (e) {} } return "Approve"');
    assert.match(error, /interrupted/);
    await nextRequestIsNormal();
  });

  it('infinite loop at top level of the rule file: Execution failed, fall-through', async () => {
    const { logger } = await attack('return "Approve"', 'while (true) {}');
    assert.ok(logger.lines().includes('WARN Execution failed'));
    await nextRequestIsNormal();
  });

  it('catastrophic regex backtracking is interrupted', async () => {
    const { error } = await attack('return /(a+)+$/.test(Array(40).join("a") + "b") ? "Approve" : "Approve"');
    assert.match(error, /interrupted/);
    await nextRequestIsNormal();
  });

  it('memory bomb hits the wasm memory cap; the instance is rebuilt and the next request is served', async () => {
    const before = sandbox.rebuilds;
    const { error } = await attack('var a = []; for (var i = 0; ; i++) a.push("x".repeat(100000) + i);');
    assert.match(error, /out of memory/);
    assert.equal(sandbox.rebuilds, before + 1);
    await nextRequestIsNormal();
  });

  it('string doubling and huge buffers fail without approving', async () => {
    await attack('var s = "x"; while (true) s += s;');
    await attack('var b = new ArrayBuffer(1024 * 1024 * 1024); return "Approve"');
    await attack('var t = []; while (true) t.push(new Float64Array(1 << 20));');
    await nextRequestIsNormal();
  });

  it('deep recursion stops at the stack limit', async () => {
    const { error } = await attack('function f(n) { return f(n + 1) + 1 } return f(0) ? "Approve" : "Approve"');
    assert.match(error, /stack overflow|call stack/);
    await nextRequestIsNormal();
  });

  it('deeply nested data (native recursion in the engine) is contained', async () => {
    await attack('var x = JSON.parse(Array(200001).join("[") + Array(200001).join("]")); return String(x) + "Approve"');
    await attack('var a = []; for (var i = 0; i < 1e6; i++) a = [a]; return String(a) + "Approve"');
    await nextRequestIsNormal();
  });

  it('a result whose toString throws (or loops) falls through', async () => {
    let r = await attack('return { toString: function () { throw new Error("no string for you") } }');
    assert.match(r.error, /no string for you/);
    r = await attack('return { toString: function () { while (true) {} } }');
    assert.match(r.error, /interrupted/);
    await nextRequestIsNormal();
  });

  it('thrown values that resist printing still fall through', async () => {
    let r = await attack('throw { toString: function () { throw 1 } }');
    assert.equal(r.error, 'uncaught exception');
    r = await attack('var e = new Error("x"); Object.defineProperty(e, "message", { get: function () { while (true) {} } }); throw e;');
    assert.ok(r.error.length > 0);
    r = await attack('var e = new Error("x"); Object.defineProperty(e, "stack", { get: function () { while (true) {} } }); throw e;');
    assert.match(r.error, /^Error: x/);
    await nextRequestIsNormal();
  });

  it('a returned Promise (async function, dynamic import) is not a decision; queued jobs never run', async () => {
    const { error, storage } = await attack('Promise.resolve().then(function () { storage.put("late", "1") }); return import("os")');
    assert.equal(error, 'unknown response');
    assert.equal(storage.map.size, 0);
    const r2 = await attack('return (async function () { return "Approve" })()');
    assert.equal(r2.error, 'unknown response');
    await nextRequestIsNormal();
  });

  it('prototype pollution in one call is invisible to the next call', async () => {
    const deny = new AlwaysDenyUi();
    const source = `
      function ApproveTx(r) {
        Object.prototype.polluted = "Approve";
        Object.prototype.toString = function () { return "Approve" };
        Array.prototype.join = function () { return "Approve" };
        String.prototype.toLowerCase = function () { return "0x0000000000000000000000000000000000001337" };
        JSON.parse = function () { return { accounts: [] } };
        globalThis.leaked = "Approve";
        BigNumber = null;
      }
      function ApproveListing(r) {
        var clean = typeof ({}).polluted === "undefined" && typeof leaked === "undefined" &&
          ({}).toString() === "[object Object]" && [1, 2].join() === "1,2" &&
          "ABC".toLowerCase() === "abc" && r.accounts.length === 1 && typeof BigNumber === "function";
        return clean ? "Approve" : "Reject";
      }`;
    const rules = new RulesApprover({ source, next: deny, storage: new MemoryRuleStorage(), logger: new RecordingLogger(), sandbox });
    assert.deepEqual(await rules.approveTx(TX), { approved: false });
    assert.deepEqual(await rules.approveListing(LIST), { accounts: ACCOUNTS });
    assert.deepEqual(deny.calls, ['ApproveTx']);
  });

  it('no way to reach the host: require, process, timers, fetch, Function-constructor tricks, import', async () => {
    const probe = `
      function ApproveTx(r) {
        var g = (0, eval)("this");
        var viaFunction = Function("return this")();
        var viaConstructor = console.log.constructor("return this")();
        var names = ["require", "process", "module", "exports", "Buffer", "setTimeout", "setInterval", "setImmediate",
          "queueMicrotask", "fetch", "WebAssembly", "Deno", "Bun", "std", "os", "print", "scriptArgs", "load",
          "loadScript", "importScripts", "XMLHttpRequest", "web3", "__filename"];
        var found = [];
        for (var i = 0; i < names.length; i++) {
          if (typeof g[names[i]] !== "undefined" || typeof viaFunction[names[i]] !== "undefined" ||
              typeof viaConstructor[names[i]] !== "undefined") found.push(names[i]);
        }
        if (typeof console.warn !== "undefined" || typeof console.info !== "undefined") found.push("console.*");
        return found.length === 0 && g === viaFunction && g === viaConstructor ? "clean" : "found " + found.join();
      }`;
    const deny = new AlwaysDenyUi();
    const rules = new RulesApprover({ source: probe, next: deny, storage: new MemoryRuleStorage(), logger: new RecordingLogger(), sandbox });
    assert.deepEqual(await rules.engine.execute('ApproveTx', 'null'), { ok: true, value: 'clean' });
    // The globals of the environment, exactly: ECMAScript built-ins plus console, storage and BigNumber.
    const globals = await rules.engine.execute(
      'G',
      'null',
    );
    assert.equal(globals.ok, false); // no such function: a ReferenceError, not a crash
    const list = new RulesApprover({
      source: 'function G() { return Object.getOwnPropertyNames(globalThis).sort().join(" ") }',
      next: deny,
      storage: new MemoryRuleStorage(),
      logger: new RecordingLogger(),
      sandbox,
    });
    const names = await list.engine.execute('G', 'null');
    assert.ok(names.ok);
    const nonStandard = names.value.split(' ').filter((n) => !ECMASCRIPT_GLOBALS.has(n));
    assert.deepEqual(nonStandard.sort(), ['BigNumber', 'G', 'console', 'storage']);
    // import declarations make the file a syntax error (rule files are scripts, never modules)
    const { logger } = await attack('return "Approve"', 'import fs from "fs";');
    assert.ok(logger.lines().includes('WARN Execution failed'));
    // console.warn/info/debug are not defined: calling them throws a TypeError (clef behaviour)
    const warned = await attack('console.warn("x"); return "Approve"');
    assert.match(warned.error, /^TypeError/);
    await nextRequestIsNormal();
  });

  it('storage misuse: a value whose toString throws is not stored and the call falls through', async () => {
    const { storage, error } = await attack('storage.put("k", { toString: function () { throw new Error("nope") } }); return "Approve"');
    assert.match(error, /nope/);
    assert.equal(storage.map.size, 0);
    await nextRequestIsNormal();
  });

  it('a syntax error in the rule file fails every callback (clef: still "configured") and falls through', async () => {
    const { logger, error } = await attack('return "Approve"', 'function (');
    assert.match(error, /^SyntaxError/);
    assert.ok(logger.lines().includes('WARN Execution failed'));
    await nextRequestIsNormal();
  });
});

/** ECMAScript global names QuickJS defines (ES2023 + annex B + ES2024/25 additions QuickJS ships). */
const ECMASCRIPT_GLOBALS = new Set(
  (
    'Object Function Error EvalError RangeError ReferenceError SyntaxError TypeError URIError InternalError AggregateError ' +
    'Array parseInt parseFloat isNaN isFinite decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape ' +
    'Infinity NaN undefined Number Boolean String Math Reflect Symbol eval globalThis Date RegExp JSON Proxy Map Set ' +
    'WeakMap WeakSet WeakRef FinalizationRegistry ArrayBuffer SharedArrayBuffer Uint8ClampedArray Int8Array Uint8Array ' +
    'Int16Array Uint16Array Int32Array Uint32Array BigInt64Array BigUint64Array Float16Array Float32Array Float64Array ' +
    'DataView Atomics Promise BigInt Iterator SuppressedError DisposableStack AsyncDisposableStack'
  ).split(' '),
);
