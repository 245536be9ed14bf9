// The rule environment of rules-engine.md §2–§3 and §5: console format, storage conversions, clef's modified
// bignumber.js 2.0.3 (0x strings throw), lazy library loading, decision conversion, limits.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { RuleEngine } from '../../../adapters/rules/engine.ts';
import { resolveLimits, RuleSandbox } from '../../../adapters/rules/sandbox.ts';
import { MemoryRuleStorage } from '../../../adapters/rules/storage.ts';
import { BIGNUMBER_VERSION } from '../../../adapters/rules/embedded/bignumber.generated.ts';
import { ConsoleSink, RecordingLogger } from './support.ts';

const sandbox = new RuleSandbox();
after(() => sandbox.idle());

function engine(source: string) {
  const sink = new ConsoleSink();
  const storage = new MemoryRuleStorage();
  const logger = new RecordingLogger();
  const e = new RuleEngine({ source, storage, logger, sandbox, writeConsole: sink.write });
  return { e, sink, storage, logger };
}

/** Evaluates `expr` inside a rule function and returns the String() of its value or the error text. */
async function evaluate(expr: string): Promise<string> {
  const { e } = engine(`function F() { return ${expr} } // BigNumber`);
  const r = await e.execute('F', 'null');
  return r.ok ? r.value : `throws ${r.error}`;
}

