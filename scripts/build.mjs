#!/usr/bin/env node
// Builds the single executable dist/clef with `bun build --compile` (bun comes from npm as a devDependency).
// The QuickJS wasm is passed as an extra entrypoint so it is embedded in the binary under its own name.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const bun = join(root, 'node_modules', '.bin', 'bun');
const wasm = join(root, 'node_modules', '@jitl', 'quickjs-wasmfile-release-sync', 'dist', 'emscripten-module.wasm');
const out = join(root, 'dist', 'clef');
mkdirSync(join(root, 'dist'), { recursive: true });
const args = ['build', '--compile', '--minify', '--sourcemap=none', '--asset-naming=[name].[ext]', 'cli/main.ts', wasm, '--outfile', out];
const r = spawnSync(bun, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  process.exitCode = r.status ?? 1;
} else {
  console.log(`built ${out} (${(statSync(out).size / 1048576).toFixed(1)} MiB)`);
}
