// clef's command-line grammar (cli.md §1.1): urfave/cli v2 on top of Go's flag package. Flags are `-name`,
// `--name`, `-name=value`, `--name value`; booleans take no value or `=true/false`; parsing of a flag set stops at
// the first positional (or after `--`); global flags come before the command name and stay visible inside every
// command, command flags must be declared by the command. Errors carry Go's exact wording.
import { FatalError } from '../core/errors.ts';
import { goQuote } from '../core/gojson.ts';
import {
  COMMANDS,
  GLOBAL_FLAGS,
  HELP_COMMAND,
  HELP_FLAG,
  VERSION_FLAG,
  findCommand,
  globalFlag,
  type CommandSpec,
  type FlagSpec,
} from './options.ts';

/** A flag value as parsed: booleans as booleans, numbers as bigint, everything else as text. */
export type FlagValue = boolean | bigint | string;

/** A flag-set parse failure with Go's flag-package message (`flag provided but not defined: -x` …). */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** Result of parsing one flag set. */
export interface FlagSetResult {
  /** Values by canonical flag name, in the order given. */
  values: Map<string, FlagValue>;
  /** Tokens after the flags (the first positional and everything after it). */
  rest: string[];
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/** Go's strconv.ParseInt(s, 0, 64): optional sign, `0x`/`0o`/`0b`/leading-`0` bases, `_` only with a prefix. */
export function parseGoInt(s: string): bigint | 'parse error' | 'value out of range' {
  let body = s;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(body)) {
    base = 16;
    body = body.slice(2);
    prefixed = true;
  } else if (/^0[oO]/.test(body)) {
    base = 8;
    body = body.slice(2);
    prefixed = true;
  } else if (/^0[bB]/.test(body)) {
    base = 2;
    body = body.slice(2);
    prefixed = true;
  } else if (body.length > 1 && body[0] === '0') {
    base = 8;
    body = body.slice(1);
    prefixed = true;
  }
  if (body.includes('_')) {
    // Go: underscores only between digits (or after the prefix) and only when a base prefix was given.
    if (!prefixed || !/^_?[^_]+(_[^_]+)*$/.test(body)) return 'parse error';
    body = body.replace(/_/g, '');
  }
  if (body === '') return 'parse error';
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  let n = 0n;
  for (const ch of body.toLowerCase()) {
    const d = digits.indexOf(ch);
    if (d < 0) return 'parse error';
    n = n * BigInt(base) + BigInt(d);
  }
  if (neg) n = -n;
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return 'value out of range';
  return n;
}

function lookup(flags: readonly FlagSpec[], name: string): FlagSpec | undefined {
  return flags.find((f) => f.name === name || f.aliases?.includes(name));
}

/**
 * Parses one flag set the way Go's flag.FlagSet.Parse does: stops at the first non-flag token, consumes a lone
 * `--`, a non-boolean flag without `=` takes the next token whatever it looks like.
 */
export function parseFlagSet(tokens: readonly string[], flags: readonly FlagSpec[]): FlagSetResult {
  const values = new Map<string, FlagValue>();
  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i];
    if (tok.length < 2 || tok[0] !== '-') break;
    let dashes = 1;
    if (tok[1] === '-') {
      dashes = 2;
      if (tok.length === 2) {
        i++;
        break;
      }
    }
    let name = tok.slice(dashes);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new FlagError(`bad flag syntax: ${tok}`);
    i++;
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = lookup(flags, name);
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    if (spec.kind === 'bool') {
      if (value === undefined) values.set(spec.name, true);
      else {
        const b = parseGoBool(value);
        if (b === null) throw new FlagError(`invalid boolean value ${goQuote(value)} for -${name}: parse error`);
        values.set(spec.name, b);
      }
      continue;
    }
    if (value === undefined) {
      if (i >= tokens.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = tokens[i++];
    }
    if (spec.kind === 'int' || spec.kind === 'int64') {
      const n = parseGoInt(value);
      if (typeof n === 'string') throw new FlagError(`invalid value ${goQuote(value)} for flag -${name}: ${n}`);
      values.set(spec.name, n);
    } else {
      values.set(spec.name, value);
    }
  }
  return { values, rest: tokens.slice(i) };
}

/** The outcome of parsing a whole command line. */
export type ParsedCommandLine =
  | {
      kind: 'run';
      /** null = the default action (daemon). */
      command: CommandSpec | null;
      /** Flags given before the command name. */
      global: Map<string, FlagValue>;
      /** Flags given after the command name. */
      local: Map<string, FlagValue>;
      /** Positional arguments (after the command name, or all of them for the daemon). */
      args: string[];
    }
  | { kind: 'version' }
  | { kind: 'help'; command: CommandSpec | null }
  /** `clef help <unknown>`. */
  | { kind: 'help-unknown'; topic: string }
  /** A flag error: printed as `Incorrect Usage…` + help on stdout and the message on stderr. */
  | { kind: 'usage-error'; command: CommandSpec | null; message: string };

/** The flag specs a command's flag set holds: its declared flags plus the help flag. */
function commandFlags(cmd: CommandSpec): FlagSpec[] {
  const out: FlagSpec[] = [];
  for (const name of cmd.flags) {
    const spec = globalFlag(name);
    if (!spec) throw new Error(`command ${cmd.name} declares unknown flag ${name}`);
    out.push(spec);
  }
  out.push(HELP_FLAG);
  return out;
}

