// The `clef_*` UI server API over the stdio channel (ui-api.md §5): registration order, go-ethereum's
// positional-argument errors, every method's result shape and errors, batches and notifications.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address } from '../../../core/bytes.ts';
import { SignerError } from '../../../core/errors.ts';
import { goStringify, type Json } from '../../../core/gojson.ts';
import type { Account, Approver } from '../../../core/ports.ts';
import { StdioUI, type UiServerApi, type WalletInfo } from '../../../adapters/ui/stdio.ts';
import { compactRawJson, parseHexOrDecimal64 } from '../../../adapters/ui/stdio-server.ts';
import { rawElements } from '../../../core/gojson-raw.ts';

/** Raw JSON text of each element of an array text (what the server hands each parameter decoder). */
const splitArrayText = (t: string): string[] => rawElements(t, 0).map((e) => t.slice(e.start, e.end));
import { LineCollector, Pipe } from '../../support/scripted-ui.ts';

const A: Account = { address: '0xdeadbeef000000000000000000000000deadbeef', url: 'keystore:///tmp/ks/UTC--a' };
const B: Account = { address: '0x1111111122222222222233333333334444444444', url: 'ledger://0001:0004:00' };
const KEY_TEXT = '{"address":"deadbeef000000000000000000000000deadbeef","crypto":{"cipher":"aes-128-ctr"},"id":"x","version":3}';

/** An in-memory daemon behind the clef_* methods; records what it was asked. */
class FakeDaemon implements UiServerApi {
  accounts: Account[] = [];
  wallets: WalletInfo[] = [];
  chain = 1n;
  keystore = true;
  files = new Map<string, string>([[A.address, KEY_TEXT]]);
  log: Json[] = [];
  lastKey: Uint8Array | null = null;
  lastKeyCopy = '';
  newAccountHook: (() => Promise<Address>) | null = null;

  async listAccounts() {
    return this.accounts;
  }
  async listWallets() {
    return this.wallets;
  }
  async deriveAccount(url: string, path: string, pin: boolean) {
    this.log.push(['derive', url, path, pin]);
    if (url !== 'ledger://') throw new SignerError('unknown wallet');
    return B;
  }
  async openWallet(url: string, passphrase: string) {
    this.log.push(['open', url, passphrase]);
    if (url === 'trezor://x') throw new SignerError('trezor: pin needed');
  }
  async importRawKey(key: Uint8Array, password: string) {
    this.lastKey = key;
    this.lastKeyCopy = Buffer.from(key).toString('hex');
    this.log.push(['importRaw', password.length]);
    if (this.lastKeyCopy === '22'.repeat(32)) throw new SignerError('account already exists');
    return A;
  }
  hasKeystore() {
    return this.keystore;
  }
  chainId() {
    return this.chain;
  }
  setChainId(id: bigint) {
    this.chain = id;
  }
  async exportKey(address: Address) {
    const text = this.files.get(address);
    if (text === undefined) throw new SignerError('unknown account');
    return text;
  }
  async importKey(keyJson: Json, oldPassword: string, newPassword: string) {
    this.log.push(['import', keyJson, oldPassword, newPassword]);
    if (oldPassword === 'wrong') throw new SignerError('could not decrypt key with given password');
    return A;
  }
  async newAccount(): Promise<Address> {
    if (this.newAccountHook) return this.newAccountHook();
    return '0xabcdef0000000000000000000000000000000001';
  }
}

function harness(enable = true) {
  const pipe = new Pipe();
  const out = new LineCollector();
  const ui = new StdioUI({ input: pipe, output: out.write });
  const daemon = new FakeDaemon();
  if (enable) ui.enableServer(daemon);
  let n = 100;
  /** Sends a call and returns clef's answer line. */
  const ask = async (method: string, params?: Json | string): Promise<string> => {
    const id = ++n;
    const p = params === undefined ? '' : `,"params":${typeof params === 'string' ? params : JSON.stringify(params)}`;
    pipe.push(`{"jsonrpc":"2.0","id":${id},"method":"${method}"${p}}\n`);
    return out.next();
  };
  const result = (line: string) => JSON.parse(line).result as Json;
  return { ui, pipe, out, daemon, ask, result };
}

