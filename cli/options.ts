// clef's flag table (cli.md §2), its commands (§2.2, §5), default paths (§3.1–3.2) and the IPC endpoint rule
// (§3.3). Everything here is data or a pure function of its inputs (environment, platform, home directory),
// so the parser, the help printer and the tests share one source of truth.
import { posix, win32 } from 'node:path';

/** The version printed by `clef --version` (kept equal to package.json's; a test checks it). */
export const CLEF_VERSION = '0.1.0';

/** The value kinds of Go's flag package that clef uses. */
type FlagKind = 'bool' | 'string' | 'int' | 'int64' | 'path';

/** One flag: name as typed after `-`/`--`, kind, usage text and clef's default. */
export interface FlagSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly kind: FlagKind;
  readonly usage: string;
  /** Default shown in help; the resolved default comes from `defaultsFor()` when it depends on the machine. */
  readonly defaultText?: string;
  /** Hidden from help (compatibility no-ops). */
  readonly hidden?: boolean;
}

/** One sub-command: its declared flags (§2.2) and help texts. */
export interface CommandSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly usage: string;
  readonly argsUsage: string;
  readonly description: string;
  /** Names of the flags the command declares; anything else after the command name is an error. */
  readonly flags: readonly string[];
  /** Everything after the command name is handed over unparsed (urfave/cli's SkipFlagParsing). */
  readonly skipFlagParsing?: boolean;
}

/** The built-in help flag every flag set carries (urfave/cli adds it to the app and to each command). */
export const HELP_FLAG: FlagSpec = { name: 'help', aliases: ['h'], kind: 'bool', usage: 'show help' };
/** The version flag, application level only. */
export const VERSION_FLAG: FlagSpec = { name: 'version', aliases: ['v'], kind: 'bool', usage: 'print the version' };

