// clef's signer/rules test suite (rules-engine.md §8, tests 1–8) against RulesApprover, with the three stand-in
// next UIs: always-deny, recorder and must-not-be-called.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { base64 } from '@scure/base';
import { toHex, utf8 } from '../../../core/bytes.ts';
import { RequestDeniedError } from '../../../core/errors.ts';
import type { Account, ListRequest, SignDataRequest, SignTxRequest } from '../../../core/ports.ts';
import { textHash, textMessage } from '../../../core/signdata.ts';
import { decodeSendTxArgs, encodeSendTxArgs } from '../../../core/tx.ts';
import { RulesApprover } from '../../../adapters/rules/rules-approver.ts';
import { RuleSandbox } from '../../../adapters/rules/sandbox.ts';
import { MemoryRuleStorage } from '../../../adapters/rules/storage.ts';
import { AlwaysDenyUi, ConsoleSink, MustNotBeCalledUi, RecorderUi, RecordingLogger, SCENARIO_A, TEST_META } from './support.ts';
import type { Approver } from '../../../core/ports.ts';

const sandbox = new RuleSandbox();
after(() => sandbox.idle());

function make(source: string, next: Approver) {
  const logger = new RecordingLogger();
  const sink = new ConsoleSink();
  const storage = new MemoryRuleStorage();
  const rules = new RulesApprover({ source, next, storage, logger, sandbox, writeConsole: sink.write });
  return { rules, logger, sink, storage };
}

/** A SignTxRequest exactly as core builds it from the caller's SendTxArgs JSON. */
function txRequest(args: Record<string, string | null>, callInfo: SignTxRequest['call_info'] = null): SignTxRequest {
  return { transaction: encodeSendTxArgs(decodeSendTxArgs(args)), call_info: callInfo, meta: TEST_META };
}

const LISTING_RULES = `function ApproveListing(){ return "Approve" }`;

