// FileSecretStore.keys(): the entry names from one read, used by the daemon's readiness count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../adapters/vault/file-store.ts';

test('keys() lists entry names, [] for a missing file, and fails on a corrupt one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-keys-'));
  try {
    const store = new FileSecretStore(join(dir, 'credentials.json'), new Uint8Array(32).fill(7));
    assert.deepEqual(await store.keys(), []);
    await store.put('0x9CD932F670F7eDe5dE86F756A6D02548e5899f47', 'secret one');
    await store.put('0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6', 'secret two');
    await store.del('0x9160DC9105f7De5dC5E7f3d97ef11DA47269BdA6');
    assert.deepEqual(await store.keys(), ['0x9CD932F670F7eDe5dE86F756A6D02548e5899f47']);
    writeFileSync(join(dir, 'credentials.json'), '{not json');
    await assert.rejects(store.keys());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