/** Global flags in clef's help order. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'loglevel', kind: 'int', usage: 'log level to emit to the screen', defaultText: '3' },
  { name: 'keystore', kind: 'string', usage: 'Directory for the keystore', defaultText: '$HOME/.ethereum/keystore' },
  { name: 'configdir', kind: 'string', usage: 'Directory for Clef configuration', defaultText: '$HOME/.clef' },
  { name: 'chainid', kind: 'int64', usage: 'Chain id to use for signing (1=mainnet, 17000=Holesky)', defaultText: '1' },
  { name: 'lightkdf', kind: 'bool', usage: 'Reduce key-derivation RAM & CPU usage at some expense of KDF strength', defaultText: 'false' },
  { name: 'nousb', kind: 'bool', usage: 'Disables monitoring for and managing USB hardware wallets', hidden: true },
  { name: 'pcscdpath', kind: 'string', usage: 'Path to the smartcard daemon (pcscd) socket file', defaultText: '/run/pcscd/pcscd.comm' },
  { name: 'http.addr', kind: 'string', usage: 'HTTP-RPC server listening interface', defaultText: 'localhost' },
  {
    name: 'http.vhosts',
    kind: 'string',
    usage: "Comma separated list of virtual hostnames from which to accept requests (server enforced). Accepts '*' wildcard.",
    defaultText: 'localhost',
  },
  { name: 'ipcdisable', kind: 'bool', usage: 'Disable the IPC-RPC server', defaultText: 'false' },
  { name: 'ipcpath', kind: 'path', usage: 'Filename for IPC socket/pipe within the datadir (explicit paths escape it)' },
  { name: 'http', kind: 'bool', usage: 'Enable the HTTP-RPC server', defaultText: 'false' },
  { name: 'http.port', kind: 'int', usage: 'HTTP-RPC server listening port', defaultText: '8550' },
  {
    name: 'signersecret',
    kind: 'string',
    usage:
      'A file containing the (encrypted) master seed to encrypt Clef data, e.g. keystore credentials and ruleset hash; ' +
      'a file holding the master password is accepted too (its first line is the password)',
  },
  { name: '4bytedb-custom', kind: 'string', usage: 'File used for writing new 4byte-identifiers submitted via API', defaultText: './4byte-custom.json' },
  { name: 'auditlog', kind: 'string', usage: 'File used to emit audit logs. Set to "" to disable', defaultText: 'audit.log' },
  { name: 'rules', kind: 'string', usage: 'Path to the rule file to auto-authorize requests with' },
  {
    name: 'stdio-ui',
    kind: 'bool',
    usage:
      'Use STDIN/STDOUT as a channel for an external UI. This means that an STDIN/STDOUT is used for RPC-communication ' +
      'with a e.g. a graphical user interface, and can be used when Clef is started by an external process.',
    defaultText: 'false',
  },
  { name: 'stdio-ui-test', kind: 'bool', usage: "Mechanism to test interface between Clef and UI. Requires 'stdio-ui'.", defaultText: 'false' },
  { name: 'advanced', kind: 'bool', usage: 'If enabled, issues warnings instead of rejections for suspicious requests. Default off', defaultText: 'false' },
  { name: 'suppress-bootwarn', kind: 'bool', usage: 'If set, does not show the warning during boot', defaultText: 'false' },
  {
    name: 'password',
    kind: 'string',
    usage: 'Password file to use for non-interactive password input (one password per line, the first line is used)',
  },
  // New daemon flags (not in clef): read by cli/daemon.ts.
  { name: '4bytedb', kind: 'string', usage: 'Extra 4byte-selector database file (JSON object selector → signature), used besides the embedded one' },
  {
    name: 'clique-protect',
    kind: 'bool',
    usage: 'Refuse to seal a clique header at or below a height already sealed by the same account (needs the master seed)',
    defaultText: 'false',
  },
  { name: 'json', kind: 'bool', usage: 'list-accounts, list-wallets: print JSON (logs then go to stderr)', defaultText: 'false' },
  {
    name: 'log.stderr',
    kind: 'bool',
    usage: 'Write log lines to stderr instead of stdout (list-accounts/list-wallets do so whenever stdout is not a terminal)',
    defaultText: 'false',
  },
  {
    name: 'approval-timeout',
    kind: 'int',
    usage: 'Reject a request nobody answered within this many seconds (0 waits forever, as clef did)',
    defaultText: '0',
  },
];

const keystoreCommandFlags = ['loglevel', 'keystore', 'lightkdf', 'suppress-bootwarn'] as const;

/** clef's sub-commands with their declared flags (§2.2) plus `addaddress`. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    usage: 'Initialize the signer, generate secret storage',
    argsUsage: '',
    description: 'The init command generates a master seed which Clef can use to store credentials and data needed for\nthe rule-engine to work.',
    flags: ['loglevel', 'configdir'],
  },
  {
    name: 'attest',
    usage: 'Attest that a js-file is to be used',
    argsUsage: '<sha256sum>',
    description:
      'The attest command stores the sha256 of the rule.js-file that you want to use for automatic processing of\nincoming requests. This command does not validate the file. It only stores the hash.',
    flags: ['loglevel', 'configdir', 'signersecret'],
  },
  {
    name: 'setpw',
    usage: 'Store a credential for a keystore file',
    argsUsage: '<address>',
    description: 'The setpw command stores a password for a given address (keyfile).',
    flags: ['loglevel', 'configdir', 'signersecret', 'password'],
  },
  {
    name: 'delpw',
    usage: 'Remove a credential for a keystore file',
    argsUsage: '<address>',
    description: 'The delpw command removes a password for a given address (keyfile).',
    flags: ['loglevel', 'configdir', 'signersecret'],
  },
  {
    name: 'newaccount',
    usage: 'Create a new account',
    argsUsage: '',
    description:
      'The newaccount command creates a new keystore-backed account. It is a convenience-method which can be used in lieu\nof an external UI.',
    flags: [...keystoreCommandFlags, 'password'],
  },
  {
    name: 'gendoc',
    usage: 'Generate documentation about json-rpc format',
    argsUsage: '',
    description: 'The gendoc generates example structures of the json-rpc communication types.',
    flags: [],
  },
  {
    name: 'list-accounts',
    usage: 'List accounts in the keystore',
    argsUsage: '',
    description: 'Lists the accounts in the keystore',
    flags: [...keystoreCommandFlags, 'json', 'log.stderr'],
  },
  {
    name: 'list-wallets',
    usage: 'List wallets known to Clef',
    argsUsage: '',
    description: 'Lists the wallets known to Clef',
    flags: [...keystoreCommandFlags, 'json', 'log.stderr'],
  },
  {
    name: 'importraw',
    usage: 'Import a hex-encoded private key.',
    argsUsage: '<keyfile>',
    description:
      'Imports an unencrypted private key from <keyfile> and creates a new account.\nPrints the address.\n' +
      'The keyfile is assumed to contain an unencrypted private key in hexadecimal format.\n' +
      'The account is saved in encrypted format, you are prompted for a passphrase.',
    flags: [...keystoreCommandFlags, 'password'],
  },
  {
    name: 'addaddress',
    usage: 'Add the missing address to a key file',
    argsUsage: '<keyfile>',
    description:
      'Makes a key file without an "address" member (as Foundry\'s cast writes them) usable: asks its password,\n' +
      'decrypts it and records the derived address in the file.',
    flags: [...keystoreCommandFlags, 'password'],
  },
  {
    name: 'clique-protect',
    usage: 'Show or reset the clique double-sign protection record',
    argsUsage: 'show [<address>…] | reset <address>',
    description:
      'Shows the highest clique header height (and its seal hash) each account sealed under --clique-protect, for\n' +
      'the given addresses or every keystore account; `reset <address>` forgets an account\'s record after a\n' +
      'deliberate rollback, so it may seal lower heights again.',
    flags: ['loglevel', 'configdir', 'signersecret', 'keystore', 'suppress-bootwarn'],
  },
  {
    name: 'rules',
    usage: 'Dry-run a rule file against saved requests',
    argsUsage: 'test [--storage FILE.json] RULES.js REQUEST.json…',
    description:
      'Runs a rule file against saved requests, in order, with the daemon\'s rule engine and limits but without\n' +
      'the vault, and prints one line per request saying what the rules decided.',
    flags: [],
    skipFlagParsing: true,
  },
];

/** The `help` pseudo-command (urfave/cli's, with alias `h`). */
export const HELP_COMMAND: CommandSpec = {
  name: 'help',
  aliases: ['h'],
  usage: 'Shows a list of commands or help for one command',
  argsUsage: '[command]',
  description: '',
  flags: [],
};

