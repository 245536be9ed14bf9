// Console UI: exact bytes of every prompt kind (ui-api.md §8), y/N semantics, context-block truncation,
// serialisation of concurrent approvals and end-of-input handling, against a scripted fake terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleUI, EndOfInputError, goTrimSpace } from '../../../adapters/ui/console.ts';
import type { Terminal } from '../../../adapters/terminal/terminal.ts';
import type { Account, LogAttrs, Logger, Meta, SignDataRequest, SignTxRequest } from '../../../core/ports.ts';

/** A terminal whose input lines are queued or fed later; `end()` makes every later read hit end of input. */
class FakeTerminal implements Terminal {
  out = '';
  passwordPrompts: string[] = [];
  private lines: string[] = [];
  private waiting: ((line: string | null) => void)[] = [];
  private ended = false;
  constructor(
    readonly interactive = false,
    lines: string[] = [],
    private passwords: string[] = [],
  ) {
    this.lines = [...lines];
  }
  write(text: string): void {
    this.out += text;
  }
  readLine(): Promise<string | null> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async readPassword(prompt: string): Promise<string> {
    this.out += prompt;
    this.passwordPrompts.push(prompt);
    const pw = this.passwords.shift();
    if (pw === undefined) throw new Error('EOF');
    return pw;
  }
  discards = 0;
  discardTypeahead(): void {
    this.discards++;
  }
  feed(line: string): void {
    const w = this.waiting.shift();
    if (w) w(line);
    else this.lines.push(line);
  }
  end(): void {
    this.ended = true;
    for (const w of this.waiting.splice(0)) w(null);
  }
  /** Resolves when a reader waits for input (lets queued microtasks run first). */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  }
}

class RecordingLogger implements Logger {
  records: { level: string; msg: string; attrs?: LogAttrs }[] = [];
  private rec = (level: string) => (msg: string, attrs?: LogAttrs) => this.records.push({ level, msg, attrs });
  crit = this.rec('crit');
  error = this.rec('error');
  warn = this.rec('warn');
  info = this.rec('info');
  debug = this.rec('debug');
  trace = this.rec('trace');
}

const NB = '\u00a0';
const ipcMeta: Meta = { remote: 'NA', local: 'NA', scheme: 'ipc', 'User-Agent': '', Origin: '' };
const httpMeta: Meta = {
  remote: '127.0.0.1:51234',
  local: 'localhost:8550',
  scheme: 'HTTP/1.1',
  'User-Agent': 'Go-http-client/1.1',
  Origin: '',
};
const context = (m: Meta, ua = `"${m['User-Agent']}"`, origin = `"${m.Origin}"`): string =>
  `Request context:\n\t${m.remote} -> ${m.scheme} -> ${m.local}\n\n` +
  `Additional HTTP header data, provided by the external caller:\n\tUser-Agent: ${ua}\n\tOrigin: ${origin}\n`;

/** ui-api.md §4.1 example request. */
const legacyTx = (): SignTxRequest => ({
  transaction: {
    from: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192',
    to: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192',
    gas: '0x5208',
    gasPrice: '0x3b9aca00',
    maxFeePerGas: null,
    maxPriorityFeePerGas: null,
    value: '0x1',
    nonce: '0x0',
    data: '0x',
    chainId: '0x1',
  },
  call_info: null,
  meta: httpMeta,
});

/** ui-api.md §4.2 example request. */
const personalSign = (): SignDataRequest => ({
  content_type: 'text/plain',
  address: '0xDEADbEeF000000000000000000000000DeaDbeEf',
  raw_data: 'GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk',
  messages: [{ name: 'message', value: '\u0019Ethereum Signed Message:\n11hello world', type: 'text/plain' }],
  call_info: null,
  hash: '0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68',
  meta: ipcMeta,
});

