// Go's %q (strconv.Quote) of strings and byte slices: known Go outputs, and a seeded comparison with a plain
// per-code-point reference, on inputs up to a mebibyte (the fast paths copy runs; issue 8 item 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goQuoteBytes } from '../../core/gojson.ts';

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote, one code point at a time (the reference). */
function refQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += refRune(ch);
  return out + '"';
}

function refRune(ch: string): string {
  const c = ch.codePointAt(0)!;
  const named: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
  if (named[c]) return named[c];
  if (printable.test(ch)) return ch;
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  if (c < 0x10000) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}

/** %q of bytes: valid UTF-8 sequences as runes, every other byte as \xNN (via a fatal decoder per sequence). */
function refQuoteBytes(b: Uint8Array): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  let out = '"';
  let i = 0;
  while (i < b.length) {
    let done = false;
    for (const len of [1, 2, 3, 4]) {
      if (i + len > b.length) break;
      try {
        const s = strict.decode(b.subarray(i, i + len));
        if ([...s].length !== 1) continue;
        out += refRune(s);
        i += len;
        done = true;
        break;
      } catch {
        // not a complete sequence of this length
      }
    }
    if (!done) out += '\\x' + b[i++].toString(16).padStart(2, '0');
  }
  return out + '"';
}

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('goQuote: Go outputs for escapes, unprintables, astral characters and lone surrogates', () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\x00\x07\x1b\x7f\n\t'), '"\\x00\\a\\x1b\\x7f\\n\\t"');
  assert.equal(goQuote('日本 😀'), '"日本 😀"');
  assert.equal(goQuote('\u00a0\u00ad\u2028\ufeff'), '"\\u00a0\\u00ad\\u2028\\ufeff"');
  assert.equal(goQuote('\u{e0001}'), '"\\U000e0001"');
  assert.equal(goQuote('x\ud800y'), '"x\\ud800y"');
});

test('goQuoteBytes: invalid UTF-8 byte by byte, valid sequences as characters', () => {
  assert.equal(goQuoteBytes(Uint8Array.of(0xff, 0x61)), '"\\xffa"');
  assert.equal(goQuoteBytes(Uint8Array.of(0xed, 0xa0, 0x80)), '"\\xed\\xa0\\x80"');
  assert.equal(goQuoteBytes(Uint8Array.of(0xc3, 0xa9, 0x22, 0xe2, 0x80, 0xa8)), '"é\\"\\u2028"');
  assert.equal(goQuoteBytes(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f)), '"😀\\xf0\\x9f"');
});

test('seeded: goQuote and goQuoteBytes equal the per-code-point reference (short mixes and 1 MiB inputs)', () => {
  const seed = 0x5eed;
  const r = prng(seed);
  const pool = ['a', 'Z', ' ', '"', '\\', '\n', '\x00', '\x7f', 'é', '\u00ad', '\u2028', '日', '😀', '\ud800', '\udc00', '\ufffd', '\u0085', '\u{e0001}'];
  for (let t = 0; t < 3000; t++) {
    let s = '';
    const n = Math.floor(r() * 16);
    for (let i = 0; i < n; i++) s += pool[Math.floor(r() * pool.length)];
    assert.equal(goQuote(s), refQuote(s), `seed ${seed} case ${t}: ${JSON.stringify(s)}`);
    const b = new Uint8Array(Math.floor(r() * 16));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
    assert.equal(goQuoteBytes(b), refQuoteBytes(b), `seed ${seed} case ${t}: ${Buffer.from(b).toString('hex')}`);
  }
  const big = new Uint8Array(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = Math.floor(r() * 256);
  assert.equal(goQuoteBytes(big), refQuoteBytes(big));
  const text = new TextDecoder().decode(big);
  assert.equal(goQuote(text), refQuote(text));
  const ascii = 'abc '.repeat(1 << 18);
  assert.equal(goQuote(ascii), `"${ascii}"`);
  assert.equal(goQuoteBytes(new TextEncoder().encode(ascii)), `"${ascii}"`);
});
