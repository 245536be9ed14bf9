// A child process for the lock tests: increments a counter file `n` times, each time read → pause → write under the
// inter-process lock; without mutual exclusion increments from several processes get lost.
import { readFileSync, writeFileSync } from 'node:fs';
import { withLock } from '../../adapters/fs/lock.ts';

const [lockPath, counterPath, n] = process.argv.slice(2);
for (let i = 0; i < Number(n); i++) {
  await withLock(lockPath, async () => {
    const v = Number(readFileSync(counterPath, 'utf8'));
    await new Promise((r) => setTimeout(r, 1));
    writeFileSync(counterPath, String(v + 1));
  }, { timeoutMs: 60_000 });
}