test('transaction request: the §4.1 example, byte for byte, approved with y returns the tx unchanged', async () => {
  const t = new FakeTerminal(false, ['y']);
  const req = legacyTx();
  const res = await new ConsoleUI(t).approveTx(req);
  assert.deepEqual(res, { approved: true, transaction: req.transaction });
  assert.equal(res.transaction, req.transaction);
  assert.equal(
    t.out,
    '--------- Transaction request-------------\n' +
      'to:    0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192\n' +
      'from:               0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192 [chksum ok]\n' +
      'value:              1 wei\n' +
      'gas:                0x5208 (21000)\n' +
      'gasprice: 1000000000 wei\n' +
      'nonce:    0x0 (0)\n' +
      'chainid:  0x1\n' +
      '\n' +
      context(httpMeta) +
      '-------------------------------------------\n' +
      'Approve? [y/N]:\n> ',
  );
});

test('transaction request: 1559 fees, bad to-checksum warning, access list, blobs, data, validation, denial', async () => {
  const t = new FakeTerminal(false, ['n']);
  const req: SignTxRequest = {
    transaction: {
      from: '0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db',
      to: '0xafb2f771f58513609765698f65d3f2f0224a956f',
      gas: '0x30d40',
      gasPrice: null,
      maxFeePerGas: '0x77359400',
      maxPriorityFeePerGas: null,
      value: '0xde0b6b3a7640000',
      nonce: '0x1f',
      data: '0xA9059CBB00',
      accessList: [
        {
          address: '0xbea9183f8f4f03d427f6bcea17388bdff1cab133',
          storageKeys: [
            '0x0000000000000000000000000000000000000000000000000000000000000001',
            '0x0000000000000000000000000000000000000000000000000000000000000002',
          ],
        },
      ],
      chainId: '0x539',
      blobVersionedHashes: ['0x01aa000000000000000000000000000000000000000000000000000000000000'],
    },
    call_info: [{ type: 'Info', message: 'Transaction invokes the following method: "transfer(address,uint256)"' }],
    meta: ipcMeta,
  };
  const res = await new ConsoleUI(t).approveTx(req);
  assert.deepEqual(res, { approved: false });
  assert.equal(
    t.out,
    '--------- Transaction request-------------\n' +
      'to:    0xafb2f771f58513609765698f65d3f2f0224a956f\n' +
      '\nWARNING: Invalid checksum on to-address!\n\n' +
      'from:               0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db [chksum INVALID]\n' +
      'value:              1000000000000000000 wei\n' +
      'gas:                0x30d40 (200000)\n' +
      'maxFeePerGas:          2000000000 wei\n' +
      'maxPriorityFeePerGas:  <nil> wei\n' +
      'nonce:    0x1f (31)\n' +
      'chainid:  0x539\n' +
      'Accesslist:\n' +
      ' 0. 0xbEa9183f8f4F03D427F6BCEa17388BdfF1caB133\n' +
      '   0. 0x0000000000000000000000000000000000000000000000000000000000000001\n' +
      '   1. 0x0000000000000000000000000000000000000000000000000000000000000002\n' +
      'Blob hashes:\n' +
      '   0x01aa000000000000000000000000000000000000000000000000000000000000\n' +
      'data:     0xa9059cbb00\n' +
      '\nTransaction validation:\n' +
      '  * Info : Transaction invokes the following method: "transfer(address,uint256)"\n' +
      '\n' +
      '\n' +
      context(ipcMeta) +
      '-------------------------------------------\n' +
      'Approve? [y/N]:\n> ' +
      '-----------------------\n',
  );
});

test('transaction request: contract creation prints clef\'s "<contact creation>"; absent gas price is <nil>', async () => {
  const t = new FakeTerminal(false, ['y']);
  const req = legacyTx();
  req.transaction.to = null;
  req.transaction.gasPrice = null;
  await new ConsoleUI(t).approveTx(req);
  assert.match(t.out, /^--------- Transaction request-------------\nto: {4}<contact creation>\nfrom: {15}0x8A8e/);
  assert.ok(t.out.includes('\ngasprice: <nil> wei\n'));
});

