// Reading JSON text that the Go scanner (gojson-scan.ts) has already accepted, the way Go's decoder sees it:
// raw member and element spans (json.RawMessage), and plain values whose objects keep Go's assignment order
// (a repeated member name moves to where it was last assigned, so "the last folded key wins" lookups such as
// goField are exact). Nothing here re-checks syntax: callers pass valid text only.
import { goHtmlEscape, type Json, type JsonObject } from './gojson.ts';
import { checkValidJson } from './gojson-scan.ts';

/** A raw JSON value inside a larger text: `text.slice(start, end)`. */
export interface RawSpan {
  start: number;
  end: number;
}

/** One object member: its decoded name and the span of its value. */
export interface RawMember extends RawSpan {
  key: string;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index of the first non-whitespace unit at or after i. */
export function skipSpace(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** End of the (valid) string token at i: the first `"` not escaped, found natively (megabyte strings are common). */
function stringEnd(t: string, i: number): number {
  for (let from = i + 1; ; ) {
    const q = t.indexOf('"', from);
    if (q < 0) return t.length;
    let backslashes = 0;
    for (let b = q - 1; b > i && t.charCodeAt(b) === 0x5c; b--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** End index of the (valid) JSON value starting at i. Iterative: depth costs nothing. */
function valueEnd(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === 0x22) return stringEnd(t, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < t.length; j++) {
      const d = t.charCodeAt(j);
      if (d === 0x22) j = stringEnd(t, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return t.length;
  }
  let j = i;
  while (j < t.length) {
    const d = t.charCodeAt(j);
    if (d === 0x2c || d === 0x5d || d === 0x7d || isSpace(d)) break;
    j++;
  }
  return j;
}

/** Go's decoding of a JSON string token (valid): escapes resolved, a lone surrogate escape becomes U+FFFD. */
export function decodeStringToken(token: string): string {
  if (token.indexOf('\\') < 0) return token.slice(1, -1);
  return (JSON.parse(token) as string).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Walks the entries of the (valid) container at i that ends with `close`; `entry` reads one and returns its end. */
function walkEntries(t: string, i: number, close: number, entry: (at: number) => number): void {
  i = skipSpace(t, i + 1);
  if (t.charCodeAt(i) === close) return;
  for (;;) {
    i = skipSpace(t, entry(i));
    if (t.charCodeAt(i) !== 0x2c) return;
    i = skipSpace(t, i + 1);
  }
}

/** The members of the (valid) object starting at i, in document order, repeated names included. */
export function rawMembers(t: string, i: number): RawMember[] {
  const out: RawMember[] = [];
  walkEntries(t, i, 0x7d, (at) => {
    const keyEnd = stringEnd(t, at);
    const start = skipSpace(t, skipSpace(t, keyEnd) + 1); // past ':'
    const end = valueEnd(t, start);
    out.push({ key: decodeStringToken(t.slice(at, keyEnd)), start, end });
    return end;
  });
  return out;
}

/** The element spans of the (valid) array starting at i. */
export function rawElements(t: string, i: number): RawSpan[] {
  const out: RawSpan[] = [];
  walkEntries(t, i, 0x5d, (at) => {
    const end = valueEnd(t, at);
    out.push({ start: at, end });
    return end;
  });
  return out;
}

/** Go's name for the kind of a raw JSON value (`object`, `array`, `string`, `number`, `bool`, `null`). */
export function rawKind(raw: string): string {
  const c = raw.charCodeAt(skipSpace(raw, 0));
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  if (c === 0x74 || c === 0x66) return 'bool';
  if (c === 0x6e) return 'null';
  return 'number';
}

interface OpenContainer {
  value: JsonObject | Json[];
  /** Objects: the member name awaiting its value (undefined while a name is expected). */
  key?: string;
}

/**
 * The plain value of the (valid) JSON value starting at i, as Go decodes into interface{}: numbers as float64,
 * strings with Go's surrogate rule, and in objects a repeated name takes its last value AND its last position.
 * Iterative, so Go's full nesting depth (10000) costs no stack.
 */
export function goParseAt(t: string, i: number): Json {
  const stack: OpenContainer[] = [];
  let root: Json = null;
  const attach = (v: Json): boolean => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      root = v;
      return true;
    }
    if (Array.isArray(top.value)) top.value.push(v);
    else {
      const key = top.key!;
      if (Object.hasOwn(top.value, key)) delete top.value[key];
      Object.defineProperty(top.value, key, { value: v, enumerable: true, writable: true, configurable: true });
      top.key = undefined;
    }
    return false;
  };
  for (;;) {
    i = skipSpace(t, i);
    const c = t.charCodeAt(i);
    if (c === 0x2c || c === 0x3a) {
      i++;
      continue;
    }
    let done: boolean;
    if (c === 0x7b || c === 0x5b) {
      stack.push({ value: c === 0x7b ? {} : [] });
      i++;
      continue;
    } else if (c === 0x7d || c === 0x5d) {
      const closed = stack.pop()!;
      done = attach(closed.value);
      i++;
    } else if (c === 0x22) {
      const end = stringEnd(t, i);
      const s = decodeStringToken(t.slice(i, end));
      i = end;
      const top = stack[stack.length - 1];
      if (top !== undefined && !Array.isArray(top.value) && top.key === undefined) {
        top.key = s;
        continue;
      }
      done = attach(s);
    } else {
      const end = valueEnd(t, i);
      done = attach(c === 0x74 ? true : c === 0x66 ? false : c === 0x6e ? null : Number(t.slice(i, end)));
      i = end;
    }
    if (done) return root;
  }
}

/** json.Unmarshal into interface{}: Go's syntax errors (JsonSyntaxError), then the value as goParseAt builds it. */
export function goParse(text: string): Json {
  checkValidJson(text);
  return goParseAt(text, 0);
}

/**
 * Go's output of a json.RawMessage holding valid JSON: compacted (whitespace outside strings dropped) and
 * HTML-escaped, otherwise byte for byte (escapes inside strings are kept as written).
 */
export function goCompact(validText: string): string {
  let out = '';
  let from = 0;
  const t = validText;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(t, i) - 1;
    } else if (isSpace(c)) {
      out += t.slice(from, i);
      from = i + 1;
    }
  }
  return goHtmlEscape(out + t.slice(from));
}
