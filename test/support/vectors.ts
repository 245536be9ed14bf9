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

/** The reason tests skip when the vectors are missing (a one-line note). */
export const noVectors: string | false = vectorsDir ? false : 'shared vectors not found (../shared/vectors); skipping';

/** Path of a file inside the vectors folder. Only call when vectorsDir is set. */
export function vectorPath(rel: string): string {
  if (!vectorsDir) throw new Error('vectors folder is absent');
  return join(vectorsDir, rel);
}

/** Parsed JSON of a file inside the vectors folder. */
export function readVector<T = any>(rel: string): T {
  return JSON.parse(readFileSync(vectorPath(rel), 'utf8')) as T;
}

/** Text of a file inside the vectors folder. */
export function readVectorText(rel: string): string {
  return readFileSync(vectorPath(rel), 'utf8');
}

export { projectRoot };
