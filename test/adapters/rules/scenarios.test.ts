// rules-engine.md §9 scenarios A–F end to end: core's Signer (real validation, signing and OnApprovedTx) with the
// RulesApprover in front of a scripted manual UI, rule state in an encrypted jsstorage.json on disk.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, keccak256, toChecksumAddress, utf8 } from '../../../core/bytes.ts';
import { MixedcaseAddress } from '../../../core/gojson.ts';
import { encryptKeyFile } from '../../../core/keyfile.ts';
import { decryptEntry, parseStore } from '../../../core/kvstore.ts';
import { FourByteDb } from '../../../core/fourbyte.ts';
import { defaultMeta } from '../../../core/rpc.ts';
import { addressOfPrivateKey, recoverAddress } from '../../../core/secp256k1.ts';
import { Signer } from '../../../core/signer.ts';
import { textHash } from '../../../core/signdata.ts';
import { decodeSendTxArgs } from '../../../core/tx.ts';
import { RulesApprover } from '../../../adapters/rules/rules-approver.ts';
import { RuleSandbox } from '../../../adapters/rules/sandbox.ts';
import { EncryptedRuleStorage } from '../../../adapters/rules/storage.ts';
import { makeCliqueChain } from '../../support/clique-chain.ts';
import { CounterRandom, CountingKdf, MemoryKeyStore, MemoryStore, ScriptedApprover } from '../../support/fakes.ts';
import { ConsoleSink, RecordingLogger } from './support.ts';
import { SCENARIO_A } from './support.ts';

const KEY = fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const ADDR = addressOfPrivateKey(KEY);
const CHECKSUMMED = toChecksumAddress(ADDR);
const PASSWORD = 'correct horse battery';
/** Keccak256("jsstorage" ‖ seed) for some seed. */
const STORAGE_KEY = keccak256(utf8('jsstorage' + 'scenario seed'));
const meta = { ...defaultMeta(), scheme: 'ipc' };
const sandbox = new RuleSandbox();

let dir: string;
let files = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clef-rules-scen-'));
});
after(async () => {
  await sandbox.idle();
  rmSync(dir, { recursive: true, force: true });
});

/** A signer with one key (password stored via setpw, so approvals never prompt) behind the rules. */
async function setup(source: string, storagePath = join(dir, `jsstorage-${++files}.json`)) {
  const kdf = new CountingKdf();
  const random = new CounterRandom();
  const keystore = new MemoryKeyStore();
  keystore.files.set('/mem/UTC--a', { address: ADDR, json: await encryptKeyFile(KEY, PASSWORD, { n: 1024, p: 1 }, kdf, random) });
  const credentials = new MemoryStore();
  await credentials.put(CHECKSUMMED, PASSWORD);
  const manual = new ScriptedApprover();
  manual.approveAll = false;
  const logger = new RecordingLogger();
  const sink = new ConsoleSink();
  const storage = new EncryptedRuleStorage(storagePath, STORAGE_KEY, { logger });
  const rules = new RulesApprover({ source, next: manual, storage, logger, sandbox, writeConsole: sink.write });
  const signer = new Signer(
    { keystore, kdf, random, approver: rules, credentials, fourByte: FourByteDb.builtin(), logger },
    { chainId: 1n, advanced: false, keyParams: { n: 1024, p: 1 }, cacheKeys: true },
  );
  return { signer, rules, manual, logger, sink, storage, storagePath };
}

const addr = () => new MixedcaseAddress(ADDR, CHECKSUMMED);
const DEAD = '0x000000000000000000000000000000000000dEaD';
const tx = (value: string, nonce: number, to: string | null = DEAD) =>
  decodeSendTxArgs({ from: CHECKSUMMED, to, gas: '0x5208', gasPrice: '0x1e8480', value, nonce: `0x${nonce.toString(16)}` });

/** The decrypted entries of a jsstorage.json file. */
function decryptFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, e] of parseStore(readFileSync(path, 'utf8'))) out[k] = decryptEntry(STORAGE_KEY, k, e);
  return out;
}

