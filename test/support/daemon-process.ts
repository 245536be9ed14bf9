// Spawning clef as a real process for end-to-end tests: one-shot commands (init, newaccount, setpw, attest …) and
// the daemon, with bounded waits everywhere. The daemon runs in its own process group (tsx starts a node child), so
// a stop or a kill reaches the whole tree by the group id we created, never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const repoRoot: string = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** How to start clef: `tsx cli/main.ts` by default, or a built binary. */
export interface ClefCommand {
  command: string;
  prefix: string[];
  /** The command starts clef in a child process (tsx does); signals then go to that child. */
  launcher?: boolean;
}

/** `node_modules/.bin/tsx <repo>/cli/main.ts` (works the same whichever runtime runs the test). */
export function tsxClef(): ClefCommand {
  return { command: join(repoRoot, 'node_modules', '.bin', 'tsx'), prefix: [join(repoRoot, 'cli', 'main.ts')], launcher: true };
}

/** A compiled clef binary (e.g. dist/clef). */
export function binaryClef(path: string): ClefCommand {
  return { command: path, prefix: [] };
}

/** Result of a one-shot clef command. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of a one-shot command. */
export interface RunOptions {
  cwd: string;
  /** Written to stdin, which is then closed (default: stdin closed at once). */
  input?: string;
  timeoutMs?: number;
  clef?: ClefCommand;
  env?: NodeJS.ProcessEnv;
}

