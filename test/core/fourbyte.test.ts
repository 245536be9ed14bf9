// The packed selector table (core/fourbyte.ts SelectorTable) and the database built on it: decoding, O(1) lookups,
// structural errors, lazy loading (decoded once, on the first lookup) and the lookup order extra → packed → custom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FourByteDb, SelectorTable, selectorOf, type LazySelectorTable } from '../../core/fourbyte.ts';

/** Packs signatures in the documented format (count, selectors, `\n`-terminated signatures). */
function pack(entries: [string, string][]): Uint8Array {
  const text = new TextEncoder().encode(entries.map(([, s]) => s + '\n').join(''));
  const out = new Uint8Array(4 + 4 * entries.length + text.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.length);
  entries.forEach(([id], i) => { view.setUint32(4 + 4 * i, parseInt(id, 16)); });
  out.set(text, 4 + 4 * entries.length);
  return out;
}

const SIGS = ['mint()', 'approve(address,uint256)', 'multicall(bytes[])', 'multicall(uint256,bytes[])', 'f()', 'g(uint8)'];
const entries = (sigs: string[]): [string, string][] => sigs.map((s) => [selectorOf(s), s]);

test('SelectorTable: decodes the packed format and finds every entry, nothing else', () => {
  const t = SelectorTable.decode(pack(entries(SIGS)));
  assert.equal(t.size, SIGS.length);
  for (const s of SIGS) assert.equal(t.get(selectorOf(s)), s);
  assert.equal(t.get('1249c58b'), 'mint()');
  assert.equal(t.get('00000000'), null);
  assert.equal(t.get('1249C58B'), null, 'ids are lowercase (FourByteDb lowercases)');
  assert.equal(t.get('1249c58'), null);
  assert.equal(t.get('zzzzzzzz'), null);
  // Colliding low bits probe on: 8 keys sharing their low 16 bits.
  const crowd: [string, string][] = Array.from({ length: 8 }, (_, i) => [((i + 1) * 0x10000).toString(16).padStart(8, '0'), `s${i}()`]);
  const c = SelectorTable.decode(pack(crowd));
  for (const [id, s] of crowd) assert.equal(c.get(id), s);
  assert.equal(c.get('00090000'), null);
  assert.equal(SelectorTable.decode(pack([])).get('1249c58b'), null);
  assert.deepEqual(t.at(0), [selectorOf(SIGS[0]), SIGS[0]]);
  assert.throws(() => t.at(SIGS.length), RangeError);
});

test('SelectorTable: malformed tables are refused', () => {
  const good = pack(entries(['mint()', 'f()']));
  assert.throws(() => SelectorTable.decode(good.subarray(0, 3)), /truncated header/);
  assert.throws(() => SelectorTable.decode(good.subarray(0, 8)), /truncated selectors/);
  assert.throws(() => SelectorTable.decode(good.subarray(0, good.length - 1)), /2 entries announced, 1 present/);
  const trailing = new Uint8Array(good.length + 1);
  trailing.set(good);
  trailing[good.length] = 0x41;
  assert.throws(() => SelectorTable.decode(trailing), /trailing data/);
  assert.throws(() => SelectorTable.decode(pack([['1249c58b', 'mint()'], ['1249c58b', 'mint()']])), /duplicate selector 1249c58b/);
});

test('FourByteDb.withPacked: decoded once on the first lookup; extra file, then packed, then custom', () => {
  let loads = 0;
  const packed: LazySelectorTable = {
    count: 3,
    load: () => {
      loads++;
      return SelectorTable.decode(pack(entries(['mint()', 'approve(address,uint256)', 'g(uint8)'])));
    },
  };
  const db = FourByteDb.withPacked(packed, { custom: { [selectorOf('h()')]: 'h()', [selectorOf('mint()')]: 'customMint()' } });
  assert.deepEqual(db.stats(), { embeds: 3, locals: 2 });
  assert.equal(loads, 0, 'nothing decoded before the first lookup');
  assert.equal(db.lookup('1249C58B'), 'mint()', 'packed before custom, any case');
  assert.equal(db.lookup(selectorOf('h()')), 'h()');
  assert.equal(db.lookup('deadbeef'), null);
  assert.equal(db.addCustom(selectorOf('approve(address,uint256)'), 'approve(address,uint256)'), false, 'known ids are not learnt');
  assert.equal(loads, 1);

  // A --4bytedb file: its verified entries come first, unverifiable ones are dropped and counted.
  const extra = JSON.stringify({ [selectorOf('g(uint8)')]: 'g(uint8)', [selectorOf('k(bytes)')]: 'k(bytes)', '1249c58b': 'notMint()' });
  const withExtra = FourByteDb.withPacked(packed, {}, extra);
  assert.equal(withExtra.dropped, 1);
  assert.deepEqual(withExtra.stats(), { embeds: 4, locals: 0 }, 'distinct selectors');
  assert.equal(withExtra.lookup(selectorOf('k(bytes)')), 'k(bytes)');
  assert.equal(withExtra.lookup('1249c58b'), 'mint()');
  assert.throws(() => FourByteDb.withPacked(packed, {}, '[1]'), /must be a JSON object/);
});