/** Looks up a global flag by name or alias. */
export function globalFlag(name: string): FlagSpec | undefined {
  return GLOBAL_FLAGS.find((f) => f.name === name || f.aliases?.includes(name));
}

/** Looks up a command by name or alias (the help pseudo-command included). */
export function findCommand(name: string): CommandSpec | undefined {
  if (name === HELP_COMMAND.name || HELP_COMMAND.aliases!.includes(name)) return HELP_COMMAND;
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

// ---------------------------------------------------------------------------------------------------------
// Resolved options
// ---------------------------------------------------------------------------------------------------------

/** Every flag after defaulting (global value wins over command value, cli.md §1.1). */
export interface ClefOptions {
  loglevel: number;
  /** As given (not made absolute, not tilde-expanded). */
  keystore: string;
  /** As given (not made absolute, not tilde-expanded). */
  configdir: string;
  chainid: bigint;
  lightkdf: boolean;
  pcscdpath: string;
  httpAddr: string;
  httpVhosts: string;
  ipcdisable: boolean;
  /** Expanded (`~/`, `$VAR`, cleaned) when given; empty by default. */
  ipcpath: string;
  http: boolean;
  httpPort: number;
  signersecret: string | null;
  fourbyteCustom: string;
  auditlog: string;
  rules: string | null;
  stdioUi: boolean;
  stdioUiTest: boolean;
  advanced: boolean;
  /** --nousb: never load the USB addon nor look for hardware wallets. */
  nousb: boolean;
  suppressBootwarn: boolean;
  /** geth's `--password` file (one password per line). */
  password: string | null;
  /** New: extra 4byte database file (`--4bytedb`). */
  fourbyteDb: string | null;
  /** New: clique double-sign protection (`--clique-protect`). */
  cliqueProtect: boolean;
  /** New: approval timeout in seconds (`--approval-timeout`); 0 = none. */
  approvalTimeout: number;
  /** New: JSON output of list-accounts / list-wallets (`--json`). */
  json: boolean;
  /** New: log lines to stderr (`--log.stderr`). */
  logStderr: boolean;
}

/** What the machine-dependent defaults depend on. */
export interface Environment {
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The OS user database's home directory (used when $HOME is empty). */
  userHome: string;
  tmpdir: string;
  /** True when a directory exists and is not empty (Windows keystore default). */
  dirNonEmpty?: (path: string) => boolean;
}

function pathFor(platform: string): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

/** `$HOME` if non-empty, else the user database's home (geth's HomeDir). */
function homeDir(e: Environment): string {
  const h = e.env.HOME;
  return h ? h : e.userHome;
}

/** Default `--configdir` of cli.md §3.1 (empty when no home is known). */
export function defaultConfigDir(e: Environment): string {
  const home = homeDir(e);
  if (!home) return '';
  const p = pathFor(e.platform);
  if (e.platform === 'darwin') return p.join(home, 'Library', 'Signer');
  if (e.platform === 'win32') {
    const appdata = e.env.APPDATA;
    if (appdata) return p.join(appdata, 'Signer');
    return p.join(home, 'AppData', 'Roaming', 'Signer');
  }
  return p.join(home, '.clef');
}

/** geth's default data directory (cli.md §3.2); empty when no home is known. */
function defaultDataDir(e: Environment): string {
  const home = homeDir(e);
  if (!home) return '';
  const p = pathFor(e.platform);
  if (e.platform === 'darwin') return p.join(home, 'Library', 'Ethereum');
  if (e.platform === 'win32') {
    const fallback = p.join(home, 'AppData', 'Roaming', 'Ethereum');
    const local = e.env.LOCALAPPDATA;
    if (!local || (e.dirNonEmpty?.(fallback) ?? false)) return fallback;
    return p.join(local, 'Ethereum');
  }
  return p.join(home, '.ethereum');
}

/** Default `--keystore`: `<datadir>/keystore` (just `keystore` without a home). */
export function defaultKeystore(e: Environment): string {
  return pathFor(e.platform).join(defaultDataDir(e), 'keystore');
}

/** Defaults of every option on this machine. */
export function defaultOptions(e: Environment): ClefOptions {
  return {
    loglevel: 3,
    keystore: defaultKeystore(e),
    configdir: defaultConfigDir(e),
    chainid: 1n,
    lightkdf: false,
    pcscdpath: e.platform === 'linux' ? '/run/pcscd/pcscd.comm' : e.platform === 'darwin' ? '/var/run/pcscd/pcscd.comm' : '',
    httpAddr: 'localhost',
    httpVhosts: 'localhost',
    ipcdisable: false,
    ipcpath: '',
    http: false,
    httpPort: 8550,
    signersecret: null,
    fourbyteCustom: './4byte-custom.json',
    auditlog: 'audit.log',
    rules: null,
    stdioUi: false,
    stdioUiTest: false,
    advanced: false,
    nousb: false,
    suppressBootwarn: false,
    password: null,
    fourbyteDb: null,
    cliqueProtect: false,
    approvalTimeout: 0,
    json: false,
    logStderr: false,
  };
}

/** geth's expandPath for directory flags: `~/` → home, `$VAR`/`${VAR}` expanded, then cleaned. */
export function expandPath(value: string, e: Environment): string {
  const p = pathFor(e.platform);
  if (value.startsWith('\\\\.\\pipe')) return value;
  let v = value;
  if (v.startsWith('~/') || v.startsWith('~\\')) {
    const home = homeDir(e);
    if (home) v = home + v.slice(1);
  }
  v = v.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_m, braced: string | undefined, bare: string | undefined) => e.env[braced ?? bare ?? ''] ?? '');
  return p.normalize(v === '' ? '.' : v).replace(/(.)[\\/]+$/, '$1');
}

/**
 * The IPC endpoint of cli.md §3.3: `<ipcpath>/clef.ipc`, or `<configdir>/clef.ipc` (`<tmpdir>/clef.ipc` without a
 * configdir) when `--ipcpath` has no directory part; on Windows a named pipe.
 */
export function ipcEndpoint(opts: { ipcpath: string; configdir: string }, e: Pick<Environment, 'platform' | 'tmpdir'>): string {
  const p = pathFor(e.platform);
  const joined = p.join(opts.ipcpath, 'clef.ipc');
  if (e.platform === 'win32') {
    const prefix = '\\\\.\\pipe\\';
    return joined.startsWith(prefix) ? joined : prefix + joined;
  }
  if (p.basename(joined) === joined) {
    return opts.configdir ? p.join(opts.configdir, 'clef.ipc') : p.join(e.tmpdir, 'clef.ipc');
  }
  return joined;
}