test('sign data request: the §4.2 example with Go %q message and raw data', async () => {
  const t = new FakeTerminal(false, ['y']);
  const res = await new ConsoleUI(t).approveSignData(personalSign());
  assert.deepEqual(res, { approved: true });
  assert.equal(
    t.out,
    '-------- Sign data request--------------\n' +
      'Account:  0xDEADbEeF000000000000000000000000DeaDbeEf [chksum ok]\n' +
      'messages:\n' +
      `${NB}${NB}message [text/plain]: "\\x19Ethereum Signed Message:\\n11hello world"\n` +
      'raw data:  \n' +
      '\t"\\x19Ethereum Signed Message:\\n11hello world"\n' +
      'data hash:  0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68\n' +
      '-------------------------------------------\n' +
      context(ipcMeta) +
      'Approve? [y/N]:\n> ',
  );
});

test('sign data request: nested typed-data messages (NBSP indentation, trimmed top level), invalid UTF-8 raw data, validation messages', async () => {
  const t = new FakeTerminal(false, ['nope']);
  const req: SignDataRequest = {
    content_type: 'data/typed',
    address: '0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db',
    raw_data: 'GQH/AA==', // 0x19 0x01 0xff 0x00
    messages: [
      {
        name: 'EIP712Domain',
        value: [
          { name: 'name', value: 'Ether "Mail"', type: 'string' },
          { name: 'chainId', value: '1 (0x1)', type: 'uint256' },
        ],
        type: 'domain',
      },
      {
        name: 'Mail',
        value: [
          { name: 'from', value: [{ name: 'name', value: 'Cow\u00e9', type: 'string' }], type: 'Person' },
          { name: 'contents', value: null, type: 'string[]' },
        ],
        type: 'primary type',
      },
    ],
    call_info: [{ type: 'WARNING', message: 'something odd' }],
    hash: '0x' + '11'.repeat(32),
    meta: ipcMeta,
  };
  const res = await new ConsoleUI(t).approveSignData(req);
  assert.deepEqual(res, { approved: false });
  assert.equal(
    t.out,
    '-------- Sign data request--------------\n' +
      'Account:  0x1923f626bb8dc025849e00f99c25fe2b2f7fb0db [chksum INVALID]\n' +
      '\nValidation messages:\n  * WARNING : something odd\n\n' +
      'messages:\n' +
      `${NB}${NB}EIP712Domain [domain]: \n` +
      `${NB.repeat(4)}name [string]: "Ether \\"Mail\\""\n` +
      `${NB.repeat(4)}chainId [uint256]: "1 (0x1)"\n` +
      `${NB}${NB}Mail [primary type]: \n` +
      `${NB.repeat(4)}from [Person]: \n` +
      `${NB.repeat(6)}name [string]: "Cow\u00e9"\n` +
      `${NB.repeat(4)}contents [string[]]:\n` +
      'raw data:  \n' +
      '\t"\\x19\\x01\\xff\\x00"\n' +
      `data hash:  0x${'11'.repeat(32)}\n` +
      '-------------------------------------------\n' +
      context(ipcMeta) +
      'Approve? [y/N]:\n> -----------------------\n',
  );
});

test('listing request: accounts as EIP-55 with URL; approval returns all accounts, denial null', async () => {
  const accounts: Account[] = [
    { address: '0xdeadbeef000000000000000000000000deadbeef', url: 'keystore:///path/to/keyfile/a' },
    { address: '0x1111111122222222222233333333334444444444', url: 'keystore:///path/to/keyfile/b' },
  ];
  const t = new FakeTerminal(false, ['y', 'Y']);
  const ui = new ConsoleUI(t);
  const approved = await ui.approveListing({ accounts, meta: ipcMeta });
  assert.deepEqual(approved, { accounts });
  const expected =
    '-------- List Account request--------------\n' +
    'A request has been made to list all accounts. \n' +
    'You can select which accounts the caller can see\n' +
    '  [x] 0xDEADbEeF000000000000000000000000DeaDbeEf\n' +
    '    URL: keystore:///path/to/keyfile/a\n' +
    '  [x] 0x1111111122222222222233333333334444444444\n' +
    '    URL: keystore:///path/to/keyfile/b\n' +
    '-------------------------------------------\n' +
    context(ipcMeta) +
    'Approve? [y/N]:\n> ';
  assert.equal(t.out, expected);
  t.out = '';
  assert.deepEqual(await ui.approveListing({ accounts, meta: ipcMeta }), { accounts: null });
  assert.equal(t.out, expected + '-----------------------\n');
});

