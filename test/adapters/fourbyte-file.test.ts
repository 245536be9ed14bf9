// The 4byte database's files: the custom map is loaded, a verified caller selector is persisted (0600, compact JSON),
// invalid JSON is fatal as in clef, and an extra database extends the embedded one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FatalError } from '../../core/errors.ts';
import { selectorOf } from '../../core/fourbyte.ts';
import { loadFourByteDb } from '../../adapters/fourbyte/fourbyte-file.ts';

test('custom map loaded and persisted, invalid JSON fatal, extra file merged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clef-4b-'));
  try {
    const custom = join(dir, '4byte-custom.json');
    const db = await loadFourByteDb(custom, null);
    assert.equal(db.stats().locals, 0);
    assert.ok(db.stats().embeds > 300);
    const sig = 'clefTsProbe(uint256,address)';
    assert.equal(db.lookup(selectorOf(sig)), null);
    assert.equal(db.addCustom(selectorOf(sig), sig), true);
    await db.flush();
    assert.deepEqual(JSON.parse(readFileSync(custom, 'utf8')), { [selectorOf(sig)]: sig });
    assert.equal(statSync(custom).mode & 0o777, 0o600);
    assert.equal((await loadFourByteDb(custom, null)).lookup(selectorOf(sig)), sig, 'reloaded');

    writeFileSync(custom, '{"a9059cbb": ');
    await assert.rejects(loadFourByteDb(custom, null), FatalError);

    const extra = join(dir, 'big.json');
    writeFileSync(extra, JSON.stringify({ [selectorOf('frobnicate(uint256)')]: 'frobnicate(uint256)', deadbeef: 'wrong(uint8)' }));
    const merged = await loadFourByteDb(join(dir, 'none.json'), extra);
    assert.equal(merged.lookup(selectorOf('frobnicate(uint256)')), 'frobnicate(uint256)');
    assert.equal(merged.lookup('deadbeef'), null, 'entries whose id is not the keccak prefix are dropped');
    assert.equal(merged.dropped, 1);
    await assert.rejects(loadFourByteDb(custom.replace('custom', 'absent'), join(dir, 'missing.json')), /not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