describe('rules engine: clef test suite (rules-engine.md §8)', () => {
  it('1 list request: the rule approves, all 5 accounts are returned, the deny UI is not consulted', async () => {
    const deny = new AlwaysDenyUi();
    const { rules, logger } = make(LISTING_RULES, deny);
    const accounts: Account[] = [0, 1, 2, 3, 4].map((i) => ({
      address: `0x${'00'.repeat(19)}0${i}` as Account['address'],
      url: `test://acc-${i}`,
    }));
    const req: ListRequest = { accounts, meta: { ...TEST_META, remote: 'remoteip', local: 'localip', scheme: 'inproc' } };
    const res = await rules.approveListing(req);
    assert.deepEqual(res.accounts, accounts);
    assert.deepEqual(deny.calls, []);
    assert.deepEqual(logger.lines(), ['INFO Op approved']);
  });

  const TX_RULES = `
    function ApproveTx(r) {
      console.log("transaction.from", r.transaction.from);
      console.log("transaction.to", r.transaction.to);
      console.log("transaction.value", r.transaction.value);
      console.log("transaction.nonce", r.transaction.nonce);
      if (r.transaction.from.toLowerCase() == "0x0000000000000000000000000000000000001337") { return "Approve" }
      if (r.transaction.from.toLowerCase() == "0x000000000000000000000000000000000000dead") { return "Reject" }
    }`;

  it('2 sign-tx request: from …1337 is approved and signed unchanged; …dead rejected; others manual', async () => {
    const deny = new AlwaysDenyUi();
    const { rules, sink } = make(TX_RULES, deny);
    // clef's test builds the address from "0000…1337" (no prefix); Go's MixedcaseAddress marshals it with "0x".
    const req = txRequest({ from: '0x0000000000000000000000000000000000001337', to: '0x000000000000000000000000000000000000dEaD' });
    const res = await rules.approveTx(req);
    assert.equal(res.approved, true);
    assert.equal(res.transaction, req.transaction, 'the very transaction object requested');
    assert.deepEqual(deny.calls, []);
    assert.deepEqual(sink.lines(), [
      'JS:>  transaction.from 0x0000000000000000000000000000000000001337',
      'JS:>  transaction.to 0x000000000000000000000000000000000000dEaD',
      'JS:>  transaction.value 0x0',
      'JS:>  transaction.nonce 0x0',
    ]);
    // and the other two branches of the same rule
    const rejected = await rules.approveTx(txRequest({ from: '0x000000000000000000000000000000000000DEAD' }));
    assert.deepEqual(rejected, { approved: false });
    assert.deepEqual(deny.calls, []);
    const manual = await rules.approveTx(txRequest({ from: '0x0000000000000000000000000000000000000001' }));
    assert.deepEqual(manual, { approved: false });
    assert.deepEqual(deny.calls, ['ApproveTx']);
  });

  it('3 forwarding: an empty rule file forwards exactly 6 calls; OnApprovedTx is not forwarded', async () => {
    const rec = new RecorderUi();
    const { rules, logger } = make('', rec);
    const nul = null as never;
    await assert.rejects(rules.approveSignData(nul), RequestDeniedError);
    await assert.rejects(rules.approveTx(nul), RequestDeniedError);
    await assert.rejects(rules.approveNewAccount(nul), RequestDeniedError);
    await assert.rejects(rules.approveListing(nul), RequestDeniedError);
    rules.showError('test');
    rules.showInfo('test');
    rules.onApprovedTx(nul);
    await rules.idle();
    assert.deepEqual(rec.calls, ['ApproveSignData', 'ApproveTx', 'ApproveNewAccount', 'ApproveListing', 'ShowError', 'ShowInfo']);
    // clef's log lines: each approval's ReferenceError, the fall-through, and ShowError/ShowInfo as ERROR/INFO.
    const lines = logger.lines();
    assert.equal(lines.filter((l) => l === 'INFO error occurred during execution').length, 4, lines.join('\n'));
    assert.equal(lines.filter((l) => l === 'INFO Rule-based approval error, going to manual').length, 3);
    assert.ok(lines.includes('ERROR test') && lines.includes('INFO test'));
    const err = logger.records.find((r) => r.msg === 'error occurred during execution')!;
    assert.match(String(err.attrs.error), /^ReferenceError: .*ApproveSignData.* is not defined/);
  });

  const SAMPLE_RULES = `
    function ApproveListing(request) {
      console.log("In js approve listing");
      console.log(request.accounts[3].Address);
      console.log(request.meta.Remote);
      return "Approve";
    }
    function ApproveTx(request) {
      console.log("test");
      console.log("from");
      return "Reject";
    }
    function test(thing) {
      console.log(thing.String());
    }`;

  it('4 missing function: direct execution errors; the approval check errors and does not approve', async () => {
    const { rules, logger } = make(SAMPLE_RULES, new AlwaysDenyUi());
    const direct = await rules.engine.execute('MissingMethod', 'null');
    assert.equal(direct.ok, false);
    assert.match(!direct.ok ? direct.error : '', /ReferenceError: .*MissingMethod.* is not defined/);
    const check = await rules.engine.checkApproval('MissingMethod', JSON.stringify(''));
    assert.equal(check.decision, 'fallthrough');
    assert.match(check.decision === 'fallthrough' ? check.error : '', /MissingMethod/);
    assert.ok(logger.lines().includes('INFO error occurred during execution'));
    // The sample's own functions work (its wrong-cased member names print `undefined`).
    const deny = new AlwaysDenyUi();
    const listing = make(SAMPLE_RULES, deny);
    const accounts = [0, 1, 2, 3].map((i) => ({ address: `0x${'00'.repeat(19)}0${i}` as Account['address'], url: `test://acc-${i}` }));
    assert.deepEqual((await listing.rules.approveListing({ accounts, meta: TEST_META })).accounts, accounts);
    assert.deepEqual(listing.sink.lines(), ['JS:>  In js approve listing', 'JS:>  undefined', 'JS:>  undefined']);
    assert.deepEqual(await listing.rules.approveTx(txRequest({})), { approved: false });
    assert.deepEqual(deny.calls, []);
  });

  it('5 storage: String() conversions, missing and empty keys, BigNumber 2 + 16', async () => {
    const source = `
      function testStorage() {
        storage.put("mykey", "myvalue");
        var a = storage.get("mykey");
        storage.put("mykey", ["a", "list"]);
        a += storage.get("mykey");
        storage.put("mykey", {"an": "object"});
        a += storage.get("mykey");
        storage.put("mykey", JSON.stringify({"an": "object"}));
        a += storage.get("mykey");
        a += storage.get("missingkey");
        storage.put("", "missing key put");
        a += storage.get("");
        var b = new BigNumber(2);
        var c = new BigNumber(16);
        console.log(b.plus(c));
        return a;
      }`;
    const { rules, sink, storage } = make(source, new AlwaysDenyUi());
    const r = await rules.engine.execute('testStorage', 'null');
    assert.deepEqual(r, { ok: true, value: 'myvaluea,list[object Object]{"an":"object"}' });
    assert.deepEqual(sink.lines(), ['JS:>  18']);
    assert.deepEqual([...storage.map], [['mykey', '{"an":"object"}']]);
  });

  it('6 limit window: three 0.3 ether transactions approved, the fourth answers Nope and goes to the deny UI', async () => {
    const deny = new AlwaysDenyUi();
    const { rules, logger, storage } = make(SCENARIO_A, deny);
    // clef's test builds value 0x0429D069189E0000 natively; hexutil marshals it as 0x429d069189e0000.
    const req = txRequest(
      { from: '0x000000000000000000000000000000000000dead', to: '0x000000000000000000000000000000000000dead', value: '0x429d069189e0000', nonce: '0x3', gas: '0x5208', gasPrice: '0x1e8480' },
      [{ type: 'WARNING', message: 'Warning' }],
    );
    const signed = { raw: '0xdeadbeef', tx: { type: '0x0', nonce: '0x3', gasPrice: '0x1e8480', gas: '0x5208', to: '0x000000000000000000000000000000000000dead', value: '0x429d069189e0000', input: '0x' } };
    for (let i = 0; i < 3; i++) {
      const res = await rules.approveTx(req);
      assert.equal(res.approved, true, `request #${i + 1}`);
      rules.onApprovedTx(signed);
    }
    const fourth = await rules.approveTx(req);
    assert.equal(fourth.approved, false);
    assert.deepEqual(deny.calls, ['ApproveTx']);
    const last = logger.records.at(-1)!;
    assert.equal(last.msg, 'Rule-based approval error, going to manual');
    assert.deepEqual(last.attrs, { error: 'unknown response' });
    const txs = JSON.parse(storage.get('txs')) as { tstamp: number; value: string }[];
    assert.equal(txs.length, 3);
    for (const t of txs) {
      assert.equal(t.value, '300000000000000000');
      assert.ok(Math.abs(t.tstamp - Date.now()) < 60_000);
    }
  });

  it('7 context cleared: an undeclared global does not survive between calls; Reject never reaches the UI', async () => {
    const ui = new MustNotBeCalledUi();
    const source = `
      function ApproveTx(req) {
        if (typeof foobar == 'undefined') { foobar = "Approve" }
        if (foobar == "Approve") { foobar = "Reject" } else { foobar = "Approve" }
        return foobar
      }`;
    const { rules } = make(source, ui);
    const req = txRequest({ from: '0x000000000000000000000000000000000000dead', value: '0x0' });
    const a = await rules.approveTx(req);
    const b = await rules.approveTx(req);
    assert.deepEqual(a, { approved: false });
    assert.deepEqual(b, a);
    assert.deepEqual(ui.calls, []);
  });

  it('8 sign data: a text request containing bazonk from the listed address is approved', async () => {
    const deny = new AlwaysDenyUi();
    const source = `
      function ApproveListing() { return "Approve" }
      function ApproveSignData(r) {
        if (r.address.toLowerCase() == "0x694267f14675d7e1b9494fd8d72fefe1755710fa") {
          if (r.messages[0].value.indexOf("bazonk") >= 0) { return "Approve" }
          return "Reject"
        }
        // Otherwise goes to manual processing
      }`;
    const { rules, logger } = make(source, deny);
    const message = utf8('baz bazonk foo');
    const req: SignDataRequest = {
      content_type: 'text/plain',
      address: '0x694267f14675D7e1B9494Fd8d72FeFe1755710fa',
      raw_data: base64.encode(textMessage(message)),
      messages: [{ name: 'message', type: 'text/plain', value: 'baz bazonk foo' }],
      call_info: null,
      hash: toHex(textHash(message)),
      meta: TEST_META,
    };
    assert.deepEqual(await rules.approveSignData(req), { approved: true });
    assert.deepEqual(await rules.approveSignData({ ...req, messages: [{ name: 'message', type: 'text/plain', value: 'baz foo' }] }), { approved: false });
    assert.deepEqual(deny.calls, []);
    assert.deepEqual(await rules.approveSignData({ ...req, address: '0x0000000000000000000000000000000000000001' }), { approved: false });
    assert.deepEqual(deny.calls, ['ApproveSignData']);
    assert.deepEqual(logger.lines().slice(0, 2), ['INFO Op approved', 'INFO Op rejected']);
  });
});