describe('rules engine scenarios (rules-engine.md §9)', () => {
  it('A: rate-limited window: three 0.3 ether transfers signed, the fourth goes to the manual UI', async () => {
    const { signer, rules, manual, logger, storagePath } = await setup(SCENARIO_A);
    const point3 = '0x429d069189e0000';
    for (let i = 0; i < 3; i++) {
      const res = await signer.signTransaction(meta, tx(point3, i), null);
      assert.equal(res.tx.value, point3);
    }
    assert.deepEqual(manual.calls, []);
    await assert.rejects(signer.signTransaction(meta, tx(point3, 3), null), { message: 'request denied' });
    assert.deepEqual(manual.calls, ['approveTx']);
    const unknown = logger.records.filter((r) => r.msg === 'Rule-based approval error, going to manual');
    assert.deepEqual(unknown.map((r) => r.attrs), [{ error: 'unknown response' }]);
    // A human approves the fifth: it is signed and OnApprovedTx records it too (never forwarded to the UI).
    manual.approveAll = true;
    await signer.signTransaction(meta, tx(point3, 4), null);
    await signer.signTransaction(meta, tx('0x0', 5), null); // 1.2 + 0 ≥ 1: still manual
    assert.deepEqual(manual.calls, ['approveTx', 'approveTx', 'approveTx']);
    assert.deepEqual(manual.approvedTxs, [], 'the UI never receives OnApprovedTx while rules are active');
    await rules.idle(); // OnApprovedTx runs queued, before any later rule evaluation
    const txs = JSON.parse(decryptFile(storagePath).txs) as { tstamp: number; value: string }[];
    assert.deepEqual(txs.map((t) => t.value), ['300000000000000000', '300000000000000000', '300000000000000000', '300000000000000000', '0']);
  });

  const CLIQUE_ONLY = `
    function OnSignerStartup(info) {}
    function ApproveListing() { return "Approve" }
    function ApproveSignData(r) {
      if (r.content_type == "application/x-clique-header") {
        for (var i = 0; i < r.messages.length; i++) {
          var msg = r.messages[i];
          if (msg.name == "Clique header" && msg.type == "clique") { return "Approve" }
        }
      }
      return "Reject"
    }`;

  it('B: clique sealer: headers approved, personal messages rejected, transactions and account_new stay manual', async () => {
    const { signer, rules, manual, logger } = await setup(CLIQUE_ONLY);
    rules.onSignerStartup({ info: { intapi_version: '7.0.1', extapi_version: '6.1.0', extapi_http: 'n/a', extapi_ipc: '/tmp/clef.ipc' } });
    for (const link of makeCliqueChain(3, KEY, 1)) {
      const sig = await signer.signData(meta, 'application/x-clique-header', addr(), link.payloadHex);
      assert.equal(recoverAddress(link.sealHash, sig), ADDR);
    }
    await assert.rejects(signer.signData(meta, 'text/plain', addr(), '0x68656c6c6f'), { message: 'request denied' });
    await assert.rejects(signer.signTransaction(meta, tx('0x1', 0), null), { message: 'request denied' });
    await assert.rejects(signer.newAccount(meta), { message: 'request denied' });
    assert.deepEqual(await signer.list(meta), [ADDR]);
    assert.deepEqual(manual.calls, ['approveTx', 'approveNewAccount']);
    await rules.idle();
    const lines = logger.lines();
    assert.equal(lines.filter((l) => l === 'INFO Op approved').length, 4);
    assert.equal(lines.filter((l) => l === 'INFO Op rejected').length, 1);
    // Only the transaction's missing ApproveTx errs; the empty OnSignerStartup keeps start-up quiet.
    assert.equal(lines.filter((l) => l === 'INFO error occurred during execution').length, 1);
  });

  const SLASHING = `
    function OnSignerStartup(info) {}
    function ApproveListing() { return "Approve" }
    function ApproveSignData(r) {
      if (r.content_type != "application/x-clique-header") { return "Reject" }
      for (var i = 0; i < r.messages.length; i++) {
        var msg = r.messages[i];
        if (msg.name == "Clique header" && msg.type == "clique") {
          var number = parseInt(msg.value.split(" ")[2]);
          var latest = storage.get("lastblock") || 0;
          console.log("number", number, "latest", latest);
          if (number > latest) {
            storage.put("lastblock", number);
            return "Approve";
          }
        }
      }
      return "Reject"
    }`;

  it('C: slashing protection: refuses sealed heights, persists lastblock encrypted, survives a restart, cannot be raced', async () => {
    const first = await setup(SLASHING);
    first.storage.put('lastblock', '44');
    const chain = makeCliqueChain(4, KEY, 1, { startNumber: 45n }); // heights 45..48
    await first.signer.signData(meta, 'application/x-clique-header', addr(), chain[0].payloadHex);
    await first.signer.signData(meta, 'application/x-clique-header', addr(), chain[1].payloadHex);
    assert.deepEqual(first.sink.lines(), ['JS:>  number 45 latest 44', 'JS:>  number 46 latest 45']);
    for (const again of [chain[0], chain[1]]) {
      await assert.rejects(first.signer.signData(meta, 'application/x-clique-header', addr(), again.payloadHex), { message: 'request denied' });
    }
    assert.deepEqual(first.manual.calls, [], 'an explicit Reject never reaches the UI');
    assert.deepEqual(decryptFile(first.storagePath), { lastblock: '46' });
    assert.match(readFileSync(first.storagePath, 'utf8'), /^\{"lastblock":\{"iv":"[A-Za-z0-9+/]{16}","c":"[A-Za-z0-9+/=]+"\}\}$/);

    // Restart: a new engine over the same file still refuses 46 and signs 47.
    const second = await setup(SLASHING, first.storagePath);
    await assert.rejects(second.signer.signData(meta, 'application/x-clique-header', addr(), chain[1].payloadHex), { message: 'request denied' });
    await second.signer.signData(meta, 'application/x-clique-header', addr(), chain[2].payloadHex);

    // Sixteen concurrent requests for height 48: evaluations are serialised, exactly one is signed.
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () => second.signer.signData(meta, 'application/x-clique-header', addr(), chain[3].payloadHex)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.deepEqual(decryptFile(first.storagePath), { lastblock: '48' });
  });

  it('D: sender allow/deny list: allowed sender signed, denied sender refused, anyone else manual', async () => {
    const rule = (allow: string, deny: string) => `
      function ApproveTx(r) {
        if (r.transaction.from.toLowerCase() == "${allow}") { return "Approve" }
        if (r.transaction.from.toLowerCase() == "${deny}") { return "Reject" }
        // Otherwise goes to manual processing
      }`;
    const other = '0x0000000000000000000000000000000000001337';
    const allowed = await setup(rule(ADDR, other));
    const signed = await allowed.signer.signTransaction(meta, tx('0x1', 0), null);
    assert.match(signed.raw, /^0x/);
    const denied = await setup(rule(other, ADDR));
    await assert.rejects(denied.signer.signTransaction(meta, tx('0x1', 0), null), { message: 'request denied' });
    assert.deepEqual(denied.manual.calls, []);
    const neither = await setup(rule(other, '0x000000000000000000000000000000000000dead'));
    await assert.rejects(neither.signer.signTransaction(meta, tx('0x1', 0), null), { message: 'request denied' });
    assert.deepEqual(neither.manual.calls, ['approveTx']);
  });

  it('E: message keyword: bazonk signed, other text refused; Op approved then Op rejected', async () => {
    const source = `
      function ApproveListing() { return "Approve" }
      function ApproveSignData(r) {
        if (r.address.toLowerCase() == "${ADDR}") {
          if (r.messages[0].value.indexOf("bazonk") >= 0) { return "Approve" }
          return "Reject"
        }
        // Otherwise goes to manual processing
      }`;
    const { signer, manual, logger } = await setup(source);
    assert.deepEqual(await signer.list(meta), [ADDR]);
    logger.clear();
    const sig = await signer.signData(meta, 'data/plain', addr(), '0x202062617a6f6e6b2062617a2067617a0a');
    const v01 = sig.slice();
    v01[64] -= 27;
    assert.equal(recoverAddress(textHash(utf8('  bazonk baz gaz\n')), v01), ADDR);
    await assert.rejects(signer.signData(meta, 'data/plain', addr(), '0x2020626f6e6b2062617a2067617a0a'), { message: 'request denied' });
    assert.deepEqual(logger.lines().filter((l) => l.startsWith('INFO Op')), ['INFO Op approved', 'INFO Op rejected']);
    assert.deepEqual(manual.calls, []);
  });

  const CONTRACT = toChecksumAddress('0xae967917c465db8578ca9024c205720b1a3651a9');
  const capped = (limit: string) => `
    function big(str) {
      if (str.slice(0, 2) == "0x") { return new BigNumber(str.slice(2), 16) }
      return new BigNumber(str)
    }
    // Approve transactions to a certain contract if the value is below a certain limit
    function ApproveTx(req) {
      var limit = ${limit};
      var value = big(req.transaction.value);
      if (req.transaction.to.toLowerCase() == "${CONTRACT.toLowerCase()}" && value.lt(limit)) {
        return "Approve"
      }
      // If we return "Reject", it will be rejected. By not returning anything, it goes to manual processing.
    }`;

  it('F: the published value cap (0x… into BigNumber) always falls through; written correctly it approves', async () => {
    const published = await setup(capped('new BigNumber("0xb1a2bc2ec50000")'));
    await assert.rejects(published.signer.signTransaction(meta, tx('0x2386f26fc10000', 0, CONTRACT), null), { message: 'request denied' });
    assert.deepEqual(published.manual.calls, ['approveTx']);
    const err = published.logger.records.find((r) => r.msg === 'error occurred during execution');
    assert.match(String(err?.attrs.error), /^BigNumber Error: new BigNumber\(\) not a base 16 number: /);

    const fixed = await setup(capped('new BigNumber("b1a2bc2ec50000", 16)'));
    await fixed.signer.signTransaction(meta, tx('0x2386f26fc10000', 0, CONTRACT), null); // 0.01 ether: approved
    assert.deepEqual(fixed.manual.calls, []);
    await assert.rejects(fixed.signer.signTransaction(meta, tx('0xb1a2bc2ec50000', 1, CONTRACT), null)); // 0.05: not below
    await assert.rejects(fixed.signer.signTransaction(meta, tx('0x1', 2, DEAD), null)); // other recipient
    assert.deepEqual(fixed.manual.calls, ['approveTx', 'approveTx']);
    // Contract creation: `to` is null, .toLowerCase() throws → manual.
    const creation = decodeSendTxArgs({ from: CHECKSUMMED, gas: '0x5208', gasPrice: '0x1e8480', value: '0x1', nonce: '0x3', data: '0x' + '60'.repeat(64) });
    await assert.rejects(fixed.signer.signTransaction(meta, creation, null));
    assert.deepEqual(fixed.manual.calls, ['approveTx', 'approveTx', 'approveTx']);
    assert.match(String(fixed.logger.records.filter((r) => r.msg === 'error occurred during execution').at(-1)?.attrs.error), /^TypeError/);
  });
});
