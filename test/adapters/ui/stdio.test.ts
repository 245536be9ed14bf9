// StdioUI (ui-api.md §2–§4): framing, id accounting, response matching and decoding, error relaying, the
// streaming decoder, parse errors and end of input — against an in-memory UI peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignerError, UiError } from '../../../core/errors.ts';
import type { Json, JsonObject } from '../../../core/gojson.ts';
import type { Approver, Meta, SignDataRequest } from '../../../core/ports.ts';
import { lineSource, StdioUI } from '../../../adapters/ui/stdio.ts';
import { LineCollector, Pipe } from '../../support/scripted-ui.ts';

const meta: Meta = { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };

function harness() {
  const pipe = new Pipe();
  const out = new LineCollector();
  const ui = new StdioUI({ input: pipe, output: out.write });
  const send = (msg: unknown) => pipe.push((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n');
  const reply = (id: Json, result: Json) => send({ jsonrpc: '2.0', id, result });
  return { ui, pipe, out, send, reply };
}

const signDataReq: SignDataRequest = {
  content_type: 'text/plain',
  address: '0xDEADbEeF000000000000000000000000DeaDbeEf',
  raw_data: 'GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk',
  messages: [{ name: 'message', value: '\u0019Ethereum Signed Message:\n11hello world', type: 'text/plain' }],
  call_info: null,
  hash: '0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68',
  meta,
};

test('framing: compact Go-escaped lines, ids counted for notifications too', async () => {
  const { ui, out, reply, pipe } = harness();
  ui.showInfo('a <b> & c\u2028');
  const tx = ui.approveTx({
    transaction: { from: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', to: null, gas: '0x5208', value: '0x1', nonce: '0x0' },
    call_info: [{ type: 'Info', message: 'x' }],
    meta,
  });
  ui.showError('request denied');
  const sd = ui.approveSignData(signDataReq);
  assert.equal(await out.next(), '{"jsonrpc":"2.0","method":"ui_showInfo","params":[{"text":"a \\u003cb\\u003e \\u0026 c\\u2028"}]}');
  assert.equal(
    await out.next(),
    '{"jsonrpc":"2.0","id":2,"method":"ui_approveTx","params":[{"transaction":{"from":"0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192","to":null,"gas":"0x5208","value":"0x1","nonce":"0x0"},"call_info":[{"type":"Info","message":"x"}],"meta":{"remote":"NA","local":"NA","scheme":"ipc","User-Agent":"","Origin":""}}]}',
  );
  assert.equal(await out.next(), '{"jsonrpc":"2.0","method":"ui_showError","params":[{"text":"request denied"}]}');
  assert.equal(
    await out.next(),
    '{"jsonrpc":"2.0","id":4,"method":"ui_approveSignData","params":[{"content_type":"text/plain","address":"0xDEADbEeF000000000000000000000000DeaDbeEf","raw_data":"GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk","messages":[{"name":"message","value":"\\u0019Ethereum Signed Message:\\n11hello world","type":"text/plain"}],"call_info":null,"hash":"0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68","meta":{"remote":"NA","local":"NA","scheme":"ipc","User-Agent":"","Origin":""}}]}',
  );
  reply(4, { approved: true });
  reply(2, { approved: false });
  assert.deepEqual(await sd, { approved: true });
  assert.deepEqual(await tx, { approved: false });
  pipe.end();
});

test('requests keep clef key order whatever order the caller built them in', async () => {
  const { ui, out, reply, pipe } = harness();
  const shuffled = { meta: { Origin: 'o', 'User-Agent': 'u', scheme: 's', local: 'l', remote: 'r' }, accounts: [{ url: 'keystore:///a', address: '0x' + '11'.repeat(20) }] };
  const list = ui.approveListing(shuffled as never);
  assert.equal(
    await out.next(),
    `{"jsonrpc":"2.0","id":1,"method":"ui_approveListing","params":[{"accounts":[{"address":"0x${'11'.repeat(20)}","url":"keystore:///a"}],"meta":{"remote":"r","local":"l","scheme":"s","User-Agent":"u","Origin":"o"}}]}`,
  );
  reply(1, { accounts: [] });
  assert.deepEqual(await list, { accounts: [] });
  const input = ui.onInputRequired({ isPassword: true, prompt: 'p', title: 't' } as never);
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":2,"method":"ui_onInputRequired","params":[{"title":"t","prompt":"p","isPassword":true}]}');
  reply(2, { text: 'secret' });
  assert.deepEqual(await input, { text: 'secret' });
  const na = ui.approveNewAccount({ meta });
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":3,"method":"ui_approveNewAccount","params":[{"meta":{"remote":"NA","local":"NA","scheme":"ipc","User-Agent":"","Origin":""}}]}');
  reply(3, { approved: true });
  assert.deepEqual(await na, { approved: true });
  ui.onSignerStartup({ info: { intapi_version: '7.0.1', extapi_version: '6.1.0', extapi_ipc: '/tmp/clef.ipc', extapi_http: 'n/a' } });
  assert.equal(
    await out.next(),
    '{"jsonrpc":"2.0","method":"ui_onSignerStartup","params":[{"info":{"extapi_http":"n/a","extapi_ipc":"/tmp/clef.ipc","extapi_version":"6.1.0","intapi_version":"7.0.1"}}]}',
  );
  ui.onApprovedTx({ raw: '0xf8', tx: { type: '0x0', hash: '0x01' } });
  assert.equal(await out.next(), '{"jsonrpc":"2.0","method":"ui_onApprovedTx","params":[{"raw":"0xf8","tx":{"type":"0x0","hash":"0x01"}}]}');
  // the id counter kept counting through both notifications
  const again = ui.approveNewAccount({ meta });
  assert.match(await out.next(), /^\{"jsonrpc":"2\.0","id":6,/);
  reply(6, { approved: false });
  assert.deepEqual(await again, { approved: false });
  pipe.end();
});

test('several approvals outstanding at once, answered out of order', async () => {
  const { ui, out, reply, pipe } = harness();
  const calls = [0, 1, 2, 3, 4].map(() => ui.approveSignData(signDataReq));
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push((await out.nextJson()).id as number);
  assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  assert.equal(ui.outstanding, 5);
  for (const id of [4, 1, 5, 3, 2]) reply(id, { approved: id % 2 === 1 });
  const results = await Promise.all(calls);
  assert.deepEqual(results.map((r) => r.approved), [true, false, true, false, true]);
  assert.equal(ui.outstanding, 0);
  pipe.end();
});

test('responses match on the byte-identical id text: 5.0, "5", 5e0 are not 5', async () => {
  const { ui, out, send, pipe } = harness();
  for (let i = 0; i < 4; i++) ui.showInfo('x');
  const call = ui.approveNewAccount({ meta });
  for (let i = 0; i < 5; i++) await out.next();
  let settled = false;
  void call.then(() => (settled = true));
  send('{"jsonrpc":"2.0","id":5.0,"result":{"approved":true}}');
  send('{"jsonrpc":"2.0","id":"5","result":{"approved":true}}');
  send('{"jsonrpc":"2.0","id":5e0,"result":{"approved":true}}');
  send('{"jsonrpc":"2.0","id":4,"result":{"approved":true}}');
  // an ordinary call round-trip proves the stray responses were read (and silently dropped)
  const probe = ui.onInputRequired({ title: 't', prompt: 'p', isPassword: false });
  assert.equal((await out.nextJson()).id, 6);
  send('{"jsonrpc":"2.0","id":6,"result":{"text":"ok"}}');
  assert.deepEqual(await probe, { text: 'ok' });
  assert.equal(settled, false);
  assert.equal(ui.outstanding, 1);
  assert.equal(out.lines.length, 6, 'stray responses are not answered');
  send('{ "id" : 5 , "jsonrpc" : "2.0", "result" : { "Approved" : true } }');
  assert.deepEqual(await call, { approved: true });
  pipe.end();
});

test('a response without "jsonrpc":"2.0" is answered -32600 and (improvement) fails its call instead of hanging', async () => {
  const { ui, out, send, pipe } = harness();
  const call = ui.approveSignData(signDataReq);
  await out.next();
  send('{"id":1,"result":{"approved":true}}');
  await assert.rejects(call, (e: unknown) => e instanceof SignerError && /"jsonrpc":"2\.0" missing/.test(e.message) && /ui_approveSignData/.test(e.message));
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"invalid request"}}');
  pipe.end();
});

test('a UI error object is relayed with its code, message and data', async () => {
  const { ui, out, send, pipe } = harness();
  const a = ui.approveTx({ transaction: {}, call_info: null, meta });
  const b = ui.onInputRequired({ title: 't', prompt: 'p', isPassword: true });
  const c = ui.approveListing({ accounts: [], meta });
  await out.next();
  await out.next();
  await out.next();
  send({ jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'user is away', data: { retry: 3 } } });
  send({ jsonrpc: '2.0', id: 2, error: { message: 'no code' } });
  send({ jsonrpc: '2.0', id: 3, error: { code: 7, message: 'both' }, result: { accounts: [] } });
  await assert.rejects(a, (e: unknown) => e instanceof UiError && e.code === -32001 && e.message === 'user is away' && JSON.stringify(e.data) === '{"retry":3}');
  await assert.rejects(b, (e: unknown) => e instanceof UiError && e.code === 0 && e.message === 'no code' && e.data === undefined);
  await assert.rejects(c, (e: unknown) => e instanceof UiError && e.code === 7 && e.message === 'both');
  pipe.end();
});

test('"result":null decodes as the zero response of every type', async () => {
  const { ui, out, reply, pipe } = harness();
  const calls: Promise<unknown>[] = [
    ui.approveTx({ transaction: {}, call_info: null, meta }),
    ui.approveSignData(signDataReq),
    ui.approveListing({ accounts: [], meta }),
    ui.approveNewAccount({ meta }),
    ui.onInputRequired({ title: 't', prompt: 'p', isPassword: false }),
  ];
  for (let id = 1; id <= 5; id++) {
    await out.next();
    reply(id, null);
  }
  assert.deepEqual(await Promise.all(calls), [{ approved: false }, { approved: false }, { accounts: null }, { approved: false }, { text: '' }]);
  pipe.end();
});

test('results of the wrong shape fail with Go decoder messages', async () => {
  const cases: [(ui: Approver) => Promise<unknown>, Json, string][] = [
    [(ui) => ui.approveTx({ transaction: {}, call_info: null, meta }), 'yes', 'json: cannot unmarshal string into Go value of type core.SignTxResponse'],
    [(ui) => ui.approveTx({ transaction: {}, call_info: null, meta }), { approved: 'yes' }, 'json: cannot unmarshal string into Go struct field SignTxResponse.approved of type bool'],
    [(ui) => ui.approveSignData(signDataReq), [true], 'json: cannot unmarshal array into Go value of type core.SignDataResponse'],
    [(ui) => ui.approveSignData(signDataReq), { approved: 1 }, 'json: cannot unmarshal number into Go struct field SignDataResponse.approved of type bool'],
    [(ui) => ui.approveNewAccount({ meta }), true, 'json: cannot unmarshal bool into Go value of type core.NewAccountResponse'],
    [(ui) => ui.onInputRequired({ title: 't', prompt: 'p', isPassword: false }), { text: 5 }, 'json: cannot unmarshal number into Go struct field UserInputResponse.text of type string'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: {} }, 'json: cannot unmarshal object into Go struct field ListResponse.accounts of type []accounts.Account'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: ['0x'] }, 'json: cannot unmarshal string into Go struct field ListResponse.accounts of type accounts.Account'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: '0x1234' }] }, 'hex string has length 4, want 40 for common.Address'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: 5 }] }, 'json: cannot unmarshal non-string into Go struct field Account.accounts.address of type common.Address'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: '0x' + '11'.repeat(20), url: '.. ignored ..' }] }, 'protocol scheme missing'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: '0x' + '11'.repeat(20), url: '' }] }, 'protocol scheme missing'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: '0x' + '11'.repeat(20), url: '://x' }] }, 'protocol scheme missing'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: '0x' + '11'.repeat(20), url: 'a://b://c' }] }, 'protocol scheme missing'],
    [(ui) => ui.approveListing({ accounts: [], meta }), { accounts: [{ address: '0x' + '11'.repeat(20), url: null }] }, 'protocol scheme missing'],
  ];
  for (const [run, result, message] of cases) {
    const { ui, out, reply, pipe } = harness();
    const call = run(ui);
    await out.next();
    reply(1, result);
    await assert.rejects(call, (e: unknown) => e instanceof SignerError && e.code === -32000 && e.message === message, message);
    pipe.end();
  }
});

