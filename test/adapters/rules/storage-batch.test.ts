// issue 8 item 4: storage.put ran outside the rules deadline and wrote the whole file on every call (1,000 puts took
// 11 s with every client blocked; a 16 MiB value then 100,000 puts wedged the daemon). Now host calls obey the
// deadline, puts are capped, and an evaluation's writes reach the store in one commit, before its decision is used.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../../core/bytes.ts';
import { FileSecretStore } from '../../../adapters/vault/file-store.ts';
import { RuleEngine } from '../../../adapters/rules/engine.ts';
import { RuleSandbox } from '../../../adapters/rules/sandbox.ts';
import { DEFAULT_STORAGE_LIMITS, EncryptedRuleStorage, MemoryRuleStorage, StorageBatch } from '../../../adapters/rules/storage.ts';
import type { RuleStorage, StorageChange } from '../../../adapters/rules/storage.ts';
import { RecordingLogger } from './support.ts';

const KEY = fromHex('c8647915c25dd6706ac07464509f190049f7e3d5246a3f730efc536cde811919');
const sandbox = new RuleSandbox();
const shortSandbox = new RuleSandbox({ cpuMs: 300 });

let dir: string;
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clef-rules-batch-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A store of jsstorage.json that counts its commits (the vault's FileSecretStore underneath). */
function countingStore(path: string) {
  const file = new FileSecretStore(path, KEY);
  const commits: (readonly StorageChange[])[] = [];
  return {
    file,
    commits,
    async update(changes: readonly StorageChange[]) {
      commits.push(changes);
      await file.update(changes);
    },
  };
}

function engine(source: string, storage: RuleStorage, logger = new RecordingLogger(), box = sandbox, storageLimits = DEFAULT_STORAGE_LIMITS) {
  return new RuleEngine({ source, storage, logger, sandbox: box, storageLimits, writeConsole: () => {} });
}

describe('rule storage: one commit per evaluation, capped, inside the deadline', () => {
  it('300 puts are one write of the store, made before the decision is returned', async () => {
    const path = join(dir, `js-${++n}.json`);
    const store = countingStore(path);
    const storage = new EncryptedRuleStorage(path, KEY, { store });
    const e = engine('function ApproveTx(){ for (var i = 0; i < 300; i++) storage.put("k" + i, "v" + i); storage.put("k7", ""); return "Approve" }', storage);
    const r = await e.checkApproval('ApproveTx', '{}');
    assert.equal(r.decision, 'approve');
    assert.equal(store.commits.length, 1, 'one durable write for the whole evaluation');
    assert.equal(store.commits[0].length, 300);
    assert.deepEqual(store.commits[0].at(-1), ['k7', null], 'put("k7", "") is a deletion, ordered last');
    assert.equal(await store.file.get('k299'), 'v299');
    await assert.rejects(store.file.get('k7'), /not found/);
    // the next evaluation reads what the previous one committed
    const e2 = engine('function ApproveTx(){ return storage.get("k3") === "v3" && storage.get("k7") === "" ? "Approve" : "Reject" }', storage);
    assert.equal((await e2.checkApproval('ApproveTx', '{}')).decision, 'approve');
  });

  it('an evaluation reads its own writes before they are committed', async () => {
    const storage = new MemoryRuleStorage([['a', '1']]);
    const e = engine('function ApproveTx(){ storage.put("a", "2"); storage.put("b", "x"); storage.put("b", ""); return storage.get("a") + "|" + storage.get("b") }', storage);
    const r = await e.execute('ApproveTx', '{}');
    assert.deepEqual(r, { ok: true, value: '2|' });
    assert.equal(storage.get('a'), '2');
    assert.equal(storage.map.has('b'), false);
  });

  it('a put over 256 KiB is refused, stores nothing, and the rule sees the error', async () => {
    const storage = new MemoryRuleStorage();
    const e = engine('function ApproveTx(){ var big = Array(1024 * 1024 + 1).join("x"); try { storage.put("big", big) } catch (e) { return String(e) } return "stored" }', storage);
    const r = await e.execute('ApproveTx', '{}');
    assert.ok(r.ok);
    assert.match(r.value, /storage failure: key and value exceed 262144 bytes/);
    assert.equal(storage.map.size, 0);
  });

  it('100,000 puts stop at the per-evaluation cap; the rest is refused, the puts before it are kept', async () => {
    const storage = new MemoryRuleStorage();
    const limits = { ...DEFAULT_STORAGE_LIMITS, maxPuts: 50 };
    const e = engine('function ApproveTx(){ var ok = 0, refused = 0; for (var i = 0; i < 100000; i++) { try { storage.put("k" + i, "v"); ok++ } catch (e) { refused++; if (refused > 100) break } } return ok + "/" + refused }', storage, new RecordingLogger(), sandbox, limits);
    const r = await e.execute('ApproveTx', '{}');
    assert.deepEqual(r, { ok: true, value: '50/101' });
    assert.equal(storage.map.size, 50);
  });

  it('the default caps: 1,000 puts, 256 KiB per put, 1 MiB per evaluation', () => {
    assert.deepEqual({ ...DEFAULT_STORAGE_LIMITS }, { maxPuts: 1000, maxPutBytes: 262144, maxBytes: 1048576 });
    const b = new StorageBatch(() => () => '');
    for (let i = 0; i < 1000; i++) b.put(`k${i}`, 'v');
    assert.throws(() => b.put('one-more', 'v'), /more than 1000 writes in one evaluation/);
    const c = new StorageBatch(() => () => '');
    assert.throws(() => c.put('k', 'é'.repeat(131072)), /key and value exceed 262144 bytes/, 'UTF-8 bytes are counted');
    c.put('k', 'x'.repeat(262143));
  });

  it('more than 1 MiB written in one evaluation is refused', () => {
    const b = new StorageBatch(() => () => '');
    const chunk = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 5; i++) b.put(`k${i}`, chunk);
    assert.throws(() => b.put('k5', chunk), /more than 1048576 bytes written in one evaluation/);
    assert.equal(b.changes().length, 5);
  });

  it('host calls count against the deadline: slow storage reads cannot stretch an evaluation', async () => {
    let reads = 0;
    const slow: RuleStorage = {
      snapshot: () => (key) => {
        reads++;
        const until = Date.now() + 5;
        while (Date.now() < until); // a slow disk, on every lookup
        return key;
      },
      commit: async () => {},
    };
    const e = engine('function ApproveTx(){ for (var i = 0; i < 1000; i++) storage.get("k" + i); return "Approve" }', slow, new RecordingLogger(), shortSandbox);
    const r = await e.execute('ApproveTx', '{}');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /^InternalError: interrupted/);
    assert.ok(reads < 1000, `stopped at the deadline after ${reads} of 1000 lookups`);
  });

  it('a commit that fails turns an approval into a fall-through (a slashing rule never signs unrecorded)', async () => {
    const logger = new RecordingLogger();
    const failing: RuleStorage = {
      snapshot: () => () => '',
      commit: async () => {
        throw new Error('disk full');
      },
    };
    const e = engine('function ApproveSignData(){ storage.put("lastblock", "46"); return "Approve" }', failing, logger);
    const d = await e.checkApproval('ApproveSignData', '{}');
    assert.equal(d.decision, 'fallthrough');
    assert.match(d.decision === 'fallthrough' ? d.error : '', /storage failure: disk full/);
    assert.ok(logger.lines().includes('WARN Failed to write entry'));
  });

  it('the writes of a failing evaluation are still committed (clef writes at once)', async () => {
    const storage = new MemoryRuleStorage();
    const e = engine('function ApproveTx(){ storage.put("seen", "1"); throw new Error("boom") }', storage);
    const r = await e.execute('ApproveTx', '{}');
    assert.equal(r.ok, false);
    assert.equal(storage.get('seen'), '1');
  });
});
