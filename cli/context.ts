// The context every command runs with: resolved options, the shared terminal, the logger, the output streams and
// the exit status. main.ts builds it; commands, the daemon (cli/daemon.ts: `runDaemon(ctx)`) and gendoc
// (cli/gendoc.ts: `runGendoc(ctx)`) receive it.
//
// Contract for runDaemon / runGendoc:
// * `ctx.options` holds every flag after defaulting, with clef's lookup rule already applied (a flag given before
//   the command name wins over one given after it). `ctx.isSet(name)` says whether a flag was given at all.
// * For the daemon, main has already rejected a stray positional (`invalid command: "<tok>"`) and run
//   `ctx.initialize()` (boot warning, then logger configured: stdout, or stderr with --stdio-ui). Calling it again
//   is a no-op. gendoc gets an uninitialised context (no boot warning, logs discarded), as in clef.
// * Prompts and user input go through `ctx.terminal` only (one shared stdin buffer; `readLine()` for lines,
//   `readPassword()` for secrets, `withProgress()` around a slow scrypt). The stdio UI should also read its
//   JSON-RPC lines with `ctx.terminal.readLine()` so no other reader steals stdin bytes.
// * Master-seed unlocking with clef's --signersecret semantics: `prepareMasterSeed()` then `unlockPrepared()` in
//   cli/secrets.ts (the daemon: `unlockPreparedVault()`, which also yields the rules storage key).
// * To fail: throw `FatalError(msg)` (printed `Fatal: <msg>`, clef's rule for stdout/stderr), any other Error
//   (its message on stderr), or `ExitError(code)` when the failure was already reported. Or call `ctx.fatal()`
//   / `ctx.setExitCode()` and return. Never call process.exit(): main lets the process end once output drained.
import type { Kdf, Random, Clock } from '../core/ports.ts';
import type { ClefLogger } from '../adapters/log/clef-logger.ts';
import type { StdioTerminal } from '../adapters/terminal/stdio-terminal.ts';
import type { ScryptParams } from '../core/secret-storage.ts';
import type { ClefOptions, CommandSpec, Environment } from './options.ts';

/** A failure already reported to the user: just end with this exit status. */
export class ExitError extends Error {
  readonly code: number;
  constructor(code: number, message = `exit status ${code}`) {
    super(message);
    this.name = 'ExitError';
    this.code = code;
  }
}

/** Writes text to a process stream. */
export type Writer = (text: string) => void;

/** Everything a command needs from the outside world. */
export interface CliContext {
  /** Program version (`Clef version <v>`). */
  readonly version: string;
  /** The sub-command, or null for the daemon (default action). */
  readonly command: CommandSpec | null;
  /** Positional arguments after the command name (after the global flags for the daemon). */
  readonly args: readonly string[];
  /** Effective flag values after defaulting (global value wins over the command-level one). */
  readonly options: Readonly<ClefOptions>;
  /** Whether the flag `name` (as on the command line, e.g. `http.port`) was given at either level. */
  isSet(name: string): boolean;
  /** Platform, environment variables, home and temp directories the defaults were computed from. */
  readonly environment: Environment;
  /** The shared stdin/stdout terminal (prompts go to stdout; stderr under --stdio-ui). */
  readonly terminal: StdioTerminal;
  /** clef's logger; silent until `initialize()`. */
  readonly logger: ClefLogger;
  /** Direct prints to stdout (clef's fmt.Print). */
  readonly stdout: Writer;
  /** Direct prints to stderr. */
  readonly stderr: Writer;
  /** Key derivation, randomness and time for the commands. */
  readonly kdf: Kdf;
  readonly random: Random;
  readonly clock: Clock;
  /** Scrypt cost for newly written keys and seeds (light with --lightkdf). */
  readonly scrypt: ScryptParams;
  /** Sets the process exit status (0 unless something failed). */
  setExitCode(code: number): void;
  /** Prints `Fatal: <msg>` the way clef's utils.Fatalf does and sets exit status 1 (does not throw). */
  fatal(message: string): void;
  /** clef's `initialize`: boot warning and `ok` confirmation (§4.1), then the logger is configured. Idempotent. */
  initialize(): Promise<void>;
}
