// `clef rules test RULES.js REQUEST.json…`: one line per request with the rules' decision, in order, sharing
// storage (in memory or a plain JSON file), exit 1 on unreadable input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, toHexRaw, utf8 } from '../../core/bytes.ts';
import { runRulesTest } from '../../cli/commands/rules-test.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'clef-rules-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runRulesTest(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== '') };
}

const META = { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };
const clique = (n: number) => ({
  content_type: 'application/x-clique-header',
  address: '0x9CD932F670F7eDe5dE86F756A6D02548e5899f47',
  raw_data: '',
  messages: [{ name: 'Clique header', value: `clique header ${n} [0xae525b65]`, type: 'clique' }],
  call_info: null,
  hash: '0x00',
  meta: META,
});

const SLASHING = `
function ApproveSignData(r) {
  if (r.content_type != "application/x-clique-header") { return "Reject" }
  var number = parseInt(r.messages[0].value.split(" ")[2]);
  var latest = storage.get("lastblock") || 0;
  console.log("number", number, "latest", latest);
  if (number > latest) { storage.put("lastblock", number); return "Approve" }
  return "Reject"
}
function ApproveTx(r) { if (r.transaction.value == "0x0") return "Approve"; return "Nope" }
function ApproveListing(r) { return r.accounts[0].address.toLowerCase() }
function OnApprovedTx(r) { storage.put("seen", r.tx.hash) }
`;

describe('clef rules test', () => {
  it('a rules file with a syntax error exits 1 and names the file (issue 8 item 14)', async () => {
    const rules = file('sealer-broken.js', 'function ApproveListing() { return "Approve"\n');
    const req = file('list.json', { accounts: [], meta: META });
    const r = await run([rules, req]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /sealer-broken\.js: does not parse, every request would go to the UI: SyntaxError: [^\n]*sealer-broken\.js:2/);
    assert.doesNotMatch(r.stdout + r.stderr, /rules\.js/);
    assert.match(r.stdout, /ApproveListing: fall-through to the UI \(SyntaxError: [^\n]*sealer-broken\.js/);
  });

  it('prints each decision in order, sharing storage across requests; JS console and the attest hash go to stderr', async () => {
    const rules = file('rules.js', SLASHING);
    const h45 = file('h45.json', clique(45));
    const h45again = file('h45b.json', { method: 'ApproveSignData', request: clique(45) });
    const tx0 = file('tx0.json', { transaction: { from: '0x01', to: null, value: '0x0' }, call_info: null, meta: META });
    const tx1 = file('tx1.json', { jsonrpc: '2.0', id: 1, method: 'ui_approveTx', params: [{ transaction: { value: '0x1' }, meta: META }] });
    const list = file('list.json', { accounts: [], meta: META });
    const approved = file('approved.json', { raw: '0x', tx: { hash: '0xabc' } });
    const newAcc = file('new.json', { method: 'ApproveNewAccount', request: { meta: META } });
    const r = await run([rules, h45, h45again, tx0, tx1, list, approved, newAcc]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines, [
      `${h45}: ApproveSignData: Approve`,
      `${h45again}: ApproveSignData: Reject`,
      `${tx0}: ApproveTx: Approve`,
      `${tx1}: ApproveTx: fall-through to the UI (unknown response "Nope")`,
      `${list}: ApproveListing: fall-through to the UI (TypeError: cannot read property 'address' of undefined at ApproveListing (${rules}:11:50))`,
      `${approved}: OnApprovedTx: done`,
      `${newAcc}: ApproveNewAccount: not consulted (always goes to the UI)`,
    ]);
    const hash = toHexRaw(sha256(utf8(SLASHING)));
    assert.equal(r.stderr, `${rules}: sha256 ${hash}\nJS:>  number 45 latest 0\nJS:>  number 45 latest 45\n`);
  });

  it('--storage FILE.json: plain JSON state loaded before and written after each put', async () => {
    const rules = file('rules2.js', SLASHING);
    const state = file('state.json', { lastblock: '46' });
    const r1 = await run(['--storage', state, rules, file('c46.json', clique(46)), file('c47.json', clique(47))]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.deepEqual(r1.lines.map((l) => l.split(': ').slice(1).join(': ')), ['ApproveSignData: Reject', 'ApproveSignData: Approve']);
    assert.deepEqual(JSON.parse(readFileSync(state, 'utf8')), { lastblock: '47' });
    const r2 = await run([`--storage=${state}`, rules, file('c47b.json', clique(47))]);
    assert.match(r2.lines[0], /ApproveSignData: Reject$/);
  });

  it('hostile rules are reported as fall-through with the reason, never as approval', async () => {
    const rules = file('loop.js', 'function ApproveTx() { while (true) {} }\nfunction ApproveListing() { var a = []; for (;;) a.push("x".repeat(1e5)) }');
    const r = await run([rules, file('t.json', { transaction: {}, meta: META }), file('l.json', { accounts: [], meta: META })]);
    assert.equal(r.code, 0);
    assert.match(r.lines[0], /ApproveTx: fall-through to the UI \(timeout: InternalError: interrupted/);
    assert.match(r.lines[1], /ApproveListing: fall-through to the UI \(memory: InternalError: out of memory/);
  });

  it('exit 1 on unreadable input, other requests still run; usage without arguments', async () => {
    const rules = file('ok.js', 'function ApproveTx() { return "Reject" }');
    const good = file('good.json', { transaction: {}, meta: META });
    const r = await run([rules, join(dir, 'missing.json'), file('bad.json', '{nope'), file('what.json', { hello: 1 }), good]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, [`${good}: ApproveTx: Reject`]);
    assert.match(r.stderr, /missing\.json: cannot read/);
    assert.match(r.stderr, /bad\.json: invalid JSON/);
    assert.match(r.stderr, /what\.json: cannot tell the callback/);
    assert.equal((await run([join(dir, 'nope.js'), good])).code, 1);
    const usage = await run([]);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /^usage: clef rules test/);
  });
});