/** clef's error line; the message is Go-escaped (`<10 characters` travels as `\u003c10 characters`). */
const err = (id: number, code: number, message: string) => `{"jsonrpc":"2.0","id":${id},"error":{"code":${code},"message":${goStringify(message)}}}`;

test('clef_* answer -32601 until enableServer (clef registers them after the master-password prompt)', async () => {
  const { ui, ask, pipe } = harness(false);
  assert.equal(await ask('clef_listAccounts', []), err(101, -32601, 'the method clef_listAccounts does not exist/is not available'));
  // even a malformed params member is judged after the method lookup
  assert.equal(await ask('clef_chainId', '{}'), err(102, -32601, 'the method clef_chainId does not exist/is not available'));
  ui.enableServer(new FakeDaemon());
  assert.equal(await ask('clef_listAccounts', []), '{"jsonrpc":"2.0","id":103,"result":null}');
  assert.equal(await ask('rpc_modules'), err(104, -32601, 'the method rpc_modules does not exist/is not available'));
  assert.equal(await ask('account_list'), err(105, -32601, 'the method account_list does not exist/is not available'));
  pipe.end();
});

test('clef_listAccounts: null when empty, accounts otherwise; clef_listWallets omits empty failure/accounts', async () => {
  const { ask, daemon, pipe } = harness();
  assert.equal(await ask('clef_listAccounts'), '{"jsonrpc":"2.0","id":101,"result":null}');
  daemon.accounts = [A, B];
  assert.equal(
    await ask('clef_listAccounts', null),
    `{"jsonrpc":"2.0","id":102,"result":[{"address":"${A.address}","url":"${A.url}"},{"address":"${B.address}","url":"${B.url}"}]}`,
  );
  assert.equal(await ask('clef_listAccounts', [1]), err(103, -32602, 'too many arguments, want at most 0'));
  assert.equal(await ask('clef_listWallets', []), '{"jsonrpc":"2.0","id":104,"result":[]}');
  daemon.wallets = [
    { url: 'keystore:///tmp/ks/UTC--a', status: 'Locked', failure: '', accounts: [A] },
    { url: 'ledger://0001:0004:00', status: 'Ledger offline', failure: 'device unplugged', accounts: [] },
  ];
  assert.equal(
    await ask('clef_listWallets', []),
    `{"jsonrpc":"2.0","id":105,"result":[{"url":"keystore:///tmp/ks/UTC--a","status":"Locked","accounts":[{"address":"${A.address}","url":"${A.url}"}]},{"url":"ledger://0001:0004:00","status":"Ledger offline","failure":"device unplugged"}]}`,
  );
  pipe.end();
});