test('new-account request: exact text; only exactly "y" (trimmed) approves', async () => {
  const expected =
    '-------- New Account request--------------\n\n' +
    'A request has been made to create a new account. \n' +
    'Approving this operation means that a new account is created,\n' +
    'and the address is returned to the external caller\n\n' +
    context(ipcMeta) +
    'Approve? [y/N]:\n';
  for (const [answer, approved] of [
    ['y', true],
    ['  y\t', true],
    ['Y', false],
    ['yes', false],
    ['n', false],
    ['ok', false],
  ] as const) {
    const t = new FakeTerminal(false, [answer]);
    assert.deepEqual(await new ConsoleUI(t).approveNewAccount({ meta: ipcMeta }), { approved }, answer);
    assert.equal(t.out, expected + '> ' + (approved ? '' : '-----------------------\n'), answer);
  }
});

test('line reader re-prompts "> " on empty and blank lines', async () => {
  const t = new FakeTerminal(false, ['', '   ', '\t', 'y']);
  assert.deepEqual(await new ConsoleUI(t).approveNewAccount({ meta: ipcMeta }), { approved: true });
  assert.ok(t.out.endsWith('Approve? [y/N]:\n> > > > '));
});

test('request context: %q quoting, User-Agent cut at 200 bytes and Origin at 100 with "..." after the quote', async () => {
  const cases: { ua: string; origin: string; uaOut: string; originOut: string }[] = [
    { ua: 'curl/8.5.0', origin: 'https://x.example', uaOut: '"curl/8.5.0"', originOut: '"https://x.example"' },
    { ua: 'a\tb"c\\', origin: '\u0007\u00e9', uaOut: '"a\\tb\\"c\\\\"', originOut: '"\\a\u00e9"' },
    { ua: 'a'.repeat(200), origin: 'o'.repeat(100), uaOut: `"${'a'.repeat(200)}"`, originOut: `"${'o'.repeat(100)}"` },
    { ua: 'a'.repeat(201), origin: 'o'.repeat(101), uaOut: `"${'a'.repeat(200)}"...`, originOut: `"${'o'.repeat(100)}"...` },
    // 1 + 2×100 bytes: the cut falls inside the last é, which Go's %q shows as \xc3.
    { ua: 'a' + '\u00e9'.repeat(100), origin: '', uaOut: `"a${'\u00e9'.repeat(99)}\\xc3"...`, originOut: '""' },
  ];
  for (const c of cases) {
    const meta: Meta = { remote: '10.0.0.1:1', local: 'h:1', scheme: 'HTTP/2.0', 'User-Agent': c.ua, Origin: c.origin };
    const t = new FakeTerminal(false, ['n']);
    await new ConsoleUI(t).approveNewAccount({ meta });
    assert.ok(t.out.includes(context(meta, c.uaOut, c.originOut) + 'Approve? [y/N]:\n'), JSON.stringify(c));
  }
});

test('two concurrent approvals are serialised: the second prompt appears only after the first is answered', async () => {
  const t = new FakeTerminal();
  const ui = new ConsoleUI(t);
  const first = ui.approveNewAccount({ meta: ipcMeta });
  const second = ui.approveSignData(personalSign());
  await t.settle();
  assert.equal(t.out.split('Approve? [y/N]:').length - 1, 1);
  assert.ok(!t.out.includes('Sign data request'));
  t.feed('y');
  assert.deepEqual(await first, { approved: true });
  await t.settle();
  assert.ok(t.out.includes('Sign data request'));
  t.feed('n');
  assert.deepEqual(await second, { approved: false });
  assert.ok(t.out.indexOf('New Account request') < t.out.indexOf('Sign data request'));
});

test('end of input while a prompt waits: that request fails with a clear error, is logged, and the UI keeps serving', async () => {
  const t = new FakeTerminal();
  const logger = new RecordingLogger();
  const ui = new ConsoleUI(t, { logger });
  const pending = ui.approveTx(legacyTx());
  const queued = ui.approveListing({ accounts: [], meta: ipcMeta });
  await t.settle();
  t.end();
  await assert.rejects(pending, (err: unknown) => {
    assert.ok(err instanceof EndOfInputError);
    assert.equal(err.code, -32000);
    assert.match(err.message, /failed to read user input/);
    return true;
  });
  await assert.rejects(queued, EndOfInputError);
  assert.ok(logger.records.some((r) => r.level === 'error' && r.msg === 'Failed to read user input'));
  // Notifications and non-interactive output still work.
  ui.showInfo('still here');
  assert.ok(t.out.endsWith('## Info \nstill here\n'));
});

