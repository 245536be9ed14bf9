// The npm package: `npm pack` then `npm i -g <tgz>` into a temporary prefix (offline, from the npm cache that
// `npm ci` filled) gives a working `clef` command, and `npx clef` works from the checkout. Both run the TypeScript
// sources through bin/clef.mjs (tsx registered in-process).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/daemon-process.ts';

const created: string[] = [];
after(() => {
  for (const d of created) rmSync(d, { recursive: true, force: true });
});

const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
// npm does the work here whichever runtime runs the test file, so node's run covers it; the others skip (a minute each).
const otherRuntime = process.env.CLEF_TEST_RUNTIME && process.env.CLEF_TEST_RUNTIME !== 'node' ? 'packaging is checked in the node run' : false;
const noNpm = otherRuntime || (spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0 ? false : 'npm not on PATH');

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env: npmEnv, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

test('npm pack + npm i -g <tgz> installs a working clef command', { skip: noNpm }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'clef-pack-'));
  created.push(tmp);
  const pack = run('npm', ['pack', '--pack-destination', tmp], repoRoot);
  assert.equal(pack.status, 0, pack.stderr);
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `no tarball in ${tmp}`);
  const prefix = join(tmp, 'prefix');
  const install = run('npm', ['i', '-g', '--offline', '--prefix', prefix, join(tmp, tgz)], tmp);
  assert.equal(install.status, 0, install.stderr);
  const clef = join(prefix, 'bin', 'clef');
  const v = run(clef, ['--version'], tmp);
  assert.equal(v.status, 0, v.stderr);
  assert.ok(v.stdout.startsWith(`Clef version ${version}\nclef-ts ${version}, `), v.stdout);
  // A command that loads the keystore code, and one that loads the rules engine (QuickJS from the packed modules).
  const list = run(clef, ['--suppress-bootwarn', '--keystore', join(tmp, 'ks'), 'list-accounts', '--json'], tmp);
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), []);
  writeFileSync(join(tmp, 'rules.js'), 'function ApproveListing(){ return "Approve" }\n');
  writeFileSync(join(tmp, 'listing.json'), '{"accounts":[]}');
  const rules = run(clef, ['rules', 'test', 'rules.js', 'listing.json'], tmp);
  assert.equal(rules.status, 0, rules.stderr);
  assert.equal(rules.stdout, 'listing.json: ApproveListing: Approve\n');
});

test('npx clef runs from the checkout', { skip: noNpm }, () => {
  const r = run('npx', ['--offline', 'clef', '--version'], repoRoot);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`Clef version ${version}\n`), r.stdout);
});