test('valid shapes: legacy password ignored, transaction kept raw, accounts validated and echoed', async () => {
  const { ui, out, reply, pipe } = harness();
  const sd = ui.approveSignData(signDataReq);
  const tx = ui.approveTx({ transaction: {}, call_info: null, meta });
  const list = ui.approveListing({ accounts: [], meta });
  await out.next();
  await out.next();
  await out.next();
  reply(1, { approved: true, password: 'legacy' });
  reply(2, { approved: true, transaction: { from: '0x0', weird: [1] } });
  reply(3, {
    accounts: [
      { address: '0xDEADbEeF000000000000000000000000DeaDbeEf', url: 'keystore:///tmp/a' },
      { address: '0x' + '22'.repeat(20) },
      { address: '0x' + '33'.repeat(20), url: 'ledger://' },
      null,
    ],
  });
  assert.deepEqual(await sd, { approved: true });
  assert.deepEqual(await tx, { approved: true, transaction: { from: '0x0', weird: [1] } });
  assert.deepEqual(await list, {
    accounts: [
      { address: '0xdeadbeef000000000000000000000000deadbeef', url: 'keystore:///tmp/a' },
      { address: '0x' + '22'.repeat(20), url: '' },
      { address: '0x' + '33'.repeat(20), url: 'ledger://' },
      { address: '0x' + '00'.repeat(20), url: '' },
    ],
  });
  pipe.end();
});