test('a failed prompt does not block the queue for the next one', async () => {
  const t = new FakeTerminal();
  const ui = new ConsoleUI(t);
  const a = ui.approveNewAccount({ meta: ipcMeta });
  await t.settle();
  // Simulate one end of input, then more input arriving (e.g. a test harness reattaching).
  const w = (t as unknown as { waiting: ((l: string | null) => void)[] }).waiting.shift()!;
  w(null);
  await assert.rejects(a, EndOfInputError);
  const b = ui.approveNewAccount({ meta: ipcMeta });
  await t.settle();
  t.feed('y');
  assert.deepEqual(await b, { approved: true });
});

test('input request (password): header, "> " password prompt, dashes; never echoes the password', async () => {
  const t = new FakeTerminal(false, [], ['correct horse battery']);
  const res = await new ConsoleUI(t).onInputRequired({
    title: 'Account password',
    prompt: 'Please enter the password for account 0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192',
    isPassword: true,
  });
  assert.deepEqual(res, { text: 'correct horse battery' });
  assert.deepEqual(t.passwordPrompts, ['> ']);
  assert.equal(
    t.out,
    '## Account password\n\nPlease enter the password for account 0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192\n> -----------------------\n',
  );
  assert.ok(!t.out.includes('correct horse'));
});

test('input request (text): the line reader; a failed password read still prints the dashes and rejects', async () => {
  const t = new FakeTerminal(false, ['', ' answer ']);
  const ui = new ConsoleUI(t, { logger: new RecordingLogger() });
  assert.deepEqual(await ui.onInputRequired({ title: 'Testing', prompt: 'Say something', isPassword: false }), { text: 'answer' });
  assert.equal(t.out, '## Testing\n\nSay something\n> > -----------------------\n');
  t.out = '';
  await assert.rejects(ui.onInputRequired({ title: 'Master Password', prompt: 'p', isPassword: true }), /EOF/);
  assert.equal(t.out, '## Master Password\n\np\n> -----------------------\n');
});

test('showError, showInfo: exact bytes (cli.md §5.5, §5.6)', () => {
  const t = new FakeTerminal();
  const ui = new ConsoleUI(t);
  ui.showError('Account creation attempt #1 failed due to password requirements: password too short (<10 characters)');
  assert.equal(
    t.out,
    '## Error \nAccount creation attempt #1 failed due to password requirements: password too short (<10 characters)\n' +
      '-------------------------------------------\n',
  );
  t.out = '';
  ui.showInfo('Key imported:\n  Address 0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6');
  assert.equal(t.out, '## Info \nKey imported:\n  Address 0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6\n');
});

test('onApprovedTx: "Transaction signed:" and Go MarshalIndent(prefix "  ", indent "  ")', () => {
  const t = new FakeTerminal();
  new ConsoleUI(t).onApprovedTx({
    raw: '0xf8',
    tx: {
      type: '0x1',
      chainId: '0x1',
      to: '0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192',
      maxFeePerGas: null,
      accessList: [{ address: '0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192', storageKeys: ['0x01', '0x02'] }],
      blobs: [],
      input: '0x3c26',
      hash: '0xab',
    },
  });
  assert.equal(
    t.out,
    'Transaction signed:\n {\n' +
      '    "type": "0x1",\n' +
      '    "chainId": "0x1",\n' +
      '    "to": "0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192",\n' +
      '    "maxFeePerGas": null,\n' +
      '    "accessList": [\n' +
      '      {\n' +
      '        "address": "0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192",\n' +
      '        "storageKeys": [\n' +
      '          "0x01",\n' +
      '          "0x02"\n' +
      '        ]\n' +
      '      }\n' +
      '    ],\n' +
      '    "blobs": [],\n' +
      '    "input": "0x3c26",\n' +
      '    "hash": "0xab"\n' +
      '  }\n',
  );
});

