// goStringify: JSON.stringify's output with Go's HTML escaping, at any nesting depth (request values may nest as deep
// as Go's decoder allows, 10,000 levels; V8's own JSON.stringify overflows its stack near 5,000, which crashed the
// audit log's dump of a deep account_signData parameter with -32603).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goStringify } from '../../core/gojson.ts';
import { goMarshal } from '../../adapters/audit/audit-log.ts';

const htmlEscaped = (s: string) => s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

test('goStringify writes what JSON.stringify writes, HTML-escaped', () => {
  const cases: unknown[] = [
    null, 1, -0, 1e21, 0.1, 'a<b>&\u2028"\\', true, [], {}, [1, undefined, () => 1, 'x'],
    { a: undefined, b: 1, c: [{ d: null }], e: { toJSON: () => 'T' } }, { k: { toJSON: (key: string) => key } },
    [[[]], {}], { '': 0, '10': 1, b: 2 }, new Date(0),
  ];
  for (const c of cases) assert.equal(goStringify(c), htmlEscaped(JSON.stringify(c)), String(c));
  assert.equal(goStringify(undefined), 'null');
  assert.throws(() => goStringify({ n: 1n }), TypeError);
});

test("goStringify and the audit log's goMarshal handle 10,000 levels of nesting", () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 10_000; i++) deep = i % 2 ? [deep] : { x: deep };
  const text = goStringify(deep);
  assert.equal(text.length, 5000 * '{"x":['.length + '"leaf"'.length + 5000 * ']}'.length);
  assert.ok(text.startsWith('[{"x":[{"x":') && text.includes('[{"x":"leaf"}]}]') && text.endsWith('"}]}]'.slice(-4)));
  assert.equal(goMarshal(deep as never), text);
});
