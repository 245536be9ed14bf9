// `--stdio-ui-test` (ui-api.md §6): the 27-step conversation against scripted UIs over a real StdioUI, with
// an external API that follows the signer's approval flows (a fake, and the real core Signer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, toHex } from '../../../core/bytes.ts';
import { UnknownAccountError } from '../../../core/errors.ts';
import { FourByteDb } from '../../../core/fourbyte.ts';
import type { Json, JsonObject } from '../../../core/gojson.ts';
import type { Approver, KeyStore, Logger } from '../../../core/ports.ts';
import { Signer, type ExternalApi } from '../../../core/signer.ts';
import { StdioUI } from '../../../adapters/ui/stdio.ts';
import { runStdioUiTest, TEST_DELAY_MS } from '../../../adapters/ui/stdio-selftest.ts';
import { FakeSigner } from '../../support/fake-signer.ts';
import { LineCollector, Pipe, ScriptedUi, type ScriptFaults } from '../../support/scripted-ui.ts';

/** The real core Signer over an empty keystore. */
function realSigner(ui: Approver): ExternalApi {
  const keystore: KeyStore = {
    dir: '/nonexistent',
    accounts: async () => [],
    unaddressed: async () => [],
    find: async () => {
      throw new UnknownAccountError();
    },
    read: async () => {
      throw new Error('not used');
    },
    write: async () => {
      throw new Error('not used');
    },
  };
  const silent: Logger = { crit() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };
  return new Signer(
    {
      keystore,
      kdf: {
        scrypt: async () => new Uint8Array(32),
        pbkdf2Sha256: async () => new Uint8Array(32),
      },
      random: { bytes: (n) => new Uint8Array(n).fill(7) },
      approver: ui,
      credentials: null,
      fourByte: new FourByteDb(new Map()),
      logger: silent,
    },
    { chainId: 1n, advanced: false, keyParams: { n: 2, p: 1 }, cacheKeys: false },
  );
}

type Peer = (msg: JsonObject) => { result?: Json; error?: Json } | undefined;

/** Wires a StdioUI to a peer function over in-memory pipes and runs the self-test. */
async function run(peer: Peer, api: (ui: Approver) => ExternalApi = (ui) => new FakeSigner(ui)) {
  const pipe = new Pipe();
  const out = new LineCollector();
  const ui = new StdioUI({ input: pipe, output: out.write });
  let done = false;
  const pump = (async () => {
    while (!done) {
      const line = await out.next();
      const msg = JSON.parse(line) as JsonObject;
      const answer = peer(msg);
      if (msg.id !== undefined && answer) pipe.push(JSON.stringify({ jsonrpc: '2.0', id: msg.id, ...answer }) + '\n');
      if (msg.method === 'ui_showInfo' && String((msg.params as JsonObject[])[0].text).startsWith('Tests completed.')) done = true;
    }
  })();
  const sleeps: number[] = [];
  const outcome = await runStdioUiTest(ui, api(ui), { sleep: async (ms) => void sleeps.push(ms) });
  await pump;
  pipe.end();
  return { ...outcome, lines: out.lines, sleeps };
}

function scripted(faults: ScriptFaults = {}): { ui: ScriptedUi; peer: Peer } {
  const ui = new ScriptedUi(faults);
  return { ui, peer: (msg) => ({ result: ui.handle(msg) ?? null }) };
}

const NA = '{"remote":"NA","local":"NA","scheme":"NA","User-Agent":"","Origin":""}';

