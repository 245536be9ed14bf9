// Starting clef (or a test helper script) as ONE node process with the tsx loader, so that a pid we signal or
// SIGKILL is the process doing the work (no launcher in between), whichever runtime runs the test.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './daemon-process.ts';

const TSX_LOADER = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** `node --import tsx <script> …args` as an argv. */
export function nodeTsArgv(script: string, args: readonly string[]): [string, string[]] {
  return ['node', ['--import', TSX_LOADER, script, ...args]];
}

/**
 * `clef …args` as an argv: the built binary when CLEF_BINARY names one (CI does; it starts in ~0.1 s where node +
 * tsx takes 1–2 s, which matters to the suites that start clef hundreds of times), else cli/main.ts under node + tsx.
 */
export function clefArgv(args: readonly string[]): [string, string[]] {
  const binary = process.env.CLEF_BINARY;
  if (binary && existsSync(binary)) return [binary, [...args]];
  return nodeTsArgv(join(repoRoot, 'cli', 'main.ts'), args);
}

/** Result of a finished child. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Spawns argv; `done` resolves on exit with the combined output. */
export function start(argv: [string, string[]], opts: SpawnOptions & { input?: string } = {}): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(argv[0], argv[1], { stdio: ['pipe', 'pipe', 'pipe'], ...opts, env: { ...process.env, TERM: 'dumb', ...opts.env } });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(opts.input ?? '');
  const done = new Promise<Finished>((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: null, out: out + String(e) }));
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
  return { child, done };
}

/** Runs argv to completion (SIGKILLed after timeoutMs). */
export async function run(argv: [string, string[]], opts: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<Finished> {
  const { child, done } = start(argv, opts);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** clef as one node process, in DaemonProcess/runClef's terms (no launcher: signals reach clef itself). */
export function nodeClef(): { command: string; prefix: string[] } {
  const [command, prefix] = clefArgv([]);
  return { command, prefix };
}
