// Go's encoding/json scanner, the only one in clef-ts: the stream splitter behind IPC, HTTP and the stdio UI
// (json.Decoder), the syntax check of json.Unmarshal (typed data, key files, RawMessage output), with Go's
// syntax-error texts byte for byte. Input is UTF-16 text, or bytes carried one per unit (binaryString) where
// Go's byte-level view matters (invalid UTF-8 in a signData payload).
import { goQuoteChar } from './gojson.ts';

/** A JSON syntax error worded like Go's encoding/json (`invalid character 'x' looking for beginning of value`). */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** The input ended inside a JSON value (Go's `unexpected EOF`). */
export class JsonEofError extends Error {
  constructor() {
    super('unexpected EOF');
    this.name = 'JsonEofError';
  }
}

/** Go's encoding/json nesting limit. */
const maxNestingDepth = 10000;

// Scanner states, named after Go's scanner steps.
const S_BEGIN_VALUE = 0;
const S_BEGIN_VALUE_OR_EMPTY = 1;
const S_BEGIN_STRING_OR_EMPTY = 2;
const S_BEGIN_STRING = 3;
const S_END_VALUE = 4;
const S_STRING = 5;
const S_STRING_ESC = 6;
const S_STRING_ESC_U = 7;
const S_NEG = 8;
const S_1 = 9;
const S_0 = 10;
const S_DOT = 11;
const S_DOT0 = 12;
const S_E = 13;
const S_E_SIGN = 14;
const S_E0 = 15;
const S_LITERAL = 16;

// Parse-state stack entries.
const P_OBJECT_KEY = 0;
const P_OBJECT_VALUE = 1;
const P_ARRAY_VALUE = 2;

const literals = ['true', 'false', 'null'] as const;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Splits a stream of concatenated JSON values (whitespace optional) into the raw text of each top-level
 * value, like Go's json.Decoder (the only JSON scanner of clef-ts): values may span pushes, errors are reported as soon as a bad character is
 * seen. Linear in the input: every character is scanned once.
 */
export class GoJsonScanner {
  /** True when every unit of the input is a byte (see binaryString), false for UTF-16 text. */
  private readonly bytes: boolean;

  constructor(options: { bytes?: boolean } = {}) {
    this.bytes = options.bytes ?? false;
  }

  private chunk = '';
  private pos = 0;
  /** Start of the current value in `chunk`, or -1 when no value is in progress. */
  private start = -1;
  /** Pieces of the current value from earlier chunks. */
  private parts: string[] = [];
  private partsLength = 0;
  private queue: string[] = [];
  private queueLength = 0;
  private state = S_BEGIN_VALUE;
  private stack: number[] = [];
  private literal = '';
  private literalIndex = 0;
  private escU = 0;
  private failed: JsonSyntaxError | null = null;

  /** Appends text to the stream. */
  push(text: string): void {
    if (text.length === 0) return;
    this.queue.push(text);
    this.queueLength += text.length;
  }

  /** Characters held for the value in progress plus unscanned input (for buffer limits). */
  get buffered(): number {
    const inChunk = this.start >= 0 ? this.chunk.length - this.start : this.chunk.length - this.pos;
    return this.partsLength + inChunk + this.queueLength;
  }

  /** The raw text of the next complete value, or null when more input is needed. Throws JsonSyntaxError. */
  next(): string | null {
    if (this.failed) throw this.failed;
    for (;;) {
      if (this.pos >= this.chunk.length) {
        if (this.queue.length === 0) return null;
        if (this.start >= 0) {
          const piece = this.chunk.slice(this.start);
          this.parts.push(piece);
          this.partsLength += piece.length;
        }
        this.chunk = this.queue.shift()!;
        this.queueLength -= this.chunk.length;
        this.pos = 0;
        if (this.start >= 0) this.start = 0;
      }
      const end = this.scan();
      if (end >= 0) return this.take(end);
    }
  }

  /**
   * Signals the end of the stream: returns a last value that only EOF could complete (a bare top-level
   * number), null when only whitespace remained, and throws JsonEofError when a value was cut off.
   */
  finish(): string | null {
    if (this.failed) throw this.failed;
    const v = this.next();
    if (v !== null) return v;
    if (this.start < 0) return null;
    if (this.stack.length === 0 && (this.state === S_1 || this.state === S_0 || this.state === S_DOT0 || this.state === S_E0)) {
      return this.take(this.chunk.length);
    }
    throw new JsonEofError();
  }

  private take(end: number): string {
    const tail = this.chunk.slice(this.start, end);
    const text = this.parts.length === 0 ? tail : this.parts.join('') + tail;
    this.parts = [];
    this.partsLength = 0;
    this.start = -1;
    this.state = S_BEGIN_VALUE;
    return text;
  }

  private fail(i: number, context: string): never {
    this.failed = new JsonSyntaxError(`invalid character ${goQuoteChar(this.bytes ? this.chunk.charCodeAt(i) : firstUtf8Byte(this.chunk, i))} ${context}`);
    throw this.failed;
  }

  /** Scans the current chunk; returns the end index of a completed top-level value or -1. */
  private scan(): number {
    const s = this.chunk;
    const n = s.length;
    let i = this.pos;
    while (i < n) {
      const c = s.charCodeAt(i);
      switch (this.state) {
        case S_STRING: {
          // fast path through the body of a string
          let j = i;
          for (; j < n; j++) {
            const d = s.charCodeAt(j);
            if (d === 0x22 || d === 0x5c || d < 0x20) break;
          }
          i = j;
          if (i >= n) break;
          const d = s.charCodeAt(i);
          if (d === 0x22) {
            i++;
            if (this.stack.length === 0) return (this.pos = i);
            this.state = S_END_VALUE;
          } else if (d === 0x5c) {
            i++;
            this.state = S_STRING_ESC;
          } else this.fail(i, 'in string literal');
          break;
        }
        case S_BEGIN_VALUE:
        case S_BEGIN_VALUE_OR_EMPTY:
          if (isSpace(c)) {
            i++;
            break;
          }
          if (this.state === S_BEGIN_VALUE_OR_EMPTY && c === 0x5d) {
            i = this.endContainer(i);
            if (i < 0) return (this.pos = -i);
            break;
          }
          if (this.stack.length === 0 && this.start < 0) this.start = i;
          i = this.beginValue(i, c);
          break;
        case S_BEGIN_STRING_OR_EMPTY:
          if (isSpace(c)) {
            i++;
            break;
          }
          if (c === 0x7d) {
            this.stack[this.stack.length - 1] = P_OBJECT_VALUE;
            i = this.endContainer(i);
            if (i < 0) return (this.pos = -i);
            break;
          }
          this.state = S_BEGIN_STRING;
          break;
        case S_BEGIN_STRING:
          if (isSpace(c)) {
            i++;
            break;
          }
          if (c !== 0x22) this.fail(i, 'looking for beginning of object key string');
          this.state = S_STRING;
          i++;
          break;
        case S_END_VALUE: {
          if (isSpace(c)) {
            i++;
            break;
          }
          const top = this.stack[this.stack.length - 1];
          if (top === P_OBJECT_KEY) {
            if (c !== 0x3a) this.fail(i, 'after object key');
            this.stack[this.stack.length - 1] = P_OBJECT_VALUE;
            this.state = S_BEGIN_VALUE;
            i++;
          } else {
            // inside an object after a member, or an array after an element: `,` goes on, the closer ends it
            const inObject = top === P_OBJECT_VALUE;
            if (c === 0x2c) {
              if (inObject) this.stack[this.stack.length - 1] = P_OBJECT_KEY;
              this.state = inObject ? S_BEGIN_STRING : S_BEGIN_VALUE;
              i++;
            } else if (c === (inObject ? 0x7d : 0x5d)) {
              i = this.endContainer(i);
              if (i < 0) return (this.pos = -i);
            } else this.fail(i, inObject ? 'after object key:value pair' : 'after array element');
          }
          break;
        }
        case S_STRING_ESC:
          if (c === 0x75) {
            this.state = S_STRING_ESC_U;
            this.escU = 0;
          } else if ('bfnrt\\/"'.includes(s[i])) this.state = S_STRING;
          else this.fail(i, 'in string escape code');
          i++;
          break;
        case S_STRING_ESC_U:
          if (!isHex(c)) this.fail(i, 'in \\u hexadecimal character escape');
          if (++this.escU === 4) this.state = S_STRING;
          i++;
          break;
        case S_NEG:
          if (c === 0x30) this.state = S_0;
          else if (c >= 0x31 && c <= 0x39) this.state = S_1;
          else this.fail(i, 'in numeric literal');
          i++;
          break;
        case S_1:
          if (isDigit(c)) {
            i++;
            break;
          }
          this.state = S_0;
          break;
        case S_0:
        case S_DOT0: {
          // after the integer part a `.` may follow; after the fraction more digits; after either an exponent
          const next = c === 0x2e && this.state === S_0 ? S_DOT : isDigit(c) && this.state === S_DOT0 ? S_DOT0 : c === 0x65 || c === 0x45 ? S_E : -1;
          if (next >= 0) {
            this.state = next;
            i++;
          } else if (this.endScalar()) return (this.pos = i);
          break;
        }
        case S_DOT:
        case S_E_SIGN:
          // a digit must follow a decimal point and an exponent (after its optional sign)
          if (!isDigit(c)) this.fail(i, this.state === S_DOT ? 'after decimal point in numeric literal' : 'in exponent of numeric literal');
          this.state = this.state === S_DOT ? S_DOT0 : S_E0;
          i++;
          break;
        case S_E:
          // an optional sign; either way a digit comes next
          if (c === 0x2b || c === 0x2d) i++;
          this.state = S_E_SIGN;
          break;
        case S_E0:
          if (isDigit(c)) i++;
          else if (this.endScalar()) return (this.pos = i);
          break;
        case S_LITERAL: {
          const want = this.literal.charCodeAt(this.literalIndex);
          if (c !== want) this.fail(i, `in literal ${this.literal} (expecting ${goQuoteChar(this.literal.charCodeAt(this.literalIndex))})`);
          i++;
          if (++this.literalIndex === this.literal.length && this.endScalar()) return (this.pos = i);
          break;
        }
      }
    }
    this.pos = i;
    return -1;
  }

  /** A number or literal ended: true when it was the whole top-level value, else the container goes on. */
  private endScalar(): boolean {
    if (this.stack.length === 0) return true;
    this.state = S_END_VALUE;
    return false;
  }

  /** Starts a value at i (c = its first character); returns the next index. */
  private beginValue(i: number, c: number): number {
    if (c === 0x7b || c === 0x5b) {
      this.push_(i, c === 0x7b ? P_OBJECT_KEY : P_ARRAY_VALUE);
      this.state = c === 0x7b ? S_BEGIN_STRING_OR_EMPTY : S_BEGIN_VALUE_OR_EMPTY;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.literal = literals[c === 0x74 ? 0 : c === 0x66 ? 1 : 2];
      this.literalIndex = 1;
      this.state = S_LITERAL;
    } else {
      const next = c === 0x22 ? S_STRING : c === 0x2d ? S_NEG : c === 0x30 ? S_0 : c >= 0x31 && c <= 0x39 ? S_1 : -1;
      if (next < 0) this.fail(i, 'looking for beginning of value');
      this.state = next;
    }
    return i + 1;
  }

  private push_(i: number, p: number): void {
    this.stack.push(p);
    if (this.stack.length > maxNestingDepth) this.fail(i, 'exceeded max depth');
  }

  /** Closes the container at i; returns the next index, or -(end) when a top-level value completed. */
  private endContainer(i: number): number {
    this.stack.pop();
    this.state = S_END_VALUE;
    if (this.stack.length === 0) return -(i + 1);
    return i + 1;
  }
}

/**
 * Any unit after a completed top-level value that is not whitespace: `invalid character 'x' after top-level
 * value` (json.Unmarshal's rule), null when only whitespace follows. `text` is the whole input, `from` the
 * end of the value.
 */
function afterTopLevelError(text: string, from: number, bytes = false): JsonSyntaxError | null {
  for (let i = from; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) continue;
    const b = bytes ? text.charCodeAt(i) : firstUtf8Byte(text, i);
    return new JsonSyntaxError(`invalid character ${goQuoteChar(b)} after top-level value`);
  }
  return null;
}

