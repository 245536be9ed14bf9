#!/usr/bin/env node
// Runs every test/**/*.test.ts under one runtime. Node 20's runner finds no .ts files by itself,
// so the file list is built here and passed explicitly (the same list feeds bun and deno).
// Usage: node scripts/run-tests.mjs [--runtime node|bun|deno] [filter-substring…]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
let runtime = 'node';
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runtime') runtime = args[++i];
  else filters.push(args[i]);
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const files = walk(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exitCode = 1;
} else {
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  const cmd = {
    node: [process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files]],
    bun: [bin('bun'), ['test', '--timeout', '120000', ...files.map((f) => './' + f)]],
    deno: [bin('deno'), ['test', '-A', '--quiet', ...files]],
  }[runtime];
  if (!cmd) throw new Error(`unknown runtime ${runtime}`);
  const r = spawnSync(cmd[0], cmd[1], { cwd: root, stdio: 'inherit', env: { ...process.env, CLEF_TEST_RUNTIME: runtime } });
  process.exitCode = r.status ?? 1;
}
