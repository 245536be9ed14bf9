// clef's entry point: parse the command line with clef's grammar, build the context (options, terminal, logger,
// streams) and run the command, the daemon or gendoc. Runs under tsx, bun, deno and as a compiled binary.
// The exit status is set through process.exitCode, never process.exit(), so buffered output is never cut off.
import { fstatSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { readdirSync } from 'node:fs';
import { FatalError, errorMessage } from '../core/errors.ts';
import { LIGHT_SCRYPT, STANDARD_SCRYPT } from '../core/masterseed.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';
import { systemClock, systemRandom } from '../adapters/crypto/system.ts';
import { ClefLogger, useColor } from '../adapters/log/clef-logger.ts';
import { processTerminal } from '../adapters/terminal/stdio-terminal.ts';
import { appHelp, commandHelp, flagValue, invalidCommandMessage, parseCommandLine, type FlagValue } from './args.ts';
import { initialize, logsToStderr } from './boot.ts';
import { COMMAND_RUNNERS, type CommandRunner } from './commands/index.ts';
import { ExitError, type CliContext, type Writer } from './context.ts';
import { CLEF_VERSION, defaultConfigDir, defaultKeystore, defaultOptions, expandPath, type ClefOptions, type Environment } from './options.ts';

/** Longest stdio-UI message line accepted on stdin. */
const STDIO_UI_LINE_LIMIT = 32 << 20;

/** Facts about this process the context is built from. */
function processEnvironment(): Environment {
  return {
    platform: process.platform,
    env: process.env,
    userHome: safe(() => homedir(), ''),
    tmpdir: safe(() => tmpdir(), '/tmp'),
    dirNonEmpty: (path) => safe(() => readdirSync(path).length > 0, false),
  };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** True when stdout and stderr are the same file (clef then prints `Fatal:` once, on stderr). */
function sameOutputFile(): boolean {
  try {
    const a = fstatSync(1);
    const b = fstatSync(2);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/** `clef-ts <v> (<runtime> <version>, <os>/<arch>)`: the second line of `--version`. */
export function implementationLine(): string {
  const v = process.versions as Record<string, string | undefined>;
  const runtime = v.bun ? `bun ${v.bun}` : v.deno ? `deno ${v.deno}` : `node ${v.node}`;
  return `clef-ts ${CLEF_VERSION}, a TypeScript successor of go-ethereum's clef (${runtime}, ${process.platform}/${process.arch})`;
}

/** Applies the parsed flags on top of the defaults (cli.md §1.1 lookup: the global value wins). */
export function resolveOptions(
  parsed: { global: Map<string, FlagValue>; local: Map<string, FlagValue> },
  e: Environment,
): ClefOptions {
  const o = defaultOptions(e);
  const str = (name: string): string | undefined => {
    const v = flagValue(parsed, name);
    return typeof v === 'string' ? v : undefined;
  };
  const bool = (name: string, def: boolean): boolean => {
    const v = flagValue(parsed, name);
    return typeof v === 'boolean' ? v : def;
  };
  const int = (name: string): bigint | undefined => {
    const v = flagValue(parsed, name);
    return typeof v === 'bigint' ? v : undefined;
  };
  o.loglevel = Number(int('loglevel') ?? BigInt(o.loglevel));
  o.keystore = str('keystore') ?? o.keystore;
  o.configdir = str('configdir') ?? o.configdir;
  o.chainid = int('chainid') ?? o.chainid;
  o.lightkdf = bool('lightkdf', o.lightkdf);
  o.pcscdpath = str('pcscdpath') ?? o.pcscdpath;
  o.httpAddr = str('http.addr') ?? o.httpAddr;
  o.httpVhosts = str('http.vhosts') ?? o.httpVhosts;
  o.ipcdisable = bool('ipcdisable', o.ipcdisable);
  const ipc = str('ipcpath');
  if (ipc !== undefined) o.ipcpath = expandPath(ipc, e);
  o.http = bool('http', o.http);
  o.httpPort = Number(int('http.port') ?? BigInt(o.httpPort));
  o.signersecret = str('signersecret') ?? o.signersecret;
  o.fourbyteCustom = str('4bytedb-custom') ?? o.fourbyteCustom;
  o.auditlog = str('auditlog') ?? o.auditlog;
  o.rules = str('rules') ?? o.rules;
  o.stdioUi = bool('stdio-ui', o.stdioUi);
  o.stdioUiTest = bool('stdio-ui-test', o.stdioUiTest);
  o.advanced = bool('advanced', o.advanced);
  o.nousb = bool('nousb', o.nousb);
  o.suppressBootwarn = bool('suppress-bootwarn', o.suppressBootwarn);
  o.password = str('password') ?? o.password;
  o.fourbyteDb = str('4bytedb') ?? o.fourbyteDb;
  o.cliqueProtect = bool('clique-protect', o.cliqueProtect);
  o.approvalTimeout = Number(int('approval-timeout') ?? BigInt(o.approvalTimeout));
  o.json = bool('json', o.json);
  o.logStderr = bool('log.stderr', o.logStderr);
  return o;
}

/** Runs clef with `argv` (program name excluded); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const stdout: Writer = (t) => void process.stdout.write(t);
  const stderr: Writer = (t) => void process.stderr.write(t);
  const parsed = parseCommandLine(argv);
  const environment = processEnvironment();
  const helpDefaults = { configdir: defaultConfigDir(environment), keystore: defaultKeystore(environment) };

  switch (parsed.kind) {
    case 'version':
      // Line 1 is clef's, for scripts that parse `Clef version <v>`; line 2 says which implementation this is.
      stdout(`Clef version ${CLEF_VERSION}\n${implementationLine()}\n`);
      return 0;
    case 'help':
      stdout(parsed.command ? commandHelp(parsed.command, helpDefaults) : appHelp(CLEF_VERSION, helpDefaults));
      return 0;
    case 'help-unknown':
      stderr(`No help topic for '${parsed.topic}'\n`);
      return 3;
    case 'usage-error':
      // urfave/cli: the notice and the help on stdout, the bare error on stderr.
      if (parsed.command) stdout(`Incorrect Usage: ${parsed.message}\n\n${commandHelp(parsed.command, helpDefaults)}`);
      else stdout(`Incorrect Usage. ${parsed.message}\n\n${appHelp(CLEF_VERSION, helpDefaults)}`);
      stderr(`${parsed.message}\n`);
      return 1;
    case 'run':
      break;
  }

  const options = resolveOptions(parsed, environment);
  const terminal = processTerminal();
  if (options.stdioUi) {
    terminal.setOutput(stderr); // stdout is the UI's JSON-RPC channel then
    terminal.setLineLimit(STDIO_UI_LINE_LIMIT); // UI replies echo a request back (a 5 MiB HTTP request, hex-encoded)
  }
  const logger = new ClefLogger();
  let exitCode = 0;
  let initialized: Promise<void> | null = null;

  const fatal = (message: string): void => {
    const line = `Fatal: ${message}\n`;
    if (environment.platform === 'win32') stdout(line);
    else if (sameOutputFile()) stderr(line);
    else {
      stdout(line);
      stderr(line);
    }
    exitCode = 1;
  };

  const ctx: CliContext = {
    version: CLEF_VERSION,
    command: parsed.command,
    args: parsed.args,
    options,
    isSet: (name) => parsed.global.has(name) || parsed.local.has(name),
    environment,
    terminal,
    logger,
    stdout,
    stderr,
    kdf: new NodeKdf(),
    random: systemRandom,
    clock: systemClock,
    scrypt: options.lightkdf ? LIGHT_SCRYPT : STANDARD_SCRYPT,
    setExitCode: (code) => {
      exitCode = code;
    },
    fatal,
    initialize: () =>
      (initialized ??= initialize({
        stdioUi: options.stdioUi,
        logToStderr: logsToStderr(options, parsed.command?.name ?? null, process.stdout.isTTY === true),
        suppressBootwarn: options.suppressBootwarn,
        loglevel: options.loglevel,
        terminal,
        logger,
        stdout,
        stderr,
        color: useColor(process.stderr.isTTY === true, environment.env.TERM),
      })),
  };

  try {
    let runner: CommandRunner;
    if (parsed.command === null) {
      if (parsed.args.length > 0) throw new Error(invalidCommandMessage(parsed.args[0]));
      await ctx.initialize();
      // Loaded only when the daemon is started, so provisioning commands stay light.
      runner = (await import('./daemon.ts')).runDaemon;
    } else {
      runner = await COMMAND_RUNNERS[parsed.command.name]();
    }
    await runner(ctx);
  } catch (err) {
    if (err instanceof ExitError) exitCode = err.code;
    else if (err instanceof FatalError) fatal(err.message);
    else {
      stderr(`${errorMessage(err)}\n`);
      exitCode = 1;
    }
  } finally {
    terminal.close();
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