/**
 * json.Unmarshal's validity check: exactly one JSON value and only whitespace after it. Returns the first
 * value's end, or throws JsonSyntaxError (`unexpected end of JSON input` when the input stops early).
 */
export function checkValidJson(text: string, bytes = false): number {
  const scanner = new GoJsonScanner({ bytes });
  scanner.push(text);
  let value = scanner.next();
  if (value === null) {
    // Go's eof(): one more space completes a number, or says why the value cannot end here
    scanner.push(' ');
    value = scanner.next();
  }
  if (value === null) throw new JsonSyntaxError('unexpected end of JSON input');
  const end = leadingSpace(text) + value.length;
  const trailing = afterTopLevelError(text, end, bytes);
  if (trailing) throw trailing;
  return end;
}

/** The syntax error Go's json.Unmarshal reports for `input` (bytes or text), or null when it is valid JSON. */
export function goJsonSyntaxError(input: Uint8Array | string): string | null {
  try {
    if (typeof input === 'string') checkValidJson(input);
    else checkValidJson(binaryString(input), true);
    return null;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e.message;
    throw e;
  }
}

/** Number of JSON whitespace units at the start of `text`. */
function leadingSpace(text: string, from = 0): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i - from;
}

/** Bytes as a string with one unit per byte (0–255), so the scanner sees Go's bytes exactly. */
function binaryString(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

/** The first UTF-8 byte of the character at i (Go reports the offending byte, not the character). */
function firstUtf8Byte(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) return c;
  const cp = text.codePointAt(i) ?? c;
  return cp < 0x800 ? 0xc0 | (cp >> 6) : cp < 0x10000 ? 0xe0 | (cp >> 12) : 0xf0 | (cp >> 18);
}