test('streaming input: values split across chunks and lines, several per chunk, batches of responses', async () => {
  const { ui, out, pipe } = harness();
  const a = ui.onInputRequired({ title: 't', prompt: 'a', isPassword: false });
  const b = ui.onInputRequired({ title: 't', prompt: 'b', isPassword: false });
  const c = ui.onInputRequired({ title: 't', prompt: 'c', isPassword: false });
  const d = ui.onInputRequired({ title: 't', prompt: 'd', isPassword: false });
  for (let i = 0; i < 4; i++) await out.next();
  pipe.push('{"jsonrpc":"2.0",');
  pipe.push('\n  "id":1,\n"result":{"text":"sp');
  pipe.push('lit"}}{"jsonrpc":"2.0","id":2,"result":{"text":"same chunk"}}');
  pipe.push(' [{"jsonrpc":"2.0","id":3,"result":{"text":"batch"}},{"jsonrpc":"2.0","id":4,"result":{"text":"\\u00e9\u00e9"}}]\n');
  assert.deepEqual(await Promise.all([a, b, c, d]), [{ text: 'split' }, { text: 'same chunk' }, { text: 'batch' }, { text: 'éé' }]);
  pipe.end();
});

test('multi-byte characters split between byte chunks are decoded intact', async () => {
  const out = new LineCollector();
  const bytes = new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"result":{"text":"€ü"}}\n');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  async function* chunks() {
    await gate;
    for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
  }
  const ui = new StdioUI({ input: chunks(), output: out.write });
  const call = ui.onInputRequired({ title: 't', prompt: 'p', isPassword: true });
  await out.next();
  release();
  assert.deepEqual(await call, { text: '€ü' });
  await ui.ended;
});

