// clef's command-line grammar (cli.md §1.1, §2): Go flag syntax, the global/command lookup rule, usage errors with
// Go's wording, defaults and the IPC endpoint rule (§3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appHelp,
  commandHelp,
  flagValue,
  invalidCommandMessage,
  parseCommandLine,
  parseFlagSet,
  parseGoInt,
  FlagError,
  type ParsedCommandLine,
} from '../../cli/args.ts';
import {
  CLEF_VERSION,
  COMMANDS,
  GLOBAL_FLAGS,
  defaultConfigDir,
  defaultKeystore,
  expandPath,
  findCommand,
  ipcEndpoint,
  type Environment,
} from '../../cli/options.ts';
import { projectRoot } from '../support/vectors.ts';

function run(argv: string[]): Extract<ParsedCommandLine, { kind: 'run' }> {
  const p = parseCommandLine(argv);
  assert.equal(p.kind, 'run', JSON.stringify(p));
  return p as Extract<ParsedCommandLine, { kind: 'run' }>;
}

function usageError(argv: string[]): Extract<ParsedCommandLine, { kind: 'usage-error' }> {
  const p = parseCommandLine(argv);
  assert.equal(p.kind, 'usage-error', JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  return p as Extract<ParsedCommandLine, { kind: 'usage-error' }>;
}

test('all four flag spellings set a string flag', () => {
  for (const argv of [
    ['-configdir', 'x', 'init'],
    ['--configdir', 'x', 'init'],
    ['-configdir=x', 'init'],
    ['--configdir=x', 'init'],
  ]) {
    const p = run(argv);
    assert.equal(p.command?.name, 'init');
    assert.equal(flagValue(p, 'configdir'), 'x');
  }
});

test('booleans take no value, or =true/false in any of Go\'s spellings', () => {
  assert.equal(flagValue(run(['--lightkdf', 'init']), 'lightkdf'), true);
  assert.equal(flagValue(run(['--lightkdf=false', 'init']), 'lightkdf'), false);
  assert.equal(flagValue(run(['-lightkdf=T', 'init']), 'lightkdf'), true);
  assert.equal(flagValue(run(['-lightkdf=0', 'init']), 'lightkdf'), false);
  // A bool never consumes the next token: `true` here is the first positional, i.e. an unknown command.
  const p = run(['--lightkdf', 'true']);
  assert.equal(p.command, null);
  assert.deepEqual(p.args, ['true']);
  assert.equal(usageError(['--lightkdf=yes']).message, 'invalid boolean value "yes" for -lightkdf: parse error');
});

test('a non-boolean flag takes the next token whatever it looks like (cac crashed on this)', () => {
  const p = run(['--http', '--http.addr', '0.0.0.0', '--http.port', '8551']);
  assert.equal(flagValue(p, 'http'), true);
  assert.equal(flagValue(p, 'http.addr'), '0.0.0.0');
  assert.equal(flagValue(p, 'http.port'), 8551n);
  assert.equal(flagValue(run(['--keystore', '--configdir']), 'keystore'), '--configdir');
  assert.equal(usageError(['--http.addr']).message, 'flag needs an argument: -http.addr');
});

test('integers parse as Go\'s strconv.ParseInt(s, 0, 64)', () => {
  assert.equal(parseGoInt('15'), 15n);
  assert.equal(parseGoInt('0x10'), 16n);
  assert.equal(parseGoInt('017'), 15n);
  assert.equal(parseGoInt('0b101'), 5n);
  assert.equal(parseGoInt('-3'), -3n);
  assert.equal(parseGoInt('1_000'), 'parse error');
  assert.equal(parseGoInt('0x1_000'), 4096n);
  assert.equal(parseGoInt('abc'), 'parse error');
  assert.equal(parseGoInt(''), 'parse error');
  assert.equal(parseGoInt('9223372036854775808'), 'value out of range');
  assert.equal(flagValue(run(['--chainid', '0x11', 'init']), 'chainid'), 17n);
  assert.equal(usageError(['--chainid', 'mainnet']).message, 'invalid value "mainnet" for flag -chainid: parse error');
});

test('parsing stops at the first positional: later flags become arguments', () => {
  const p = run(['setpw', '0xabc', '--configdir', 'X']);
  assert.equal(p.command?.name, 'setpw');
  assert.equal(flagValue(p, 'configdir'), undefined);
  assert.deepEqual(p.args, ['0xabc', '--configdir', 'X']);
  // `--` ends the flags and is consumed.
  const q = run(['--', 'init']);
  assert.equal(q.command?.name, 'init');
  const r = parseFlagSet(['--loglevel', '4', '--', '--x'], GLOBAL_FLAGS);
  assert.deepEqual(r.rest, ['--x']);
  // A lone `-` is a positional.
  assert.deepEqual(run(['-']).args, ['-']);
});

test('global flags are visible inside every command; the global value wins over the command value', () => {
  const p = run(['--configdir', 'G', 'attest', '--configdir', 'L', 'hash']);
  assert.equal(flagValue(p, 'configdir'), 'G');
  assert.deepEqual(p.args, ['hash']);
  assert.equal(flagValue(run(['attest', '--configdir', 'L', 'hash']), 'configdir'), 'L');
  assert.equal(flagValue(run(['--lightkdf', 'init']), 'lightkdf'), true);
  assert.equal(flagValue(run(['--suppress-bootwarn', 'setpw', '0x1']), 'suppress-bootwarn'), true);
  assert.equal(flagValue(run(['newaccount', '--suppress-bootwarn']), 'suppress-bootwarn'), true);
});

test('a flag after the command name must be declared by the command', () => {
  const e = usageError(['init', '--lightkdf']);
  assert.equal(e.command?.name, 'init');
  assert.equal(e.message, 'flag provided but not defined: -lightkdf');
  assert.equal(usageError(['setpw', '--suppress-bootwarn', '0x1']).message, 'flag provided but not defined: -suppress-bootwarn');
  // --http.corsdomain was never registered for clef.
  assert.equal(usageError(['--http.corsdomain', '*']).message, 'flag provided but not defined: -http.corsdomain');
  assert.equal(usageError(['--rpc']).message, 'flag provided but not defined: -rpc');
  assert.equal(usageError(['---x']).message, 'bad flag syntax: ---x');
  assert.equal(usageError(['-=x']).message, 'bad flag syntax: -=x');
});

test('--password is accepted globally and after newaccount, importraw, setpw; --nousb is a no-op', () => {
  assert.equal(flagValue(run(['--password', 'pw', 'newaccount']), 'password'), 'pw');
  for (const cmd of ['newaccount', 'importraw', 'setpw', 'addaddress']) {
    assert.equal(flagValue(run([cmd, '--password', 'pw', 'a']), 'password'), 'pw', cmd);
  }
  assert.equal(usageError(['attest', '--password', 'pw', 'h']).message, 'flag provided but not defined: -password');
  assert.equal(run(['--nousb', 'list-accounts']).command?.name, 'list-accounts');
});

test('`rules` takes everything after its name unparsed (its own `test --storage` grammar)', () => {
  const p = run(['--loglevel', '2', 'rules', 'test', '--storage', 's.json', 'r.js', '--x']);
  assert.equal(p.command?.name, 'rules');
  assert.deepEqual(p.args, ['test', '--storage', 's.json', 'r.js', '--x']);
  assert.equal(flagValue(p, 'loglevel'), 2n);
});

test('unknown first positional → daemon with that argument; clef\'s message quotes it Go-style', () => {
  const p = run(['--loglevel', '5', 'frobnicate']);
  assert.equal(p.command, null);
  assert.deepEqual(p.args, ['frobnicate']);
  assert.equal(invalidCommandMessage('frob"x'), 'invalid command: "frob\\"x"');
  assert.equal(run([]).command, null);
});

test('help and version forms', () => {
  assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
  assert.deepEqual(parseCommandLine(['-v']), { kind: 'version' });
  assert.deepEqual(parseCommandLine(['-h']), { kind: 'help', command: null });
  assert.deepEqual(parseCommandLine(['--help', 'init']), { kind: 'help', command: null });
  assert.deepEqual(parseCommandLine(['help']), { kind: 'help', command: null });
  assert.deepEqual(parseCommandLine(['h', 'init']), { kind: 'help', command: findCommand('init') });
  assert.deepEqual(parseCommandLine(['init', '-h']), { kind: 'help', command: findCommand('init') });
  assert.deepEqual(parseCommandLine(['help', 'nope']), { kind: 'help-unknown', topic: 'nope' });
  // -v is not a command flag.
  assert.equal(usageError(['init', '-v']).message, 'flag provided but not defined: -v');
  assert.match(appHelp(CLEF_VERSION), /^NAME:\n {3}clef - Manage Ethereum account operations\n/);
  for (const c of COMMANDS) assert.ok(appHelp(CLEF_VERSION).includes(`   ${c.name} `), c.name);
  const h = commandHelp(findCommand('attest')!);
  assert.match(h, /USAGE:\n {3}clef attest \[command options\] <sha256sum>\n/);
  assert.match(h, /--signersecret value/);
  assert.doesNotMatch(h, /--keystore/);
});

test('declared command flags match cli.md §2.2 (plus --password on the account-password commands)', () => {
  const declared = (name: string) => [...findCommand(name)!.flags].sort();
  assert.deepEqual(declared('init'), ['configdir', 'loglevel']);
  assert.deepEqual(declared('attest'), ['configdir', 'loglevel', 'signersecret']);
  assert.deepEqual(declared('delpw'), ['configdir', 'loglevel', 'signersecret']);
  assert.deepEqual(declared('setpw'), ['configdir', 'loglevel', 'password', 'signersecret']);
  // Plus --json and --log.stderr (new) on the two list commands.
  assert.deepEqual(declared('list-accounts'), ['json', 'keystore', 'lightkdf', 'log.stderr', 'loglevel', 'suppress-bootwarn']);
  assert.deepEqual(declared('list-wallets'), ['json', 'keystore', 'lightkdf', 'log.stderr', 'loglevel', 'suppress-bootwarn']);
  assert.deepEqual(declared('newaccount'), ['keystore', 'lightkdf', 'loglevel', 'password', 'suppress-bootwarn']);
  assert.deepEqual(declared('importraw'), ['keystore', 'lightkdf', 'loglevel', 'password', 'suppress-bootwarn']);
  assert.deepEqual(declared('gendoc'), []);
});

test('the version constant matches package.json', () => {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(CLEF_VERSION, pkg.version);
});

const linux: Environment = { platform: 'linux', env: { HOME: '/home/u' }, userHome: '/etc-home', tmpdir: '/tmp' };

test('default paths per OS (cli.md §3.1–3.2)', () => {
  assert.equal(defaultConfigDir(linux), '/home/u/.clef');
  assert.equal(defaultKeystore(linux), '/home/u/.ethereum/keystore');
  assert.equal(defaultConfigDir({ ...linux, env: {} }), '/etc-home/.clef');
  assert.equal(defaultConfigDir({ ...linux, env: {}, userHome: '' }), '');
  assert.equal(defaultKeystore({ ...linux, env: {}, userHome: '' }), 'keystore');
  assert.equal(defaultConfigDir({ ...linux, platform: 'darwin' }), '/home/u/Library/Signer');
  assert.equal(defaultKeystore({ ...linux, platform: 'darwin' }), '/home/u/Library/Ethereum/keystore');
  const win: Environment = { platform: 'win32', env: { HOME: 'C:\\Users\\u', APPDATA: 'C:\\AD' }, userHome: '', tmpdir: 'C:\\T' };
  assert.equal(defaultConfigDir(win), 'C:\\AD\\Signer');
  assert.equal(defaultConfigDir({ ...win, env: { HOME: 'C:\\Users\\u' } }), 'C:\\Users\\u\\AppData\\Roaming\\Signer');
  assert.equal(defaultKeystore({ ...win, env: { HOME: 'C:\\Users\\u' } }), 'C:\\Users\\u\\AppData\\Roaming\\Ethereum\\keystore');
  const withLocal = { ...win, env: { HOME: 'C:\\Users\\u', LOCALAPPDATA: 'C:\\LA' } };
  assert.equal(defaultKeystore({ ...withLocal, dirNonEmpty: () => false }), 'C:\\LA\\Ethereum\\keystore');
  assert.equal(defaultKeystore({ ...withLocal, dirNonEmpty: () => true }), 'C:\\Users\\u\\AppData\\Roaming\\Ethereum\\keystore');
});

test('IPC endpoint resolution (cli.md §3.3)', () => {
  assert.equal(ipcEndpoint({ ipcpath: '', configdir: '/home/u/.clef' }, linux), '/home/u/.clef/clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: '', configdir: './clef' }, linux), 'clef/clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: '', configdir: '' }, linux), '/tmp/clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: '/run/clef', configdir: './clef' }, linux), '/run/clef/clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: 'rel', configdir: './clef' }, linux), 'rel/clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: '.', configdir: './clef' }, linux), 'clef/clef.ipc');
  const win = { platform: 'win32', tmpdir: 'C:\\T' };
  assert.equal(ipcEndpoint({ ipcpath: '', configdir: 'C:\\x' }, win), '\\\\.\\pipe\\clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: '\\\\.\\pipe\\', configdir: '' }, win), '\\\\.\\pipe\\clef.ipc');
  assert.equal(ipcEndpoint({ ipcpath: 'mine', configdir: '' }, win), '\\\\.\\pipe\\mine\\clef.ipc');
});

test('--ipcpath is expanded like geth\'s directory flags', () => {
  const e: Environment = { ...linux, env: { HOME: '/home/u', RUN: '/run' } };
  assert.equal(expandPath('~/x/', e), '/home/u/x');
  assert.equal(expandPath('$RUN/clef', e), '/run/clef');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} is the input expandPath expands
  assert.equal(expandPath('${RUN}/a/../clef', e), '/run/clef');
  assert.equal(expandPath('$NOPE/clef', e), '/clef');
  assert.equal(expandPath('', e), '.');
  assert.ok(FlagError);
});
