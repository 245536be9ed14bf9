#!/usr/bin/env node
// Builds the single executable dist/clef with `bun build --compile` (bun comes from npm as a devDependency).
// The QuickJS wasm and bignumber.js come in as generated modules (scripts/gen-embedded.mjs, run on postinstall),
// so the binary reads nothing from node_modules at run time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const bun = join(root, 'node_modules', '.bin', 'bun');
const out = join(root, 'dist', 'clef');
mkdirSync(join(root, 'dist'), { recursive: true });
spawnSync(process.execPath, [join(root, 'scripts', 'gen-embedded.mjs')], { cwd: root, stdio: 'inherit' });
// The rules worker thread's entry is a second entry point: bun embeds it as /$bunfs/root/adapters/rules/rule-worker.js
// (adapters/rules/worker-runner.ts finds it there).
const args = ['build', '--compile', '--minify', '--sourcemap=none', 'cli/main.ts', 'adapters/rules/rule-worker.ts', '--outfile', out];
const r = spawnSync(bun, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  process.exitCode = r.status ?? 1;
} else {
  console.log(`built ${out} (${(statSync(out).size / 1048576).toFixed(1)} MiB)`);
}