test('invalid JSON: -32700 with the Go syntax error, pending calls fail, the rest of the line is dropped, serving goes on', async () => {
  const { ui, out, send, pipe } = harness();
  const a = ui.approveSignData(signDataReq);
  const b = ui.approveNewAccount({ meta });
  await out.next();
  await out.next();
  send('{"jsonrpc":"2.0","id":1,"result":{"approved":tru} {"jsonrpc":"2.0","id":2,"result":{"approved":true}}');
  const message = "invalid character '}' in literal true (expecting 'e')";
  await assert.rejects(a, (e: unknown) => e instanceof SignerError && e.message === message);
  await assert.rejects(b, (e: unknown) => e instanceof SignerError && e.message === message);
  assert.equal(await out.next(), `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character '}' in literal true (expecting 'e')"}}`);
  // the channel still works for the next call
  const c = ui.approveNewAccount({ meta });
  assert.equal((await out.nextJson()).id, 3);
  send('x'); // garbage alone on a line
  assert.equal(await out.next(), `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character 'x' looking for beginning of value"}}`);
  await assert.rejects(c);
  const d = ui.approveNewAccount({ meta });
  assert.equal((await out.nextJson()).id, 4);
  send({ jsonrpc: '2.0', id: 4, result: { approved: true } });
  assert.deepEqual(await d, { approved: true });
  pipe.end();
});