test('clef_deriveAccount and clef_openWallet: optional pointer arguments and Go argument errors', async () => {
  const { ask, daemon, result, pipe } = harness();
  assert.deepEqual(result(await ask('clef_deriveAccount', ['ledger://', "m/44'/60'/0'", false])), B);
  await ask('clef_deriveAccount', ['ledger://', "m/44'/60'/0'"]);
  await ask('clef_deriveAccount', ['ledger://', '0/1', null]);
  await ask('clef_deriveAccount', ['ledger://', '0/1', true]);
  assert.deepEqual(daemon.log.slice(0, 4), [
    ['derive', 'ledger://', "m/44'/60'/0'", false],
    ['derive', 'ledger://', "m/44'/60'/0'", false],
    ['derive', 'ledger://', '0/1', false],
    ['derive', 'ledger://', '0/1', true],
  ]);
  assert.equal(await ask('clef_deriveAccount', ['ledger://', 'm', 'yes']), err(105, -32602, 'invalid argument 2: json: cannot unmarshal string into Go value of type bool'));
  assert.equal(await ask('clef_deriveAccount', [1, 'm']), err(106, -32602, 'invalid argument 0: json: cannot unmarshal number into Go value of type string'));
  assert.equal(await ask('clef_deriveAccount', ['ledger://']), err(107, -32602, 'missing value for required argument 1'));
  assert.equal(await ask('clef_deriveAccount', ['a', 'b', true, 4]), err(108, -32602, 'too many arguments, want at most 3'));
  assert.equal(await ask('clef_deriveAccount', ['keystore://', 'm']), err(109, -32000, 'unknown wallet'));
  assert.equal(await ask('clef_deriveAccount', '{"url":"ledger://"}'), err(110, -32602, 'non-array args'));
  assert.equal(await ask('clef_openWallet', ['ledger://']), '{"jsonrpc":"2.0","id":111,"result":null}');
  assert.equal(await ask('clef_openWallet', ['ledger://', null]), '{"jsonrpc":"2.0","id":112,"result":null}');
  assert.equal(await ask('clef_openWallet', ['ledger://', 'extra words']), '{"jsonrpc":"2.0","id":113,"result":null}');
  assert.deepEqual(daemon.log.slice(-3), [
    ['open', 'ledger://', ''],
    ['open', 'ledger://', ''],
    ['open', 'ledger://', 'extra words'],
  ]);
  assert.equal(await ask('clef_openWallet', ['trezor://x']), err(114, -32000, 'trezor: pin needed'));
  assert.equal(await ask('clef_openWallet', []), err(115, -32602, 'missing value for required argument 0'));
  pipe.end();
});

test('clef_importRawKey: key errors, then the password rule, then the keystore; the key is wiped', async () => {
  const { ask, daemon, result, pipe } = harness();
  const good = 'fine password';
  const cases: [Json[], string][] = [
    [['0x' + '11'.repeat(32), good], "invalid hex character 'x' in private key"],
    [['11'.repeat(31) + '1g', good], "invalid hex character 'g' in private key"],
    [['111', good], 'invalid hex data for private key'],
    [['11z', good], "invalid hex character 'z' in private key"],
    [['11'.repeat(31), good], 'invalid length, need 256 bits'],
    [['00'.repeat(32), good], 'invalid private key, zero or negative'],
    [['ff'.repeat(32), good], 'invalid private key, >=N'],
    [['11'.repeat(32), 'test'], 'password requirements not met: password too short (<10 characters)'],
    [['11'.repeat(32), 'tab\tinside password'], 'password requirements not met: password contains invalid characters - only 7bit printable ascii allowed'],
    [['22'.repeat(32), good], 'account already exists'],
  ];
  let id = 100;
  for (const [params, message] of cases) assert.equal(await ask('clef_importRawKey', params), err(++id, -32000, message), message);
  assert.deepEqual(result(await ask('clef_importRawKey', ['11'.repeat(32), good])), A);
  assert.equal(daemon.lastKeyCopy, '11'.repeat(32));
  assert.ok(daemon.lastKey!.every((b) => b === 0), 'the decoded key is zeroed after the call');
  assert.equal(await ask('clef_importRawKey', ['11'.repeat(32)]), err(112, -32602, 'missing value for required argument 1'));
  pipe.end();
});

