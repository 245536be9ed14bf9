// Audit log: slog text lines per method (ui-api.md §9, cli.md §7.5), including the spec's examples,
// slog quoting, time format, what is not logged, and the append-mode file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, goMarshal, openAuditFile, slogNeedsQuoting, slogText, slogTime } from '../../../adapters/audit/audit-log.ts';
import { HandlerCrashedError, RequestDeniedError, SignerError } from '../../../core/errors.ts';
import type { Json } from '../../../core/gojson.ts';
import type { Meta } from '../../../core/ports.ts';
import type { MethodTable, RpcCall, RpcHandler } from '../../../core/rpc.ts';
import { accountMethods, tableHandler } from '../../../core/api.ts';
import type { ExternalApi } from '../../../core/signer.ts';

const T = Date.UTC(2024, 4, 1, 10, 34, 56, 789);
const ipc: Meta = { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };
const IPC_META = 'metadata="{\\"remote\\":\\"NA\\",\\"local\\":\\"NA\\",\\"scheme\\":\\"ipc\\",\\"User-Agent\\":\\"\\",\\"Origin\\":\\"\\"}"';

/** An audit log over an array, with a fixed clock; `rest` strips the (separately tested) time field. */
function setup(): { lines: string[]; audit: AuditLog; rest: () => string[] } {
  const lines: string[] = [];
  const audit = new AuditLog({ write: (l) => lines.push(l) }, { now: () => T });
  const prefix = `time=${slogTime(T)} `;
  const rest = () =>
    lines.map((l) => {
      assert.ok(l.startsWith(prefix), l);
      return l.slice(prefix.length);
    });
  return { lines, audit, rest };
}

const call = (method: string, params: Json[], meta: Meta = ipc): RpcCall => ({ method, params, meta });
/** The external API's real method table (its decoders) with every method answering `outcome`. */
function canned(outcome: Json | Error): MethodTable {
  return served(async () => {
    if (outcome instanceof Error) throw outcome;
    return outcome;
  });
}
/** The external API's real method table (its decoders) with every decoded call answered by `handler`. */
function served(handler: RpcHandler): MethodTable {
  const real = accountMethods({} as ExternalApi);
  return new Map([...real].map(([name, m]) => [name, { params: m.params, run: (_args: unknown[], c: RpcCall) => handler(c) }]));
}
const answer = (result: Json): MethodTable => canned(result);
const fail = (err: Error): MethodTable => canned(err);
/** The audit log decorating a table, called like the server calls it. */
const audited = (audit: AuditLog, table: MethodTable): RpcHandler => tableHandler(audit.decorate(table));

test('time: RFC 3339, exactly 3 fractional digits, numeric zone or Z', () => {
  assert.equal(slogTime(T, 120), '2024-05-01T12:34:56.789+02:00');
  assert.equal(slogTime(T, 0), '2024-05-01T10:34:56.789Z');
  assert.equal(slogTime(Date.UTC(2024, 0, 1, 0, 0, 0, 5), -330), '2023-12-31T18:30:00.005-05:30');
  assert.match(slogTime(T), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/);
  // The default is the local zone at that instant.
  assert.equal(slogTime(T), slogTime(T, -new Date(T).getTimezoneOffset()));
});

