// The one Go-JSON module (core/gojson*.ts): Go's case-insensitive key rule, the unified scanner's texts for text
// and byte input, Go-ordered values and RawMessage compaction, and every former user agreeing on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequest } from '../../adapters/transport/jsonrpc.ts';
import { compactRawJson } from '../../adapters/ui/stdio-server.ts';
import { utf8 } from '../../core/bytes.ts';
import { goField, goFieldFor, goFoldKey, goQuoteChar, type JsonObject } from '../../core/gojson.ts';
import { goCompact, goParse, rawElements, rawMembers } from '../../core/gojson-raw.ts';
import { checkValidJson, goJsonSyntaxError, JsonSyntaxError } from '../../core/gojson-scan.ts';
import { decryptKeyFile, scanAddress } from '../../core/keyfile.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { decodeSendTxArgs } from '../../core/tx.ts';

test('Go key folding: ASCII case, ſ (U+017F) ~ s and Kelvin K (U+212A) ~ k; no other rune folds onto ASCII', () => {
  assert.equal(goFoldKey('ChainID'), 'chainid');
  assert.equal(goFoldKey('\u017fender'), 'sender');
  assert.equal(goFoldKey('\u212aey'), 'key');
  assert.notEqual(goFoldKey('\u0131d'), goFoldKey('id')); // dotless ı is its own fold set in Go
  assert.notEqual(goFoldKey('\u0130D'), goFoldKey('id')); // so is İ
  assert.equal(goFieldFor('NONCE', ['to', 'nonce'] as const), 'nonce');
  assert.equal(goFieldFor('n\u017f', ['ns', 'nS'] as const), 'ns'); // no exact name: the first folded field
  assert.equal(goFieldFor('nS', ['ns', 'nS'] as const), 'nS'); // an exact name is preferred per key
  assert.equal(goFieldFor('nonces', ['nonce'] as const), undefined);
});

test('Go struct decoding: the LAST member whose name folds to the field wins, even over an earlier exact one', () => {
  assert.equal(goField(goParse('{"gas":"0x1","GAS":"0x2"}') as JsonObject, 'gas'), '0x2');
  assert.equal(goField(goParse('{"GAS":"0x1","gas":"0x2"}') as JsonObject, 'gas'), '0x2');
  // a repeated exact name takes its last position too (JSON.parse would keep the first position: "0x2" here)
  assert.equal(goField(goParse('{"gas":"0x1","Gas":"0x2","gas":"0x3"}') as JsonObject, 'gas'), '0x3');
  assert.equal(goField(goParse('{"\u017fender":1}') as JsonObject, 'sender'), 1);
  assert.equal(goField(goParse('{"a":1}') as JsonObject, 'b'), undefined);
  // the same rule through the real decoders: SendTxArgs, jsonrpcMessage, key files
  const tx = decodeSendTxArgs(goParse('{"from":"0x0000000000000000000000000000000000000001","gas":"0x1","GAS":"0x2"}'));
  assert.equal(tx.gas, 2n);
  const req = parseRequest('{"jsonrpc":"2.0","id":1,"method":"a","METHOD":"b","j\u017fonrpc":"2.0"}');
  assert.ok(!req.batch && req.request.method === 'b' && req.request.version === '2.0');
  const a = '00000000000000000000000000000000000000aa';
  const b = '00000000000000000000000000000000000000bb';
  assert.equal(scanAddress(`{"address":"${a}","ADDRESS":"${b}"}`), `0x${b}`);
  assert.equal(scanAddress(`{"address":"${a}","ADDRESS":"${b}"} trailing`), `0x${b}`);
});

test('one scanner: text and byte input give the same Go texts; EOF is Go eof() (a space is stepped first)', () => {
  const cases: [string, string | null][] = [
    ['{"a":[1,2,{"b":null}]}', null],
    [' 12 ', null],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['-', "invalid character ' ' in numeric literal"],
    ['[1', 'unexpected end of JSON input'],
    ['', 'unexpected end of JSON input'],
    ['{}x', "invalid character 'x' after top-level value"],
    ['é', "invalid character 'Ã' looking for beginning of value"], // Go reports the first UTF-8 byte
    ['["\u0001"]', "invalid character '\\x01' in string literal"],
  ];
  for (const [input, want] of cases) {
    assert.equal(goJsonSyntaxError(input), want, `text ${JSON.stringify(input)}`);
    assert.equal(goJsonSyntaxError(utf8(input)), want, `bytes ${JSON.stringify(input)}`);
  }
  // invalid UTF-8 is fine inside strings and reported byte-wise outside them
  assert.equal(goJsonSyntaxError(Uint8Array.of(0x22, 0xff, 0x22)), null);
  assert.equal(goJsonSyntaxError(Uint8Array.of(0xff)), "invalid character 'ÿ' looking for beginning of value");
  assert.throws(() => checkValidJson('[1,]'), JsonSyntaxError);
  assert.equal(goQuoteChar(0x27), "'\\''");
  assert.equal(goQuoteChar(0x22), `'"'`);
  assert.equal(goQuoteChar(0x80), "'\\u0080'");
});

test('former scanners now agree: key files and RawMessage output use Go eof() texts', async () => {
  // the old key-file parser said `unexpected end of JSON input` for both of these; Go steps a space first
  await assert.rejects(decryptKeyFile('{"version":tru', 'x', new NodeKdf()), { message: "invalid character ' ' in literal true (expecting 'e')" });
  await assert.rejects(decryptKeyFile('{"version":1', 'x', new NodeKdf()), { message: 'unexpected end of JSON input' });
  await assert.rejects(decryptKeyFile('tru', 'x', new NodeKdf()), { message: "invalid character ' ' in literal true (expecting 'e')" });
  assert.throws(() => compactRawJson('-'), { message: "json: error calling MarshalJSON for type json.RawMessage: invalid character ' ' in numeric literal" });
});

test('raw spans, Go-ordered values and RawMessage compaction', () => {
  const t = ' { "a" : [1, "x\\"]"] , "b":{} } ';
  const m = rawMembers(t, 1);
  assert.deepEqual(
    m.map((x) => [x.key, t.slice(x.start, x.end)]),
    [
      ['a', '[1, "x\\"]"]'],
      ['b', '{}'],
    ],
  );
  assert.deepEqual(
    rawElements('[ 1 ,"2",[3] ]', 0).map((e) => '[ 1 ,"2",[3] ]'.slice(e.start, e.end)),
    ['1', '"2"', '[3]'],
  );
  assert.equal(goCompact(t.trim()), '{"a":[1,"x\\"]"],"b":{}}');
  assert.equal(goCompact('{"h":"<a & b>"}'), '{"h":"\\u003ca \\u0026 b\\u003e"}');
  assert.deepEqual(Object.keys(goParse('{"b":1,"a":2,"b":3}') as JsonObject), ['a', 'b']);
  assert.equal(goParse('"\\ud800"'), '\ufffd'); // Go replaces a lone surrogate escape
  const deep = '['.repeat(10000) + ']'.repeat(10000);
  assert.ok(Array.isArray(goParse(deep))); // Go's full depth, no stack overflow
});