test('clef_chainId / clef_setChainId: hex result, number or string, decimal or hex, 64 bits', async () => {
  const { ask, daemon, pipe } = harness();
  assert.equal(await ask('clef_chainId'), '{"jsonrpc":"2.0","id":101,"result":"0x1"}');
  const ok: [string, string][] = [
    ['["3"]', '0x3'],
    ['[5]', '0x5'],
    ['["0x10"]', '0x10'],
    ['["0X1f"]', '0x1f'],
    ['[""]', '0x0'],
    ['["007"]', '0x7'],
    ['["18446744073709551615"]', '0xffffffffffffffff'],
    ['["0x000000000000000000001"]', '0x1'],
  ];
  let id = 101;
  for (const [params, hex] of ok) {
    assert.equal(await ask('clef_setChainId', params), `{"jsonrpc":"2.0","id":${++id},"result":"${hex}"}`, params);
    assert.equal(await ask('clef_chainId'), `{"jsonrpc":"2.0","id":${++id},"result":"${hex}"}`);
  }
  assert.equal(daemon.chain, 1n);
  const bad: [string, string][] = [
    ['[3.0]', '"3.0"'],
    ['[-1]', '"-1"'],
    ['["abc"]', '"abc"'],
    ['["0x"]', '"0x"'],
    ['[null]', '"null"'],
    ['[true]', '"true"'],
    ['["18446744073709551616"]', '"18446744073709551616"'],
    ['["0x10000000000000000"]', '"0x10000000000000000"'],
    ['[{"a": 1}]', '"{\\"a\\": 1}"'],
    ['["\\u0033"]', '"\\\\u0033"'],
    ['[" 3"]', '" 3"'],
  ];
  for (const [params, quoted] of bad) {
    assert.equal(await ask('clef_setChainId', params), err(++id, -32602, `invalid argument 0: invalid hex or decimal integer ${quoted}`), params);
  }
  assert.equal(await ask('clef_setChainId', []), err(++id, -32602, 'missing value for required argument 0'));
  assert.equal(daemon.chain, 1n, 'failed calls change nothing');
  pipe.end();
});

test('parseHexOrDecimal64 mirrors math.HexOrDecimal64 on raw JSON text', () => {
  assert.equal(parseHexOrDecimal64('"0xff"'), 255n);
  assert.equal(parseHexOrDecimal64('255'), 255n);
  assert.equal(parseHexOrDecimal64('""'), 0n);
  assert.throws(() => parseHexOrDecimal64('"+1"'), { message: 'invalid hex or decimal integer "+1"' });
  assert.throws(() => parseHexOrDecimal64('"1_000"'), { message: 'invalid hex or decimal integer "1_000"' });
  assert.throws(() => parseHexOrDecimal64('"é"'), { message: 'invalid hex or decimal integer "é"' });
});

test('clef_export: the key file embedded as JSON (compacted, HTML-escaped as Go does), address errors', async () => {
  const { ask, daemon, pipe } = harness();
  assert.equal(await ask('clef_export', [A.address]), `{"jsonrpc":"2.0","id":101,"result":${KEY_TEXT}}`);
  // checksummed input works the same
  assert.equal(await ask('clef_export', ['0xDEADbEeF000000000000000000000000DeaDbeEf']), `{"jsonrpc":"2.0","id":102,"result":${KEY_TEXT}}`);
  daemon.files.set(B.address, '{\n  "address": "1111111122222222222233333333334444444444",\n  "note": "a <b> & \\u00e9 \\/",\n  "n": 1.50e3\n}\n');
  assert.equal(
    await ask('clef_export', [B.address]),
    '{"jsonrpc":"2.0","id":103,"result":{"address":"1111111122222222222233333333334444444444","note":"a \\u003cb\\u003e \\u0026 \\u00e9 \\/","n":1.50e3}}',
  );
  daemon.files.set(B.address, '{"address": tru}');
  assert.equal(await ask('clef_export', [B.address]), err(104, -32603, "json: error calling MarshalJSON for type json.RawMessage: invalid character '}' in literal true (expecting 'e')"));
  daemon.files.set(B.address, '{"a":1} x');
  assert.equal(await ask('clef_export', [B.address]), err(105, -32603, "json: error calling MarshalJSON for type json.RawMessage: invalid character 'x' after top-level value"));
  daemon.files.set(B.address, '');
  assert.equal(await ask('clef_export', [B.address]), err(106, -32603, 'json: error calling MarshalJSON for type json.RawMessage: unexpected end of JSON input'));
  assert.equal(await ask('clef_export', ['0x' + '99'.repeat(20)]), err(107, -32000, 'unknown account'));
  assert.equal(await ask('clef_export', ['0x12']), err(108, -32602, 'invalid argument 0: hex string has length 2, want 40 for common.Address'));
  assert.equal(await ask('clef_export', [5]), err(109, -32602, 'invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address'));
  assert.equal(await ask('clef_export', ['deadbeef000000000000000000000000deadbeef']), err(110, -32602, 'invalid argument 0: json: cannot unmarshal hex string without 0x prefix into Go value of type common.Address'));
  pipe.end();
});