/** Parses `argv` (without the program name) with clef's grammar. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let app: FlagSetResult;
  try {
    app = parseFlagSet(argv, [...GLOBAL_FLAGS, HELP_FLAG, VERSION_FLAG]);
  } catch (err) {
    if (err instanceof FlagError) return { kind: 'usage-error', command: null, message: err.message };
    throw err;
  }
  const global = app.values;
  if (global.get('help') === true) return { kind: 'help', command: null };
  if (global.get('version') === true) return { kind: 'version' };
  global.delete('help');
  global.delete('version');

  const [first, ...afterName] = app.rest;
  const cmd = first === undefined ? undefined : findCommand(first);
  if (!cmd) return { kind: 'run', command: null, global, local: new Map(), args: app.rest };

  if (cmd.skipFlagParsing) return { kind: 'run', command: cmd, global, local: new Map(), args: afterName };
  let local: FlagSetResult;
  try {
    local = parseFlagSet(afterName, commandFlags(cmd));
  } catch (err) {
    if (err instanceof FlagError) return { kind: 'usage-error', command: cmd, message: err.message };
    throw err;
  }
  if (local.values.get('help') === true) return { kind: 'help', command: cmd === HELP_COMMAND ? null : cmd };
  local.values.delete('help');
  if (cmd === HELP_COMMAND) {
    const topic = local.rest[0];
    if (topic === undefined) return { kind: 'help', command: null };
    const target = findCommand(topic);
    if (!target) return { kind: 'help-unknown', topic };
    return { kind: 'help', command: target === HELP_COMMAND ? null : target };
  }
  return { kind: 'run', command: cmd, global, local: local.values, args: local.rest };
}

/**
 * The effective value of a flag inside a command (urfave/cli's lookup): a value set globally wins, then one set
 * after the command name, else undefined (caller applies the default).
 */
export function flagValue(parsed: { global: Map<string, FlagValue>; local: Map<string, FlagValue> }, name: string): FlagValue | undefined {
  if (parsed.global.has(name)) return parsed.global.get(name);
  return parsed.local.get(name);
}

/**
 * Refuses positional arguments beyond the `allowed` ones (clef ignored them silently, so `clef attest <hash>
 * extra` or `clef newaccount foo` looked fine): `Fatal: unexpected argument: "<tok>"`, before the boot warning.
 */
export function rejectExtraArgs(args: readonly string[], allowed: number): void {
  if (args.length > allowed) throw new FatalError(`unexpected argument: ${goQuote(args[allowed])}`);
}

/** The daemon's rule for a stray positional: `invalid command: "<tok>"` (Go %q). */
export function invalidCommandMessage(token: string): string {
  return `invalid command: ${goQuote(token)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Help texts (urfave/cli v2 layout)
// ---------------------------------------------------------------------------------------------------------

/** Machine-dependent defaults shown in help instead of the table's placeholders (e.g. the real configdir). */
export type HelpDefaults = Readonly<Record<string, string>>;

function flagLine(f: FlagSpec, defaults: HelpDefaults = {}): [string, string] {
  const names = [f.name, ...(f.aliases ?? [])].map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ');
  const left = f.kind === 'bool' ? names : `${names} value`;
  const shown = defaults[f.name] ?? f.defaultText;
  const def = shown !== undefined && shown !== '' ? ` (default: ${f.kind === 'string' ? goQuote(shown) : shown})` : '';
  return [left, f.usage + def];
}

function table(rows: Array<[string, string]>): string {
  const width = rows.reduce((w, r) => Math.max(w, r[0].length), 0);
  return rows.map(([l, r]) => `   ${l.padEnd(width)}  ${r}\n`).join('');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

/** The application help (`clef --help`). */
export function appHelp(version: string, defaults: HelpDefaults = {}): string {
  const cmds: Array<[string, string]> = [...COMMANDS, HELP_COMMAND].map((c) => [[c.name, ...(c.aliases ?? [])].join(', '), c.usage]);
  const flags = [...GLOBAL_FLAGS.filter((f) => !f.hidden), HELP_FLAG, VERSION_FLAG].map((f) => flagLine(f, defaults));
  return (
    'NAME:\n   clef - Manage Ethereum account operations\n\n' +
    'USAGE:\n   clef [global options] command [command options] [arguments...]\n\n' +
    `VERSION:\n   ${version}\n\n` +
    `COMMANDS:\n${table(cmds)}\n` +
    `GLOBAL OPTIONS:\n${table(flags)}`
  );
}

/** The help of one command (`clef <cmd> --help`, `clef help <cmd>`). */
export function commandHelp(cmd: CommandSpec, defaults: HelpDefaults = {}): string {
  const usage = `clef ${cmd.name} [command options] ${cmd.argsUsage || '[arguments...]'}`;
  let out = `NAME:\n   clef ${cmd.name} - ${cmd.usage}\n\nUSAGE:\n   ${usage}\n`;
  if (cmd.description) out += `\nDESCRIPTION:\n${indent(cmd.description)}\n`;
  out += `\nOPTIONS:\n${table(commandFlags(cmd).map((f) => flagLine(f, defaults)))}`;
  return out;
}
