// Media-type parsing with Go's mime.ParseMediaType behaviour and error texts: clef parses the content type of
// account_signData with it, lower-cases the type and ignores the parameters (but still rejects bad ones).

const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return cp > 0x20 && cp < 0x7f && !TSPECIALS.includes(c);
}

/** Go's unicode.IsSpace. */
function isSpace(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

function trimLeftSpace(s: string): string {
  let i = 0;
  for (const ch of s) {
    if (!isSpace(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

function trimSpace(s: string): string {
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (a < b && isSpace(chars[a])) a++;
  while (b > a && isSpace(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

/** Go's strings.ToLower (per code point; U+0130 maps to a plain `i` as in Go). */
function goToLower(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') out += 'i';
    else {
      const l = ch.toLowerCase();
      out += [...l].length === 1 ? l : ch;
    }
  }
  return out;
}

function consumeToken(v: string): [string, string] {
  let i = 0;
  for (const ch of v) {
    if (!isTokenChar(ch)) break;
    i += ch.length;
  }
  return [v.slice(0, i), v.slice(i)];
}

function consumeValue(v: string): [string, string] {
  if (v === '') return ['', ''];
  if (v[0] !== '"') return consumeToken(v);
  let value = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i];
    if (c === '"') return [value, v.slice(i + 1)];
    // An escape of a tspecial is unescaped; any other backslash is literal (Go's MSIE leniency).
    if (c === '\\' && i + 1 < v.length && TSPECIALS.includes(v[i + 1])) {
      value += v[i + 1];
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') return ['', v];
    value += c;
  }
  return ['', v];
}

/** One `; key=value` parameter; an empty key means none could be read. */
function consumeMediaParam(v: string): [string, string, string] {
  let rest = trimLeftSpace(v);
  if (!rest.startsWith(';')) return ['', '', v];
  rest = trimLeftSpace(rest.slice(1));
  let param: string;
  [param, rest] = consumeToken(rest);
  param = goToLower(param);
  if (param === '') return ['', '', v];
  rest = trimLeftSpace(rest);
  if (!rest.startsWith('=')) return ['', '', v];
  rest = trimLeftSpace(rest.slice(1));
  const [value, rest2] = consumeValue(rest);
  if (value === '' && rest2 === rest) return ['', '', v];
  return [param, value, rest2];
}

function checkMediaType(s: string): void {
  const [typ, rest] = consumeToken(s);
  if (typ === '') throw new Error('mime: no media type');
  if (rest === '') return;
  if (!rest.startsWith('/')) throw new Error('mime: expected slash after first token');
  const [subtype, rest2] = consumeToken(rest.slice(1));
  if (subtype === '') throw new Error('mime: expected token after slash');
  if (rest2 !== '') throw new Error('mime: unexpected content after media subtype');
}

/**
 * Go's mime.ParseMediaType, returning only the lower-cased media type (`text/plain`, or a lone token such as
 * `foo`). Throws Error with Go's message (`mime: no media type`, `mime: invalid media parameter`, …).
 */
export function parseMediaType(v: string): string {
  const semi = v.indexOf(';');
  const base = semi < 0 ? v : v.slice(0, semi);
  const mediatype = trimSpace(goToLower(base));
  checkMediaType(mediatype);
  const seen = new Map<string, string>();
  let rest = v.slice(base.length);
  while (rest.length > 0) {
    rest = trimLeftSpace(rest);
    if (rest.length === 0) break;
    const [key, value, after] = consumeMediaParam(rest);
    if (key === '') {
      if (trimSpace(after) === ';') break; // a trailing semicolon is tolerated
      throw new Error('mime: invalid media parameter');
    }
    const prev = seen.get(key);
    if (prev !== undefined && prev !== value) throw new Error('mime: duplicate parameter name');
    seen.set(key, value);
    rest = after;
  }
  return mediatype;
}