test('slog value quoting: bare unless empty, space, =, ", control or non-printable', () => {
  const cases: [string, string][] = [
    ['text/plain', 'text/plain'],
    ['<nil>', '<nil>'],
    ['a\\b', 'a\\b'], // backslash alone does not force quoting
    ['\u007f', '\u007f'], // DEL is in slog's safe set
    ['caf\u00e9', 'caf\u00e9'],
    ['', '""'],
    ['request denied', '"request denied"'],
    ['a=b', '"a=b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['a\tb', '"a\\tb"'],
    ['\u0019', '"\\x19"'],
  ];
  for (const [input, out] of cases) assert.equal(slogText(input), out, JSON.stringify(input));
  // Non-ASCII spaces and non-printable runes force quoting too (their escaping is goQuote's business).
  for (const s of ['nb\u00a0sp', 'zw\u200bsp', 'pu\ue000a', 'nel\u0085']) assert.ok(slogNeedsQuoting(s), JSON.stringify(s));
  // astral characters: printable ones stay bare, a space or a lone surrogate right after one still counts
  for (const s of ['a😀b', '😀😀', 'é日']) assert.ok(!slogNeedsQuoting(s), JSON.stringify(s));
  for (const s of ['😀 ', '😀\ud800', '😀=', '\u{e0001}x']) assert.ok(slogNeedsQuoting(s), JSON.stringify(s));
});

test('start-up record: msg=Configured api=signer "audit log"=<path>', () => {
  const { audit, rest } = setup();
  audit.configured('audit.log');
  audit.configured('/tmp/my logs/audit.log');
  assert.deepEqual(rest(), [
    'level=INFO msg=Configured api=signer "audit log"=audit.log',
    'level=INFO msg=Configured api=signer "audit log"="/tmp/my logs/audit.log"',
  ]);
});

test('SignData: the §9 example (denied request) byte for byte', async () => {
  const { audit, lines } = setup();
  const wrapped = audited(audit, fail(new RequestDeniedError()));
  await assert.rejects(wrapped(call('account_signData', ['text/plain', '0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db', '0xaabbccdd'])), RequestDeniedError);
  const t = slogTime(T);
  assert.deepEqual(lines, [
    `time=${t} level=INFO msg=SignData api=signer type=request ${IPC_META} addr="0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db [chksum INVALID]" data="\\"0xaabbccdd\\"" content-type=text/plain`,
    `time=${t} level=INFO msg=SignData api=signer type=response data="" error="request denied"`,
  ]);
});

test('SignData success: signature hex without 0x; data JSON re-marshalled with sorted keys (validator objects)', async () => {
  const { audit, rest } = setup();
  const sig = '0x' + 'ab'.repeat(64) + '1b';
  await audited(audit, answer(sig))(call('account_signData', ['data/validator', '0xDEADbEeF000000000000000000000000DeaDbeEf', { b: 1, a: '<x>', '10': 0, '2': 0 }]));
  assert.deepEqual(rest(), [
    `level=INFO msg=SignData api=signer type=request ${IPC_META} addr="0xDEADbEeF000000000000000000000000DeaDbeEf [chksum ok]" ` +
      'data="{\\"10\\":0,\\"2\\":0,\\"a\\":\\"\\\\u003cx\\\\u003e\\",\\"b\\":1}" content-type=data/validator',
    `level=INFO msg=SignData api=signer type=response data=${'ab'.repeat(64)}1b error=<nil>`,
  ]);
});

test('List: request with metadata; response is the Go list of EIP-55 addresses, quoted when more than one, [] on denial, no error attribute', async () => {
  const { audit, rest } = setup();
  const http: Meta = { remote: '127.0.0.1:53412', local: 'localhost:8550', scheme: 'HTTP/1.1', 'User-Agent': 'curl/8.5.0', Origin: '<o>' };
  await audited(audit, answer(['0xafb2f771f58513609765698f65d3f2f0224a956f', '0xbea9183f8f4f03d427f6bcea17388bdff1cab133']))(call('account_list', [], http));
  await audited(audit, answer(['0xafb2f771f58513609765698f65d3f2f0224a956f']))(call('account_list', []));
  await audited(audit, answer([]))(call('account_list', []));
  await assert.rejects(audited(audit, fail(new RequestDeniedError()))(call('account_list', [])));
  const httpMeta =
    'metadata="{\\"remote\\":\\"127.0.0.1:53412\\",\\"local\\":\\"localhost:8550\\",\\"scheme\\":\\"HTTP/1.1\\",' +
    '\\"User-Agent\\":\\"curl/8.5.0\\",\\"Origin\\":\\"\\\\u003co\\\\u003e\\"}"'; // Go-escaped JSON, then quoted
  assert.deepEqual(rest(), [
    `level=INFO msg=List api=signer type=request ${httpMeta}`,
    'level=INFO msg=List api=signer type=response data="[0xaFb2f771f58513609765698F65D3f2F0224A956F 0xbEa9183f8f4F03D427F6BCEa17388BdfF1caB133]"',
    `level=INFO msg=List api=signer type=request ${IPC_META}`,
    'level=INFO msg=List api=signer type=response data=[0xaFb2f771f58513609765698F65D3f2F0224A956F]',
    `level=INFO msg=List api=signer type=request ${IPC_META}`,
    'level=INFO msg=List api=signer type=response data=[]',
    `level=INFO msg=List api=signer type=request ${IPC_META}`,
    'level=INFO msg=List api=signer type=response data=[]',
  ]);
});

test('SignTransaction: tx JSON, methodSelector or <nil>; raw hex without 0x, or data=<nil> and the error', async () => {
  const { audit, rest } = setup();
  const tx = { from: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', to: null, gas: '0x5208', value: '0x1', nonce: '0x0', data: '0x' };
  await audited(audit, answer({ raw: '0xF86380', tx: {} }))(call('account_signTransaction', [tx]));
  await assert.rejects(audited(audit, fail(new RequestDeniedError()))(call('account_signTransaction', [tx, 'transfer(address,uint256)'])));
  const txJson = '"{\\"from\\":\\"0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192\\",\\"to\\":null,\\"gas\\":\\"0x5208\\",\\"value\\":\\"0x1\\",\\"nonce\\":\\"0x0\\",\\"data\\":\\"0x\\"}"';
  assert.deepEqual(rest(), [
    `level=INFO msg=SignTransaction api=signer type=request ${IPC_META} tx=${txJson} methodSelector=<nil>`,
    'level=INFO msg=SignTransaction api=signer type=response data=f86380 error=<nil>',
    `level=INFO msg=SignTransaction api=signer type=request ${IPC_META} tx=${txJson} methodSelector=transfer(address,uint256)`,
    'level=INFO msg=SignTransaction api=signer type=response data=<nil> error="request denied"',
  ]);
});

test('SignTransaction: an exact SendTxArgs encoder can be plugged in', async () => {
  const lines: string[] = [];
  const audit = new AuditLog({ write: (l) => lines.push(l) }, { now: () => T }, { tx: () => 'ENCODED' });
  await audited(audit, answer({ raw: '0x01', tx: {} }))(call('account_signTransaction', [{}, null]));
  assert.match(lines[0], / tx=ENCODED methodSelector=<nil>$/);
});

test('SignTypedData: compact JSON of the typed data (instead of clef\'s unstable %+v dump)', async () => {
  const { audit, rest } = setup();
  const typed = { types: { EIP712Domain: [] }, primaryType: 'EIP712Domain', domain: {}, message: {} };
  await audited(audit, answer('0x' + '01'.repeat(65)))(call('account_signTypedData', ['0xDEADbEeF000000000000000000000000DeaDbeEf', typed]));
  assert.deepEqual(rest(), [
    `level=INFO msg=SignTypedData api=signer type=request ${IPC_META} addr="0xDEADbEeF000000000000000000000000DeaDbeEf [chksum ok]" ` +
      'data="{\\"types\\":{\\"EIP712Domain\\":[]},\\"primaryType\\":\\"EIP712Domain\\",\\"domain\\":{},\\"message\\":{}}"',
    `level=INFO msg=SignTypedData api=signer type=response data=${'01'.repeat(65)} error=<nil>`,
  ]);
});

test('SignGnosisSafeTx: safe tx JSON and selector; result JSON or <nil> with the error', async () => {
  const { audit, rest } = setup();
  const safeTx = { safe: '0x25a6c4BBd32B2424A9c99aEB0584Ad12045382B3', nonce: 1 };
  await audited(audit, answer({ ...safeTx, signature: '0x01' }))(call('account_signGnosisSafeTx', ['0x1923f626bB8DC025849e00f99C25fe2B2f7fB0dB', safeTx]));
  await assert.rejects(
    audited(audit, fail(new SignerError('unknown account')))(call('account_signGnosisSafeTx', ['0x1923f626bB8DC025849e00f99C25fe2B2f7fB0dB', safeTx, '0x12'])),
  );
  const j = '"{\\"safe\\":\\"0x25a6c4BBd32B2424A9c99aEB0584Ad12045382B3\\",\\"nonce\\":1}"';
  assert.deepEqual(rest(), [
    `level=INFO msg=SignGnosisSafeTx api=signer type=request ${IPC_META} addr="0x1923f626bB8DC025849e00f99C25fe2B2f7fB0dB [chksum ok]" data=${j} selector=<nil>`,
    'level=INFO msg=SignGnosisSafeTx api=signer type=response data="{\\"safe\\":\\"0x25a6c4BBd32B2424A9c99aEB0584Ad12045382B3\\",\\"nonce\\":1,\\"signature\\":\\"0x01\\"}" error=<nil>',
    `level=INFO msg=SignGnosisSafeTx api=signer type=request ${IPC_META} addr="0x1923f626bB8DC025849e00f99C25fe2B2f7fB0dB [chksum ok]" data=${j} selector=0x12`,
    'level=INFO msg=SignGnosisSafeTx api=signer type=response data=<nil> error="unknown account"',
  ]);
});

test('EcRecover: data and sig hex without 0x; EIP-55 address, the zero address on error', async () => {
  const { audit, rest } = setup();
  await audited(audit, answer('0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db'))(call('account_ecRecover', ['0xAABBccdd', '0x5b1c']));
  await assert.rejects(audited(audit, fail(new SignerError('signature must be 65 bytes long')))(call('account_ecRecover', ['0x', '0x'])));
  assert.deepEqual(rest(), [
    `level=INFO msg=EcRecover api=signer type=request ${IPC_META} data=aabbccdd sig=5b1c`,
    'level=INFO msg=EcRecover api=signer type=response address=0x1923f626bB8DC025849e00f99C25fe2B2f7fB0dB error=<nil>',
    `level=INFO msg=EcRecover api=signer type=request ${IPC_META} data="" sig=""`,
    'level=INFO msg=EcRecover api=signer type=response address=0x0000000000000000000000000000000000000000 error="signature must be 65 bytes long"',
  ]);
});

test('Version: data=6.1.0 error=<nil>', async () => {
  const { audit, rest } = setup();
  assert.equal(await audited(audit, answer('6.1.0'))(call('account_version', [])), '6.1.0');
  assert.deepEqual(rest(), [`level=INFO msg=Version api=signer type=request ${IPC_META}`, 'level=INFO msg=Version api=signer type=response data=6.1.0 error=<nil>']);
});

test('not logged: account_new, rpc_modules, unknown methods, and calls whose arguments would not decode', async () => {
  const { audit, lines } = setup();
  const seen: string[] = [];
  const handler: RpcHandler = async (c) => {
    seen.push(c.method);
    return null;
  };
  const wrapped = audited(audit, served(handler));
  await wrapped(call('account_new', []));
  await wrapped(call('rpc_modules', []));
  await assert.rejects(wrapped(call('account_foo', [])), { code: -32601 });
  // arguments are decoded once, by the table, before the audited method runs: a bad call reaches neither
  await assert.rejects(wrapped(call('account_version', [1])), { code: -32602, message: 'too many arguments, want at most 0' });
  await assert.rejects(wrapped(call('account_signData', ['text/plain', '0x1234', '0x00'])), { code: -32602 }); // bad address
  await assert.rejects(wrapped(call('account_signData', ['text/plain'])), { message: 'missing value for required argument 1' });
  await assert.rejects(wrapped(call('account_ecRecover', ['aabb', '0x00'])), { code: -32602 }); // bytes without 0x
  await assert.rejects(wrapped(call('account_signTransaction', ['tx'])), { code: -32602 }); // not an object
  assert.deepEqual(lines, []);
  assert.deepEqual(seen, ['account_new', 'rpc_modules']);
});

test('a crashing handler gets a response line with the crash error', async () => {
  const { audit, rest } = setup();
  await assert.rejects(audited(audit, fail(new HandlerCrashedError()))(call('account_signData', ['application/x-clique-header', '0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db', {}])));
  assert.equal(rest()[1], 'level=INFO msg=SignData api=signer type=response data="" error="method handler crashed"');
});

test('passwords never reach the audit log', async () => {
  const { audit, lines } = setup();
  const password = 'correct horse battery staple';
  // A handler that, like the signer, obtains a password from the UI while serving the call.
  const askPassword = async (): Promise<string> => password;
  const handler: RpcHandler = async (c) => {
    const pw = await askPassword();
    assert.equal(pw, password);
    if (c.method === 'account_new') return '0xbea9183f8f4f03d427f6bcea17388bdff1cab133';
    if (c.method === 'account_signTransaction') return { raw: '0x01', tx: {} };
    throw new SignerError('could not decrypt key with given password');
  };
  const wrapped = audited(audit, served(handler));
  await wrapped(call('account_new', []));
  await wrapped(call('account_signTransaction', [{ from: '0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db' }]));
  await assert.rejects(wrapped(call('account_signData', ['text/plain', '0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db', '0x00'])));
  assert.equal(lines.length, 4); // account_new wrote nothing
  for (const l of lines) assert.ok(!l.includes('horse'), l);
});

test('goMarshal sorts keys by bytes and escapes HTML like Go', () => {
  assert.equal(goMarshal({ b: [1, { z: null, y: true }], a: '&', '\u{1f600}': 1, '\uffff': 2 }), '{"a":"\\u0026","b":[1,{"y":true,"z":null}],"\uffff":2,"\u{1f600}":1}');
  assert.equal(goMarshal(undefined), 'null');
});

test('openAuditFile: appends lines with newlines, mode 0600 (it holds request bodies), keeps earlier content', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-audit-'));
  try {
    const path = join(dir, 'audit.log');
    const warnings: string[] = [];
    const warn = (msg: string, ctx: Record<string, unknown>) => warnings.push(`${msg} ${JSON.stringify(ctx)}`);
    let f = await openAuditFile(path, warn);
    f.write('one');
    f.write('two');
    await f.close();
    assert.throws(() => f.write('three'), /closed/);
    f = await openAuditFile(path);
    f.write('three');
    await f.close();
    assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\nthree\n');
    if (process.platform !== 'win32') {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(warnings, []);
      // an existing file others can read is kept as it is, with a warning naming the fix
      chmodSync(path, 0o644);
      f = await openAuditFile(path, warn);
      await f.close();
      assert.equal(statSync(path).mode & 0o777, 0o644);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /accessible by other users.*"mode":"0644".*chmod 600/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
