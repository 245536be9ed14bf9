// `clef clique-protect show|reset`: reads and clears the record --clique-protect keeps in the vault.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { keccak256, utf8, type Address } from '../../core/bytes.ts';
import { CliqueGuard } from '../../core/clique-guard.ts';
import { encryptMasterSeed, LIGHT_SCRYPT } from '../../core/masterseed.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { systemRandom } from '../../adapters/crypto/system.ts';
import { openVault, writeMasterSeedFile } from '../../adapters/vault/masterseed-file.ts';
import { projectRoot } from '../support/vectors.ts';

const MAIN = join(projectRoot, 'cli', 'main.ts');
const TSX = pathToFileURL(join(projectRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const ADDR = '0x9cd932f670f7ede5de86f756a6d02548e5899f47' as Address;
const dir = mkdtempSync(join(tmpdir(), 'clef-cp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function clef(args: string[]) {
  const r = spawnSync('node', ['--import', TSX, MAIN, '--suppress-bootwarn', '--configdir', join(dir, 'clef'), '--signersecret', join(dir, 'pw'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
    env: { ...process.env, TERM: 'dumb' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('show lists the record, reset forgets it, a bad address is refused', async () => {
  const seed = systemRandom.bytes(256);
  const kdf = new NodeKdf();
  await import('node:fs').then((fs) => fs.mkdirSync(join(dir, 'clef'), { mode: 0o700 }));
  await writeMasterSeedFile(join(dir, 'clef', 'masterseed.json'), await encryptMasterSeed(seed, 'clefclefclef', LIGHT_SCRYPT, kdf, systemRandom));
  writeFileSync(join(dir, 'pw'), 'clefclefclef\n');
  const vault = await openVault(join(dir, 'clef'), seed);
  await new CliqueGuard(vault.config).admit(ADDR, { cliqueNumber: 46n, hash: keccak256(utf8('header 46')) }, async () => 'signed');

  const shown = clef(['clique-protect', 'show', ADDR]);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /^0x9CD932F670F7eDe5dE86F756A6D02548e5899f47 last sealed height 46 seal hash 0x[0-9a-f]{64}$/m);

  const reset = clef(['clique-protect', 'reset', ADDR]);
  assert.equal(reset.code, 0, reset.err);
  assert.match(reset.out, /Clique protection record reset/);
  assert.equal(await new CliqueGuard(vault.config).record(ADDR), null);
  assert.match(clef(['clique-protect', 'show', ADDR]).out, /never sealed under --clique-protect/);

  const bad = clef(['clique-protect', 'reset', '0x1234']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /Fatal: Invalid address specified: 0x1234/);
});