describe('rule environment', () => {
  it('console.log/error: "JS:> " + space + String() of each argument joined by spaces, one line each', async () => {
    const { e, sink } = engine(`function F() {
      console.log("number", 45, "latest", "44");
      console.error([1, 2], {}, null, undefined, true, 1e21, new BigNumber("18"));
      console.log();
      return typeof console.log("x");
    }`);
    assert.deepEqual(await e.execute('F', 'null'), { ok: true, value: 'undefined' });
    assert.equal(sink.text, 'JS:>  number 45 latest 44\nJS:>  1,2 [object Object] null undefined true 1e+21 18\nJS:> \nJS:>  x\n');
  });

  it('storage: String() of key and value, empty value deletes, Put/Get legacy aliases, null return', async () => {
    const { e, storage } = engine(`function F() {
      var r = [];
      r.push(storage.put("a", 45));
      storage.put("b");
      storage.put(null, [1, "x"]);
      storage.put("c", "gone"); storage.put("c", "");
      storage.Put("legacy", 1e21);
      r.push(storage.get("a"), storage.get(), storage.Get("null"), storage.get("c"), typeof storage.get("zz"));
      return JSON.stringify(r);
    }`);
    assert.deepEqual(await e.execute('F', 'null'), { ok: true, value: '[null,"45","","1,x","","string"]' });
    assert.deepEqual(Object.fromEntries(storage.map), { a: '45', b: 'undefined', null: '1,x', legacy: '1e+21' });
  });

  it('the argument arrives as plain JSON data, parsed inside the VM', async () => {
    const { e } = engine('function F(r) { return [typeof r, r.meta.scheme, r.n, r.list.length, r.nested.deep, r.s].join("|") }');
    const arg = JSON.stringify({ meta: { scheme: 'ipc' }, n: 7, list: [1, 2, 3], nested: { deep: null }, s: 'quote " \u2028 </script>' });
    assert.deepEqual(await e.execute('F', arg), { ok: true, value: 'object|ipc|7|3||quote " \u2028 </script>' });
  });

  it(`BigNumber is clef's bignumber.js ${BIGNUMBER_VERSION}: arithmetic, comparisons, exponent and JSON forms`, async () => {
    assert.equal(BIGNUMBER_VERSION, '2.0.3');
    assert.equal(await evaluate('new BigNumber(2).plus(16)'), '18');
    assert.equal(await evaluate('new BigNumber("1f", 16).toString()'), '31');
    assert.equal(await evaluate('new BigNumber("DE0B6B3A7640000", 16)'), '1000000000000000000');
    assert.equal(await evaluate('new BigNumber("255").toString(16)'), 'ff');
    assert.equal(await evaluate('new BigNumber("1e21")'), '1e+21');
    assert.equal(await evaluate('new BigNumber("1e20")'), '100000000000000000000');
    assert.equal(await evaluate('JSON.stringify([new BigNumber("300000000000000000")])'), '["300000000000000000"]');
    assert.equal(await evaluate('[new BigNumber(5).minus(7), new BigNumber(3).times(4), new BigNumber(1).div(4)].join()'), '-2,12,0.25');
    assert.equal(await evaluate('[new BigNumber(1).lt(2), new BigNumber(2).lte(2), new BigNumber(3).gt(2), new BigNumber(2).gte(3), new BigNumber(2).eq("2"), new BigNumber(1).cmp(2)].join()'), 'true,true,true,false,true,-1');
    assert.equal(await evaluate('new BigNumber("1e18").toNumber()'), '1000000000000000000');
    assert.equal(await evaluate('new BigNumber(" +5 ")'), '5');
    assert.equal(await evaluate('new BigNumber("abc")'), 'throws BigNumber Error: new BigNumber() not a number: abc at raise (bignumber.js:1163:34)');
  });

  it('BigNumber: any 0x/0X/0b/0o-prefixed string throws, with or without a base (clef\'s otto edit)', async () => {
    for (const expr of ['new BigNumber("0xb1a2bc2ec50000")', 'new BigNumber("0x10", 16)', 'new BigNumber("0X10")', 'new BigNumber("0x10", 10)']) {
      assert.match(await evaluate(expr), /^throws BigNumber Error: new BigNumber\(\) not a base 16 number: (?= at )/, expr);
    }
    assert.match(await evaluate('new BigNumber("-0x10")'), /not a base 16 number: - at/);
    assert.match(await evaluate('new BigNumber("0b101")'), /not a base 2 number: (?= at )/);
    assert.match(await evaluate('new BigNumber("0o17")'), /not a base 8 number: (?= at )/);
    assert.match(await evaluate('new BigNumber("0x10", 2)'), /not a base 2 number: 0x10/);
  });

  it('BigNumber is defined even when the rule never names it (loaded on first use), and can be shadowed', async () => {
    const g = 'globalThis["Big" + "Num" + "ber"]';
    let r = await engine(`function F() { return new ${g}("16").plus(2) }`).e.execute('F', 'null');
    assert.deepEqual(r, { ok: true, value: '18' });
    r = await engine(`function F() { return typeof ${g} }`).e.execute('F', 'null');
    assert.deepEqual(r, { ok: true, value: 'function' });
    r = await engine(`${g} = 6; function F() { return ${g} }`).e.execute('F', 'null');
    assert.deepEqual(r, { ok: true, value: '6' }); // assignment before first use replaces the lazy definition
    r = await engine(`var ${'Big' + 'Number'} = 5; function F() { return ${g} }`).e.execute('F', 'null');
    assert.deepEqual(r, { ok: true, value: '5' });
    r = await engine(`function ${'Big' + 'Number'}() { return 7 } function F() { return ${g}() }`).e.execute('F', 'null');
    assert.deepEqual(r, { ok: true, value: '7' });
  });

  it('decisions: String() of the completion value, compared exactly', async () => {
    const cases: [string, string][] = [
      ['"Approve"', 'approve'],
      ['"Reject"', 'reject'],
      ['new String("Approve")', 'approve'], // technically accepted by clef
      ['{ toString: function () { return "Reject" } }', 'reject'],
      ['"approve"', 'fallthrough'],
      ['"Approve "', 'fallthrough'],
      ['null', 'fallthrough'],
      ['undefined', 'fallthrough'],
      ['1', 'fallthrough'],
      ['["Approve"]', 'approve'], // ["Approve"].toString() is "Approve": clef accepts it too
    ];
    for (const [value, expected] of cases) {
      const { e } = engine(`function F() { return ${value} }`);
      const d = await e.checkApproval('F', 'null');
      assert.equal(d.decision, expected, value);
      if (d.decision === 'fallthrough') assert.equal(d.error, 'unknown response');
    }
  });

  it('each callback runs the whole file again (top-level storage.put executes every time)', async () => {
    const { e, storage } = engine('storage.put("runs", Number(storage.get("runs") || 0) + 1); function F() { return storage.get("runs") }');
    await e.execute('F', 'null');
    await e.execute('Missing', 'null');
    assert.deepEqual(await e.execute('F', 'null'), { ok: true, value: '3' });
    assert.equal(storage.get('runs'), '3');
  });

  it('Date is the wall clock; Math and RegExp are there', async () => {
    const before = Date.now();
    const v = Number(await evaluate('new Date().getTime()'));
    assert.ok(v >= before && v <= Date.now());
    assert.equal(await evaluate('/^0x[0-9a-f]+$/i.test("0xAB") && Math.max(1, 2) === 2'), 'true');
  });

  it('limits: defaults, validation, and function names that are not identifiers', async () => {
    assert.deepEqual(resolveLimits(), { cpuMs: 2000, memoryBytes: 64 * 1024 * 1024, stackBytes: 256 * 1024 });
    assert.throws(() => resolveLimits({ memoryBytes: 1024 }), RangeError);
    assert.throws(() => resolveLimits({ cpuMs: 0 }), RangeError);
    const { e } = engine('function F() { return "Approve" }');
    const r = await e.execute('F(); globalThis.x', 'null');
    assert.equal(r.ok, false);
  });
});