test('a correct UI passes with 0 errors; every message of the script is as specified', async () => {
  const { peer } = scripted();
  const { errors, lines, sleeps } = await run(peer);
  assert.deepEqual(errors, []);
  assert.deepEqual(sleeps, Array(10).fill(TEST_DELAY_MS), 'one pause after each of the 10 script messages');
  const msgs = lines.map((l) => JSON.parse(l) as JsonObject);
  const summary = msgs.map((m) => {
    const p = (m.params as JsonObject[])[0];
    return `${m.method}${m.id === undefined ? '' : '#' + m.id}${typeof p.text === 'string' ? ' ' + p.text : ''}`;
  });
  assert.deepEqual(summary, [
    "ui_showInfo If you see this message, enter 'yes' to next question",
    'ui_onInputRequired#2',
    "ui_showError If you see this message, enter 'yes' to the next question",
    'ui_onInputRequired#4',
    'ui_showInfo Please approve the next request for signing a clique header',
    'ui_approveSignData#6',
    'ui_showError unknown account',
    'ui_showInfo Please approve the next request for signing EIP-712 typed data',
    'ui_approveSignData#9',
    'ui_showError unknown account',
    'ui_showInfo Please approve the next request for signing text',
    'ui_approveSignData#12',
    'ui_showError unknown account',
    'ui_showInfo Please deny the next request for signing text',
    'ui_approveSignData#15',
    'ui_showError request denied',
    'ui_showInfo Please reject next transaction',
    'ui_approveTx#18',
    'ui_onInputRequired#19',
    'ui_showInfo Please reject listing-request',
    'ui_approveListing#21',
    'ui_showInfo Please reject new account-request',
    'ui_approveNewAccount#23',
    'ui_showInfo Please check if you see the Origin in next listing (approve or deny)',
    'ui_approveListing#25',
    'ui_onInputRequired#26',
    'ui_showInfo Tests completed. 0 errors:\n\n',
  ]);
  assert.equal(lines[1], '{"jsonrpc":"2.0","id":2,"method":"ui_onInputRequired","params":[{"title":"Testing","prompt":"Did you see the message? [yes/no]","isPassword":false}]}');
  assert.equal(lines[18], '{"jsonrpc":"2.0","id":19,"method":"ui_onInputRequired","params":[{"title":"Testing","prompt":"Did you see any warnings for the last transaction? (yes/no)","isPassword":false}]}');
  assert.equal(lines[25], '{"jsonrpc":"2.0","id":26,"method":"ui_onInputRequired","params":[{"title":"Testing","prompt":"Did you see origin (origin.com)? [yes/no] ","isPassword":false}]}');
  // step 6: the clique header
  const clique = (msgs[5].params as JsonObject[])[0];
  assert.equal(clique.content_type, 'application/x-clique-header');
  assert.equal(clique.address, '0x0011223344556677889900112233445566778899');
  assert.equal(Buffer.from(clique.raw_data as string, 'base64').length, 598);
  assert.equal(clique.hash, '0x44381ab449d77774874aca34634cb53bc21bd22aef2d3d4cf40e51176cb585ec');
  assert.equal(toHex(keccak256(Buffer.from(clique.raw_data as string, 'base64'))), clique.hash);
  assert.equal((clique.messages as JsonObject[])[0].value, 'clique header 1337 [0x4cd2675fe9fdb3cdaabb286c8f3ceffcff184c4dfc44f169ad9de9362fcc8117]');
  assert.equal(JSON.stringify(clique.meta), NA);
  // step 9: typed data; steps 12 and 15: text
  assert.equal((msgs[8].params as JsonObject[])[0].hash, '0xa96c1f5f968bfcd34918cdd527dcfc2279f076762f08626017dcff9bc6b6aa23');
  assert.equal((msgs[8].params as JsonObject[])[0].content_type, 'data/typed');
  for (const i of [11, 14]) {
    assert.match(lines[i], /"content_type":"text\/plain","address":"0x0011223344556677889900112233445566778899","raw_data":"GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk","messages":\[\{"name":"message","value":"\\u0019Ethereum Signed Message:\\n11hello world","type":"text\/plain"\}\],"call_info":null,"hash":"0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68"/);
  }
  // step 18: the transaction exactly as §6 shows it
  assert.equal(
    lines[17],
    `{"jsonrpc":"2.0","id":18,"method":"ui_approveTx","params":[{"transaction":{"from":"0xDEADbEeF000000000000000000000000DeaDbeEf","to":"0xDEADbEeF000000000000000000000000DeaDbeEf","gas":"0x3e8","gasPrice":"0x5","maxFeePerGas":null,"maxPriorityFeePerGas":null,"value":"0x6","nonce":"0x1","data":"0x"},"call_info":null,"meta":${NA}}]}`,
  );
  assert.equal(lines[20], `{"jsonrpc":"2.0","id":21,"method":"ui_approveListing","params":[{"accounts":[],"meta":${NA}}]}`);
  assert.equal(lines[22], `{"jsonrpc":"2.0","id":23,"method":"ui_approveNewAccount","params":[{"meta":${NA}}]}`);
  // step 25: the Origin really reaches the UI (clef's bug: it arrived empty, so the check could never pass)
  assert.equal(lines[24], `{"jsonrpc":"2.0","id":25,"method":"ui_approveListing","params":[{"accounts":[],"meta":{"remote":"NA","local":"NA","scheme":"NA","User-Agent":"","Origin":"origin.com"}}]}`);
});

