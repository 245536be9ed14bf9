// adapters/fs/lock.ts: mutual exclusion across real processes, stale locks of dead owners broken, bounded waits.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, acquireLockSync, LockTimeoutError, tryLock, withLock } from '../../../adapters/fs/lock.ts';
import { nodeTsArgv, run } from '../../support/clef-node.ts';
import { repoRoot } from '../../support/daemon-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'clef-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `l${n++}.lock`);

/** A pid that certainly belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn('node', ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((r) => child.on('close', r));
  return pid;
}

describe('file lock', () => {
  it('excludes other processes: 4 processes × 25 read-pause-write increments lose none', async () => {
    const lock = fresh();
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    const child = join(repoRoot, 'test', 'support', 'lock-child.ts');
    const results = await Promise.all([0, 1, 2, 3].map(() => run(nodeTsArgv(child, [lock, counter, '25']), { timeoutMs: 120_000 })));
    for (const r of results) assert.equal(r.code, 0, r.out);
    assert.equal(readFileSync(counter, 'utf8'), '100');
    assert.equal(existsSync(lock), false, 'released');
  });

  it('breaks the lock of a dead process (kill -9) at once', async () => {
    const lock = fresh();
    writeFileSync(lock, JSON.stringify({ pid: await deadPid(), start: '', token: 'x' }));
    const l = await acquireLock(lock, { timeoutMs: 0 });
    assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
    l.release();
    assert.equal(existsSync(lock), false);
  });

  it('breaks a lock whose pid was recycled (this pid, but a lock we never took)', async () => {
    const lock = fresh();
    writeFileSync(lock, JSON.stringify({ pid: process.pid, start: '', token: 'old' }));
    (await acquireLock(lock, { timeoutMs: 0 })).release();
  });

  it('waits a bounded time for a live holder and names it', async () => {
    const lock = fresh();
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, start: '', token: 'live' }));
    await assert.rejects(acquireLock(lock, { timeoutMs: 150 }), (e: unknown) => {
      assert.ok(e instanceof LockTimeoutError);
      assert.match(e.message, new RegExp(`timed out after 0.15 s waiting for the lock .* \\(held by process ${process.ppid}\\)`));
      return true;
    });
    assert.throws(() => acquireLockSync(lock, { timeoutMs: 100 }), LockTimeoutError);
    const busy = tryLock(lock);
    assert.ok(!('release' in busy) && busy.owner?.pid === process.ppid);
    assert.equal(JSON.parse(readFileSync(lock, 'utf8')).token, 'live', 'a live lock is never removed');
  });

  it('a torn (empty) lock file is respected briefly, then broken', async () => {
    const lock = fresh();
    writeFileSync(lock, '');
    await assert.rejects(acquireLock(lock, { timeoutMs: 50 }), LockTimeoutError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    (await acquireLock(lock, { timeoutMs: 0 })).release();
  });

  it('queues callers of one process, and a sync caller does not wait on its own process', async () => {
    const lock = fresh();
    const order: number[] = [];
    let inside = 0;
    await Promise.all(
      [1, 2, 3].map((i) =>
        withLock(lock, async () => {
          inside++;
          assert.equal(inside, 1);
          await new Promise((r) => setTimeout(r, 5));
          order.push(i);
          inside--;
        }),
      ),
    );
    assert.deepEqual(order, [1, 2, 3]);
    await withLock(lock, async () => {
      assert.throws(() => acquireLockSync(lock, { timeoutMs: 5000 }), /is held by process/);
    });
  });
});
