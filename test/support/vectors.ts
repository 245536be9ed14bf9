// Locates ../shared/vectors at run time. Vectors are read, never copied into the project.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the shared vectors folder, or null when it is absent. */
export const vectorsDir: string | null = (() => {
  const dir = process.env.CLEF_VECTORS ?? join(projectRoot, '..', 'shared', 'vectors');
  return existsSync(join(dir, 'index.json')) ? dir : null;
})();

/** True when running in CI (`CI` set to anything but empty, `0` or `false`, as CI services set it). */
export function inCi(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** What happens without vectors: a local run skips with a one-line note, CI fails (a skip would hide it). */
export function vectorsVerdict(found: boolean, ci: boolean): { skip: string | false; fail: string | null } {
  if (found) return { skip: false, fail: null };
  if (ci) return { skip: false, fail: 'shared vectors not found (../shared/vectors or $CLEF_VECTORS) and CI is set: failing instead of skipping' };
  return { skip: 'shared vectors not found (../shared/vectors); skipping', fail: null };
}

const verdict = vectorsVerdict(vectorsDir !== null, inCi());
// Importing this module from a test file fails that file in CI when the vectors are missing.
if (verdict.fail) throw new Error(verdict.fail);

/** The reason tests skip when the vectors are missing (a one-line note). */
export const noVectors: string | false = verdict.skip;

/** Path of a file inside the vectors folder. Only call when vectorsDir is set. */
export function vectorPath(rel: string): string {
  if (!vectorsDir) throw new Error('vectors folder is absent');
  return join(vectorsDir, rel);
}

/** Parsed JSON of a file inside the vectors folder. */
// biome-ignore lint/suspicious/noExplicitAny: vector files are free-form JSON that each test reads by its own layout
export function readVector<T = any>(rel: string): T {
  return JSON.parse(readFileSync(vectorPath(rel), 'utf8')) as T;
}

/** Text of a file inside the vectors folder. */
export function readVectorText(rel: string): string {
  return readFileSync(vectorPath(rel), 'utf8');
}

export { projectRoot };
