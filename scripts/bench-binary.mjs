// Part 6: the single executable — size of dist/clef and its start-up for `--version` (first run after the
// build, then the median of repeated runs), next to the source tree under node (tsx) and cast for scale.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clefRunner, ms, now, root, rounds, size } from './bench-lib.mjs';

function timeRuns(cmd, args, n, expect) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    times.push(ms(now() - t));
    if (r.status !== 0 || !expect.test(r.stdout + r.stderr)) throw new Error(`${cmd} ${args.join(' ')}: unexpected output ${r.stdout}${r.stderr}`);
  }
  return { first: times[0], ...rounds(times.slice(1).length ? times.slice(1) : times) };
}

/** Part 6. */
export async function benchBinary() {
  const n = size('VERSION_RUNS', 10, 5);
  const bin = clefRunner('binary');
  const node = clefRunner('node');
  const out = {};
  if (bin.available) {
    const bytes = statSync(bin.cmd).size;
    out.binary = { path: 'dist/clef', bytes, MiB: bytes / 2 ** 20, version: timeRuns(bin.cmd, ['--version'], n + 1, /^Clef version /m) };
  } else {
    out.binary = { notMeasured: 'dist/clef missing: run `npm run build`' };
  }
  out.nodeSource = { label: node.label, version: timeRuns(node.cmd, [...node.pre, '--version'], Math.max(3, Math.ceil(n / 2)) + 1, /^Clef version /m) };
  const cast = join(root, 'node_modules', '.bin', 'cast');
  out.cast = existsSync(cast) ? { version: timeRuns(cast, ['--version'], n + 1, /cast Version/i) } : { notMeasured: 'cast missing' };
  return out;
}