/** Runs `clef <args>` to completion (killed after timeoutMs, default 30 s), collecting its output. */
export function runClef(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const clef = opts.clef ?? tsxClef();
  return new Promise((done, fail) => {
    const child = spawn(clef.command, [...clef.prefix, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.input ?? '');
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      fail(new Error(`clef ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 30000);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** Like runClef, but throws unless the exit status is 0. */
export async function runClefOk(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const r = await runClef(args, opts);
  if (r.code !== 0) throw new Error(`clef ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** Sends `signal` to the child's process group (it was spawned detached); falls back to the child alone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** How the daemon ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of a daemon process. */
export interface DaemonSpawnOptions {
  cwd: string;
  /** 'pipe' keeps stdin open for answers; 'null' gives it /dev/null (EOF at once). Default 'pipe'. */
  stdin?: 'pipe' | 'null';
  clef?: ClefCommand;
  env?: NodeJS.ProcessEnv;
}

const APPROVE_PROMPT = 'Approve? [y/N]:';
const live = new Set<DaemonProcess>();
let exitHook = false;

/** A running `clef` daemon. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly cwd: string;
  /** Resolves when the process has exited and its pipes closed. */
  readonly exited: Promise<ExitStatus>;
  private out = '';
  private err = '';
  private waiters = new Set<() => void>();
  private exitStatus: ExitStatus | null = null;
  private approver: ((promptIndex: number) => string | null) | null = null;
  private promptsSeen = 0;
  /** Answers written to stdin by the auto-approver, in order. */
  readonly answers: string[] = [];

  /** True when the spawned command is a launcher (tsx) that runs clef in a child process. */
  private readonly launcher: boolean;

  constructor(args: readonly string[], opts: DaemonSpawnOptions) {
    const clef = opts.clef ?? tsxClef();
    this.cwd = opts.cwd;
    this.launcher = clef.launcher === true;
    this.child = spawn(clef.command, [...clef.prefix, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.stdin === 'null' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdin?.on('error', () => undefined);
    this.child.stdout!.setEncoding('utf8').on('data', (t: string) => {
      this.out += t;
      this.onOutput();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      this.err += t;
      this.notify();
    });
    this.exited = new Promise((done) => {
      this.child.on('error', () => {
        this.exitStatus ??= { code: null, signal: null };
        live.delete(this);
        this.notify();
        done(this.exitStatus);
      });
      this.child.on('close', (code, signal) => {
        this.exitStatus = { code, signal };
        live.delete(this);
        this.notify();
        done(this.exitStatus);
      });
    });
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      // A failing test must not leave daemons behind: kill the groups we started (by id) when the runner exits.
      process.on('exit', () => {
        for (const d of live) d.kill();
      });
    }
  }

  /** Everything written to stdout so far (logs and console UI). */
  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** stdout and stderr together (logs go to stdout, but be lenient). */
  get output(): string {
    return this.out + this.err;
  }

  get alive(): boolean {
    return this.exitStatus === null;
  }

  /** Number of `Approve? [y/N]:` prompts printed so far. */
  get prompts(): number {
    return countOf(this.out, APPROVE_PROMPT);
  }

  /** Writes raw text to the daemon's stdin. */
  write(text: string): void {
    if (!this.child.stdin) throw new Error('daemon stdin is not a pipe');
    this.child.stdin.write(text);
  }

  /** Closes the daemon's stdin (EOF). */
  endInput(): void {
    this.child.stdin?.end();
  }

  /**
   * Answers every approval prompt as it appears: `answer(i)` gives the line for the i-th prompt (0-based), null to
   * leave it unanswered. Default: `y` to all. Pass null to stop answering.
   */
  autoApprove(answer: ((promptIndex: number) => string | null) | null = () => 'y'): void {
    this.approver = answer;
    this.promptsSeen = Math.min(this.promptsSeen, this.prompts);
    this.onOutput();
  }

  private onOutput(): void {
    if (this.approver) {
      const total = this.prompts;
      while (this.promptsSeen < total) {
        const line = this.approver(this.promptsSeen);
        this.promptsSeen++;
        if (line !== null) {
          this.answers.push(line);
          this.write(`${line}\n`);
        }
      }
    } else {
      this.promptsSeen = this.prompts;
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Waits until `test` (over the combined output) returns a value, the process exits (rejects) or timeoutMs passes
   * (rejects with the output so far).
   */
  waitFor<T>(test: (output: string) => T | null | undefined | false, timeoutMs = 20000, what = 'condition'): Promise<T> {
    return new Promise((done, fail) => {
      const check = (): boolean => {
        const v = test(this.output);
        if (v !== null && v !== undefined && v !== false) {
          finish();
          done(v);
          return true;
        }
        if (!this.alive) {
          finish();
          fail(new Error(`daemon exited (${JSON.stringify(this.exitStatus)}) before ${what}\n${this.tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.tail()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      this.waiters.add(waiter);
      check();
    });
  }

  /** Waits for a log/output line matching `pattern`; resolves to the match. */
  waitForText(pattern: RegExp | string, timeoutMs = 20000): Promise<RegExpMatchArray | string> {
    return this.waitFor<RegExpMatchArray | string>(
      (o) => (typeof pattern === 'string' ? (o.includes(pattern) ? pattern : null) : o.match(pattern)),
      timeoutMs,
      String(pattern),
    );
  }

  /** Waits for `IPC endpoint opened url=<path>` and returns the socket path (absolute). */
  async ipcPath(timeoutMs = 20000): Promise<string> {
    const m = (await this.waitForText(/IPC endpoint opened\s+url=("(?:[^"\\]|\\.)*"|\S+)/, timeoutMs)) as RegExpMatchArray;
    const raw = m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1];
    return isAbsolute(raw) ? raw : resolve(this.cwd, raw);
  }

  /** Waits for `HTTP endpoint opened url=http://…/` and returns the URL. */
  async httpUrl(timeoutMs = 20000): Promise<string> {
    const m = (await this.waitForText(/HTTP endpoint opened\s+url=(\S+)/, timeoutMs)) as RegExpMatchArray;
    return m[1];
  }

  /** Waits for the readiness line `Signer status …` and returns it. */
  async ready(timeoutMs = 20000): Promise<string> {
    const m = (await this.waitForText(/Signer status[^\n]*/, timeoutMs)) as RegExpMatchArray;
    return m[0];
  }

  /**
   * Sends a signal to the daemon itself: under tsx that is tsx's node child (found through /proc), so the daemon gets
   * exactly one signal, as from a supervisor. (Signalling tsx or the whole group makes tsx relay a second copy, or
   * SIGKILL the child when it does not confirm within 30 ms.) Without /proc the group is signalled.
   */
  signal(sig: NodeJS.Signals): void {
    if (!this.alive) return;
    const pid = this.daemonPid();
    if (pid === null) {
      killGroup(this.child, sig);
      return;
    }
    try {
      process.kill(pid, sig);
    } catch {
      killGroup(this.child, sig);
    }
  }

  /** Pid of the process running clef: the spawned one, or its only child when it is a launcher (tsx). */
  daemonPid(): number | null {
    const pid = this.child.pid;
    if (pid === undefined) return null;
    if (!this.launcher) return pid;
    return childrenOf(pid)[0] ?? null;
  }

  /** Sends `sig` (default SIGINT) and waits for the exit; SIGKILLs the group after timeoutMs and rejects. */
  async stop(sig: NodeJS.Signals = 'SIGINT', timeoutMs = 10000): Promise<ExitStatus> {
    if (!this.alive) return this.exited;
    this.signal(sig);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => {
        this.kill();
        fail(new Error(`daemon did not exit within ${timeoutMs} ms of ${sig}\n${this.tail()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILLs the whole process group (tsx and its node child). */
  kill(): void {
    killGroup(this.child, 'SIGKILL');
  }

  /** The last part of the output, for failure messages. */
  tail(chars = 4000): string {
    const o = `--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`;
    return o.length > chars ? `…${o.slice(-chars)}` : o;
  }
}

/** Starts `clef <args>` as a daemon (returns at once; use ipcPath()/ready() to wait for it). */
export function spawnDaemon(args: readonly string[], opts: DaemonSpawnOptions): DaemonProcess {
  return new DaemonProcess(args, opts);
}

/** Pids whose parent is `pid` (Linux /proc); empty where /proc is unavailable. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces and parentheses, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // the process went away
    }
  }
  return out;
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Passwords used by the provisioning helpers (test-only values). */
export const MASTER_PASSWORD = 'clefclefclef';
export const ACCOUNT_PASSWORD = 'accountpassword1';

/** A provisioned clef home: config dir with a master seed, a keystore with one account whose password is stored. */
export interface Provisioned {
  dir: string;
  configdir: string;
  keystore: string;
  /** File holding the master password (for --signersecret). */
  masterPasswordFile: string;
  /** File holding the account password (for --password). */
  accountPasswordFile: string;
  /** Checksummed address of the account. */
  address: string;
}

/**
 * init (light KDF), then importraw `privateKeyHex` (no 0x) or newaccount, then setpw — all without a terminal,
 * inside `dir` (relative paths `./clef`, `./ks`).
 */
export async function provision(dir: string, opts: { privateKeyHex?: string; clef?: ClefCommand; setpw?: boolean } = {}): Promise<Provisioned> {
  const { writeFile } = await import('node:fs/promises');
  const clef = opts.clef;
  const mpw = join(dir, 'mpw.txt');
  const apw = join(dir, 'pw.txt');
  await writeFile(mpw, `${MASTER_PASSWORD}\n`, { mode: 0o600 });
  await writeFile(apw, `${ACCOUNT_PASSWORD}\n`, { mode: 0o600 });
  await runClefOk(['--suppress-bootwarn', '--configdir', './clef', '--lightkdf', 'init'], {
    cwd: dir,
    input: `${MASTER_PASSWORD}\n${MASTER_PASSWORD}\n`,
    clef,
  });
  let address: string;
  if (opts.privateKeyHex) {
    const keyFile = join(dir, 'key.hex');
    await writeFile(keyFile, `${opts.privateKeyHex}\n`, { mode: 0o600 });
    const r = await runClefOk(['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'importraw', '--password', apw, keyFile], { cwd: dir, clef });
    const m = /Address (0x[0-9a-fA-F]{40})/.exec(r.stdout + r.stderr);
    if (!m) throw new Error(`importraw printed no address:\n${r.stdout}${r.stderr}`);
    address = m[1];
    const { rm } = await import('node:fs/promises');
    await rm(keyFile);
  } else {
    const r = await runClefOk(['--suppress-bootwarn', '--keystore', './ks', '--lightkdf', 'newaccount', '--password', apw], { cwd: dir, clef });
    const m = /Generated account (0x[0-9a-fA-F]{40})/.exec(r.stdout + r.stderr);
    if (!m) throw new Error(`newaccount printed no address:\n${r.stdout}${r.stderr}`);
    address = m[1];
  }
  if (opts.setpw !== false) {
    await runClefOk(['--suppress-bootwarn', '--configdir', './clef', '--signersecret', mpw, 'setpw', '--password', apw, address], { cwd: dir, clef });
  }
  if (!existsSync(join(dir, 'clef', 'masterseed.json'))) throw new Error('init wrote no masterseed.json');
  return { dir, configdir: join(dir, 'clef'), keystore: join(dir, 'ks'), masterPasswordFile: mpw, accountPasswordFile: apw, address };
}