test('end of input: pending calls fail with EOF, later calls fail at once instead of hanging', async () => {
  const { ui, out, pipe } = harness();
  const a = ui.approveSignData(signDataReq);
  await out.next();
  pipe.end();
  await assert.rejects(a, { message: 'EOF' });
  await ui.ended;
  await assert.rejects(ui.approveNewAccount({ meta }), { message: 'EOF' });
  ui.showInfo('still written');
  assert.equal(out.lines.length, 2, 'a call that cannot be answered is not written; notifications still are');
  assert.equal(out.lines[1], '{"jsonrpc":"2.0","method":"ui_showInfo","params":[{"text":"still written"}]}');
});

test('input cut inside a value: pending calls fail with unexpected EOF', async () => {
  const { ui, out, pipe } = harness();
  const a = ui.approveSignData(signDataReq);
  await out.next();
  pipe.push('{"jsonrpc":"2.0","id":1,');
  pipe.end();
  await assert.rejects(a, { message: 'unexpected EOF' });
});

test('close() stops reading and fails what is pending', async () => {
  const { ui, out } = harness();
  const a = ui.approveSignData(signDataReq);
  await out.next();
  ui.close();
  await assert.rejects(a, { message: 'EOF' });
  await ui.ended;
});

test('a throwing output sink does not break the approver', async () => {
  const pipe = new Pipe();
  const ui = new StdioUI({
    input: pipe,
    output: () => {
      throw new Error('EPIPE');
    },
  });
  ui.showInfo('lost');
  const call = ui.approveNewAccount({ meta });
  pipe.push('{"jsonrpc":"2.0","id":2,"result":{"approved":true}}\n');
  assert.deepEqual(await call, { approved: true });
  pipe.end();
});

test('output streams: errors are caught, text goes to write()', async () => {
  const written: string[] = [];
  let onError: ((e: Error) => void) | undefined;
  const stream = {
    write: (t: string) => written.push(t),
    on: (_event: 'error', l: (e: Error) => void) => (onError = l),
  };
  const pipe = new Pipe();
  const ui = new StdioUI({ input: pipe, output: stream });
  ui.showError('x');
  assert.deepEqual(written, ['{"jsonrpc":"2.0","method":"ui_showError","params":[{"text":"x"}]}\n']);
  assert.ok(onError, 'an error listener is attached');
  onError!(new Error('EPIPE'));
  pipe.end();
  await ui.ended;
});

test('the shapes clef receives are what a JSON object with unknown extra members decodes to', async () => {
  const { ui, out, reply, pipe } = harness();
  const input = ui.onInputRequired({ title: 't', prompt: 'p', isPassword: false });
  await out.next();
  const result: JsonObject = { TEXT: 'case-insensitive', extra: true };
  reply(1, result);
  assert.deepEqual(await input, { text: 'case-insensitive' });
  pipe.end();
});

test('lineSource: reading through a shared line reader (the CLI terminal) keeps values that span lines', async () => {
  const lines = ['{"jsonrpc":"2.0","id":1,', '"result":{"text":"two lines"}}', 'oops', '{"jsonrpc":"2.0","id":2,"result":{"text":"after"}}'];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reader = {
    async readLine() {
      await gate;
      return lines.length > 0 ? lines.shift()! : null;
    },
  };
  const out = new LineCollector();
  const ui = new StdioUI({ input: lineSource(reader), output: out.write });
  const a = ui.onInputRequired({ title: 't', prompt: 'a', isPassword: false });
  const b = ui.onInputRequired({ title: 't', prompt: 'b', isPassword: false });
  release();
  assert.deepEqual(await a, { text: 'two lines' });
  await assert.rejects(b, { message: "invalid character 'o' looking for beginning of value" });
  await ui.ended;
  assert.equal(out.lines[2], `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"invalid character 'o' looking for beginning of value"}}`);
});