test('clef_import: keystore first, then the new-password rule, then the keystore import', async () => {
  const { ask, daemon, result, pipe } = harness();
  const keyJson = JSON.parse(KEY_TEXT) as Json;
  assert.deepEqual(result(await ask('clef_import', [keyJson, 'old', 'new password ok'])), A);
  assert.deepEqual(daemon.log.at(-1), ['import', keyJson, 'old', 'new password ok']);
  assert.equal(
    await ask('clef_import', [keyJson, 'old', 'short']),
    '{"jsonrpc":"2.0","id":102,"error":{"code":-32000,"message":"password requirements not met: password too short (\\u003c10 characters)"}}',
  );
  assert.equal(await ask('clef_import', [keyJson, 'wrong', 'new password ok']), err(103, -32000, 'could not decrypt key with given password'));
  assert.equal(await ask('clef_import', [keyJson, 'old']), err(104, -32602, 'missing value for required argument 2'));
  assert.equal(await ask('clef_import', [keyJson, 1, 'x']), err(105, -32602, 'invalid argument 1: json: cannot unmarshal number into Go value of type string'));
  daemon.keystore = false;
  assert.equal(await ask('clef_import', [keyJson, 'old', 'short']), err(106, -32000, 'password based accounts not supported'));
  pipe.end();
});

test('clef_new returns the lowercase address; the password prompt it triggers is answered meanwhile', async () => {
  const { ui, daemon, out, pipe } = harness();
  daemon.newAccountHook = async () => {
    const { text } = await ui.onInputRequired({ title: 'New account password', prompt: 'Please enter a password for the new account to be created (attempt 0 of 3)', isPassword: true });
    assert.equal(text, 'a good password');
    return '0xabcdef0000000000000000000000000000000002';
  };
  pipe.push('{"jsonrpc":"2.0","id":"new-1","method":"clef_new","params":[]}\n');
  const prompt = await out.nextJson();
  assert.equal(prompt.method, 'ui_onInputRequired');
  pipe.push(`{"jsonrpc":"2.0","id":${prompt.id},"result":{"text":"a good password"}}\n`);
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":"new-1","result":"0xabcdef0000000000000000000000000000000002"}');
  pipe.end();
});

test('batches, notifications, invalid requests and id echo', async () => {
  const { ask, daemon, out, pipe } = harness();
  pipe.push('[{"jsonrpc":"2.0","id":1,"method":"clef_chainId"},{"jsonrpc":"2.0","method":"clef_setChainId","params":["7"]},{"jsonrpc":"2.0","id":2,"method":"clef_chainId"},{"jsonrpc":"2.0","id":3,"method":"nope"}]\n');
  assert.equal(
    await out.next(),
    '[{"jsonrpc":"2.0","id":1,"result":"0x1"},{"jsonrpc":"2.0","id":2,"result":"0x7"},{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"the method nope does not exist/is not available"}}]',
  );
  pipe.push('[]\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}');
  // a batch of notifications and a lone notification are not answered (the probe's answer comes next)
  pipe.push('[{"jsonrpc":"2.0","method":"clef_setChainId","params":["8"]}]\n{"jsonrpc":"2.0","method":"clef_setChainId","params":["9"]}\n');
  assert.equal(await ask('clef_chainId'), '{"jsonrpc":"2.0","id":101,"result":"0x9"}');
  assert.equal(daemon.chain, 9n);
  pipe.push('{"jsonrpc":"2.0","id":5}\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":5,"error":{"code":-32600,"message":"invalid request"}}');
  pipe.push('{"jsonrpc":"1.0","id":"x","method":"clef_chainId"}\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":"x","error":{"code":-32600,"message":"invalid request"}}');
  pipe.push('{"jsonrpc":"2.0","id":{"a":1},"method":"clef_chainId"}\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}}');
  pipe.push('42\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}}');
  pipe.push('{"jsonrpc":"2.0","id":"a<b&c","method":"clef_chainId"}\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":"a\\u003cb\\u0026c","result":"0x9"}');
  pipe.push('{"jsonrpc":"2.0","id":1.50,"method":"clef_chainId"}\n');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","id":1.50,"result":"0x9"}');
  pipe.end();
});