test('signer start-up: info block, then the account listing (none / at most 20 / listing failure)', async () => {
  const info = { info: { extapi_http: 'n/a', extapi_ipc: '/home/u/.clef/clef.ipc', extapi_version: '6.1.0', intapi_version: '7.0.1' } };
  const header =
    '\n------- Signer info -------\n' +
    '* extapi_http : n/a\n* extapi_ipc : /home/u/.clef/clef.ipc\n* extapi_version : 6.1.0\n* intapi_version : 7.0.1\n';

  let t = new FakeTerminal();
  let ui = new ConsoleUI(t, { accounts: async () => [] });
  ui.onSignerStartup(info);
  await t.settle();
  assert.equal(t.out, header + 'No accounts found\n');

  const many: Account[] = Array.from({ length: 21 }, (_, i) => ({
    address: `0x${(i + 1).toString(16).padStart(2, '0')}${'ab'.repeat(19)}` as `0x${string}`,
    url: `keystore:///ks/${i}`,
  }));
  t = new FakeTerminal();
  ui = new ConsoleUI(t);
  ui.setAccountSource(async () => many);
  ui.onSignerStartup(info);
  await t.settle();
  const lines = t.out.slice(header.length).split('\n');
  assert.equal(lines[0], '');
  assert.equal(lines[1], '------- Available accounts -------');
  assert.match(lines[2], /^0\. 0x01[0-9a-fA-F]{38} at keystore:\/\/\/ks\/0$/);
  assert.match(lines[21], /^19\. 0x14[0-9a-fA-F]{38} at keystore:\/\/\/ks\/19$/);
  assert.equal(t.out.slice(header.length).split('\n').slice(22).join('\n'), '\nFirst 20 accounts listed (1 more available).\n');

  t = new FakeTerminal();
  const logger = new RecordingLogger();
  ui = new ConsoleUI(t, { logger, accounts: async () => Promise.reject(new Error('boom')) });
  ui.onSignerStartup(info);
  await t.settle();
  assert.equal(t.out, header);
  assert.deepEqual(logger.records, [{ level: 'error', msg: 'Error listing accounts', attrs: { err: 'boom' } }]);
});

test('start-up listing shows EIP-55 addresses', async () => {
  const t = new FakeTerminal();
  await new ConsoleUI(t, {
    accounts: async () => [{ address: '0xdeadbeef000000000000000000000000deadbeef', url: 'keystore:///a' }],
  }).showAccounts();
  assert.equal(t.out, '\n------- Available accounts -------\n0. 0xDEADbEeF000000000000000000000000DeaDbeEf at keystore:///a\n');
});

test('identicons: off on a pipe (byte-exact clef), on for an interactive terminal, and can be forced off', async () => {
  const piped = new FakeTerminal(false, ['y']);
  await new ConsoleUI(piped).approveTx(legacyTx());
  assert.ok(!piped.out.includes('\x1b['));

  const tty = new FakeTerminal(true, ['y']);
  await new ConsoleUI(tty).approveTx(legacyTx());
  const blockLines = tty.out.split('\n').filter((l) => l.includes('\x1b[38;2;'));
  assert.equal(blockLines.length, 8); // 4 lines for `to`, 4 for `from`
  // The identicon lines sit right under the address lines; the rest of the prompt is unchanged.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI-coloured blockie lines
  assert.equal(tty.out.replace(/^ +\x1b\[.*\n/gm, ''), piped.out);

  const forcedOff = new FakeTerminal(true, ['y']);
  await new ConsoleUI(forcedOff, { identicons: false }).approveTx(legacyTx());
  assert.equal(forcedOff.out, piped.out);
});

test('goTrimSpace trims like Go strings.TrimSpace (NBSP and NEL yes, BOM no)', () => {
  assert.equal(goTrimSpace('\u00a0\u00a0x \n'), 'x');
  assert.equal(goTrimSpace('\u0085x\u3000'), 'x');
  assert.equal(goTrimSpace('\ufeffx'), '\ufeffx');
});