test('a contrary UI (approves everything, answers "no") gets clef\'s failure strings', async () => {
  const { peer } = scripted({ contrary: true });
  const { errors, lines } = await run(peer);
  const expected = [
    'showinfo: got no, expected yes',
    'showerror: got no, expected yes',
    'signdata - text: expected ErrRequestDenied, got unknown account',
    'signtransaction [1]: expected ErrRequestDenied, got unknown account',
    'list: expected ErrRequestDenied, got <nil>',
    'newaccount: expected ErrRequestDenied, got <nil>',
    'metadata - origin: got no, expected yes',
  ];
  assert.deepEqual(errors, expected);
  assert.equal(JSON.parse(lines.at(-1)!).params[0].text, `Tests completed. 7 errors:\n${expected.join('\n')}\n`);
});

test('UI errors: raw texts from ui_onInputRequired, approval errors as "expected no error"', async () => {
  const { ui, peer: honest } = scripted();
  const noKeyboard: JsonObject = { code: -32000, message: 'no keyboard' };
  const refused: JsonObject = { code: 4, message: 'typed data refused', data: 'x' };
  const peer: Peer = (msg) => {
    if (msg.method === 'ui_onInputRequired') return { error: noKeyboard };
    if (msg.method === 'ui_approveSignData' && msg.id === 9) return { error: refused };
    if (msg.method === 'ui_approveListing' && msg.id === 21) return { result: 'nope' };
    return honest(msg);
  };
  const { errors } = await run(peer);
  assert.ok(ui.received.length > 0);
  assert.deepEqual(errors, [
    'no keyboard',
    'showinfo: got , expected yes',
    'no keyboard',
    'showerror: got , expected yes',
    'sign 712 typed data: expected no error, got typed data refused',
    'no keyboard',
    'signtransaction [2]: got , expected no',
    'list: expected ErrRequestDenied, got json: cannot unmarshal string into Go value of type core.ListResponse',
    'no keyboard',
    'metadata - origin: got , expected yes',
  ]);
});

test('the real core Signer behind the self-test: a correct UI passes, a contrary one fails the same way', async () => {
  const good = await run(scripted().peer, realSigner);
  assert.deepEqual(good.errors, []);
  const bad = await run(scripted({ contrary: true }).peer, realSigner);
  assert.deepEqual(bad.errors.slice(0, 4), [
    'showinfo: got no, expected yes',
    'showerror: got no, expected yes',
    'signdata - text: expected ErrRequestDenied, got unknown account',
    'signtransaction [1]: expected ErrRequestDenied, got unknown account',
  ]);
  assert.equal(bad.errors[4], 'list: expected ErrRequestDenied, got <nil>');
  // approving account_new makes the real signer ask for a password ("no" is too short, three times)
  assert.equal(bad.errors[5], 'newaccount: expected ErrRequestDenied, got account creation failed');
});