test('a batch mixing a response to clef and a call to clef: the response settles, the call is answered', async () => {
  const { ui, out, pipe } = harness();
  const input = ui.onInputRequired({ title: 't', prompt: 'p', isPassword: false });
  await out.next();
  pipe.push('[{"jsonrpc":"2.0","id":1,"result":{"text":"from batch"}},{"jsonrpc":"2.0","id":9,"method":"clef_chainId"}]\n');
  assert.deepEqual(await input, { text: 'from batch' });
  assert.equal(await out.next(), '[{"jsonrpc":"2.0","id":9,"result":"0x1"}]');
  pipe.end();
});

test('handler failures: SignerError codes kept, plain errors -32000, programming errors -32603', async () => {
  const { ask, daemon, pipe } = harness();
  daemon.listAccounts = async () => {
    throw new SignerError('custom', -32099);
  };
  assert.equal(await ask('clef_listAccounts'), err(101, -32099, 'custom'));
  daemon.listAccounts = async () => {
    throw new Error('open /x: permission denied');
  };
  assert.equal(await ask('clef_listAccounts'), err(102, -32000, 'open /x: permission denied'));
  daemon.listAccounts = async () => (null as unknown as Account[]).slice();
  assert.equal(await ask('clef_listAccounts'), err(103, -32603, 'method handler crashed'));
  pipe.end();
});

test('the server keeps working when the approver is decorated (rules engine in front of the stdio UI)', async () => {
  const { ui, ask, daemon, out, pipe } = harness();
  // a trivial rules-like decorator: answers listings itself, passes the rest on
  const decorated: Approver = {
    approveTx: (r) => ui.approveTx(r),
    approveSignData: (r) => ui.approveSignData(r),
    approveListing: async (r) => ({ accounts: r.accounts }),
    approveNewAccount: (r) => ui.approveNewAccount(r),
    showError: (t) => ui.showError(t),
    showInfo: (t) => ui.showInfo(t),
    onApprovedTx: () => {},
    onSignerStartup: (i) => ui.onSignerStartup(i),
    onInputRequired: (r) => ui.onInputRequired(r),
  };
  daemon.accounts = [A];
  const listed = await decorated.approveListing({ accounts: [A], meta: { remote: 'NA', local: 'NA', scheme: 'NA', 'User-Agent': '', Origin: '' } });
  assert.deepEqual(listed.accounts, [A]);
  assert.equal(out.lines.length, 0, 'the decorator answered without asking the UI');
  assert.equal(await ask('clef_listAccounts'), `{"jsonrpc":"2.0","id":101,"result":[{"address":"${A.address}","url":"${A.url}"}]}`);
  decorated.showInfo('passed through');
  assert.equal(await out.next(), '{"jsonrpc":"2.0","method":"ui_showInfo","params":[{"text":"passed through"}]}');
  pipe.end();
});

test('splitArrayText and compactRawJson helpers', () => {
  assert.deepEqual(splitArrayText('[]'), []);
  assert.deepEqual(splitArrayText('[ 1 , "a,]" ,{"x":[1,2]}, [3], null ]'), ['1', '"a,]"', '{"x":[1,2]}', '[3]', 'null']);
  assert.deepEqual(splitArrayText('["\\"", "\\\\"]'), ['"\\""', '"\\\\"']);
  assert.equal(compactRawJson(' { "a" : [ 1 , 2 ] , "b" : "x y\\n" }\n'), '{"a":[1,2],"b":"x y\\n"}');
  assert.equal(compactRawJson('"\u2028"'), '"\\u2028"');
});
