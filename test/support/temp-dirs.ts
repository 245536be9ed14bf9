// Temporary directories for a test file, all removed when the file's tests are done.
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Returns a maker of fresh `<tmp>/<prefix>XXXXXX` directories; every one is removed after the file's tests. */
export function tempDirMaker(prefix: string): () => string {
  const created: string[] = [];
  after(() => {
    for (const d of created) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    created.push(d);
    return d;
  };
}
