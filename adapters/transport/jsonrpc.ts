// Transport-independent JSON-RPC 2.0 processing with go-ethereum's rpc semantics (external-api.md §1, §3.2,
// §3.3): a streaming JSON splitter with Go's syntax-error texts, Go-style request decoding (case-insensitive
// keys, last key wins, raw `id` echoed), batches, limits, deadlines and the exact response bytes.
import { ErrorCode, SignerError, errorMessage } from '../../core/errors.ts';
import { goQuote, goStringify, type Json } from '../../core/gojson.ts';
import type { Logger, Meta } from '../../core/ports.ts';
import type { RpcHandler } from '../../core/rpc.ts';
import { goDuration } from '../log/clef-logger.ts';

// ---------------------------------------------------------------------------------------------------------
// Streaming JSON splitter
// ---------------------------------------------------------------------------------------------------------

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

/** Go's quoteChar: the offending BYTE (first UTF-8 byte of a non-ASCII character), quoted. */
function quoteChar(text: string, i: number): string {
  let c = text.charCodeAt(i);
  if (c >= 0x80) {
    const cp = text.codePointAt(i) ?? c;
    c = cp < 0x800 ? 0xc0 | (cp >> 6) : cp < 0x10000 ? 0xe0 | (cp >> 12) : 0xf0 | (cp >> 18);
  }
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const q = goQuote(String.fromCharCode(c));
  return "'" + q.slice(1, -1) + "'";
}

/**
 * Splits a stream of concatenated JSON values (whitespace optional) into the raw text of each top-level
 * value, like Go's json.Decoder: values may span pushes, errors are reported as soon as a bad character is
 * seen. Linear in the input: every character is scanned once.
 */
export class JsonStreamScanner {
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
    this.failed = new JsonSyntaxError(`invalid character ${quoteChar(this.chunk, i)} ${context}`);
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
          } else if (top === P_OBJECT_VALUE) {
            if (c === 0x2c) {
              this.stack[this.stack.length - 1] = P_OBJECT_KEY;
              this.state = S_BEGIN_STRING;
              i++;
            } else if (c === 0x7d) {
              i = this.endContainer(i);
              if (i < 0) return (this.pos = -i);
            } else this.fail(i, 'after object key:value pair');
          } else {
            if (c === 0x2c) {
              this.state = S_BEGIN_VALUE;
              i++;
            } else if (c === 0x5d) {
              i = this.endContainer(i);
              if (i < 0) return (this.pos = -i);
            } else this.fail(i, 'after array element');
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
          if (c === 0x2e) {
            this.state = S_DOT;
            i++;
          } else if (c === 0x65 || c === 0x45) {
            this.state = S_E;
            i++;
          } else {
            if (this.stack.length === 0) return (this.pos = i);
            this.state = S_END_VALUE;
          }
          break;
        case S_DOT:
          if (!isDigit(c)) this.fail(i, 'after decimal point in numeric literal');
          this.state = S_DOT0;
          i++;
          break;
        case S_DOT0:
          if (isDigit(c)) i++;
          else if (c === 0x65 || c === 0x45) {
            this.state = S_E;
            i++;
          } else {
            if (this.stack.length === 0) return (this.pos = i);
            this.state = S_END_VALUE;
          }
          break;
        case S_E:
          if (c === 0x2b || c === 0x2d) {
            this.state = S_E_SIGN;
            i++;
          } else this.state = S_E_SIGN;
          break;
        case S_E_SIGN:
          if (!isDigit(c)) this.fail(i, 'in exponent of numeric literal');
          this.state = S_E0;
          i++;
          break;
        case S_E0:
          if (isDigit(c)) i++;
          else {
            if (this.stack.length === 0) return (this.pos = i);
            this.state = S_END_VALUE;
          }
          break;
        case S_LITERAL: {
          const want = this.literal.charCodeAt(this.literalIndex);
          if (c !== want) this.fail(i, `in literal ${this.literal} (expecting ${quoteChar(this.literal, this.literalIndex)})`);
          i++;
          if (++this.literalIndex === this.literal.length) {
            if (this.stack.length === 0) return (this.pos = i);
            this.state = S_END_VALUE;
          }
          break;
        }
      }
    }
    this.pos = i;
    return -1;
  }

  /** Starts a value at i (c = its first character); returns the next index. */
  private beginValue(i: number, c: number): number {
    switch (c) {
      case 0x7b: // {
        this.push_(i, P_OBJECT_KEY);
        this.state = S_BEGIN_STRING_OR_EMPTY;
        return i + 1;
      case 0x5b: // [
        this.push_(i, P_ARRAY_VALUE);
        this.state = S_BEGIN_VALUE_OR_EMPTY;
        return i + 1;
      case 0x22:
        this.state = S_STRING;
        return i + 1;
      case 0x2d:
        this.state = S_NEG;
        return i + 1;
      case 0x30:
        this.state = S_0;
        return i + 1;
      case 0x74:
      case 0x66:
      case 0x6e:
        this.literal = literals[c === 0x74 ? 0 : c === 0x66 ? 1 : 2];
        this.literalIndex = 1;
        this.state = S_LITERAL;
        return i + 1;
      default:
        if (c >= 0x31 && c <= 0x39) {
          this.state = S_1;
          return i + 1;
        }
        this.fail(i, 'looking for beginning of value');
    }
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

// ---------------------------------------------------------------------------------------------------------
// Request decoding (Go's jsonrpcMessage)
// ---------------------------------------------------------------------------------------------------------

/** One decoded request as go-ethereum sees it; raw texts are kept so `id` can be echoed verbatim. */
export interface RawRequest {
  /** `jsonrpc` member ("" when absent or not a string). */
  version: string;
  /** Raw JSON text of `id`; undefined when absent (a notification). */
  id?: string;
  /** `method` ("" when absent or not a string). */
  method: string;
  /** Raw JSON text of `params`; undefined when absent. */
  params?: string;
  hasResult: boolean;
  hasError: boolean;
}

/** A parsed top-level value: one request or a batch. */
export type RpcInput = { batch: false; request: RawRequest } | { batch: true; requests: RawRequest[] };

function emptyRequest(): RawRequest {
  return { version: '', method: '', hasResult: false, hasError: false };
}

/** Go's struct-field key folding (ASCII case plus the two non-ASCII folds onto ASCII letters). */
function foldKey(k: string): string {
  return k.replace(/[a-z\u017f\u212a]/g, (ch) => (ch === '\u017f' ? 'S' : ch === '\u212a' ? 'K' : ch.toUpperCase()));
}

const fieldByFold: Record<string, keyof RawRequest | 'result' | 'error'> = {
  JSONRPC: 'version',
  ID: 'id',
  METHOD: 'method',
  PARAMS: 'params',
  RESULT: 'result',
  ERROR: 'error',
};

function skipSpace(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** End index of the (valid) JSON value starting at i. */
function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === 0x22) return skipString(t, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < t.length; j++) {
      const d = t.charCodeAt(j);
      if (d === 0x22) j = skipString(t, j) - 1;
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

function skipString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const d = t.charCodeAt(j);
    if (d === 0x5c) j++;
    else if (d === 0x22) return j + 1;
  }
  return t.length;
}

/** Decodes one (valid) JSON value at i into a request the way Go's json.Unmarshal fills jsonrpcMessage. */
function decodeRequest(t: string, i: number): RawRequest {
  const req = emptyRequest();
  if (t.charCodeAt(i) !== 0x7b) return req; // not an object: a type error, the message stays zero
  i = skipSpace(t, i + 1);
  if (t.charCodeAt(i) === 0x7d) return req;
  for (;;) {
    const keyEnd = skipString(t, i);
    const key = JSON.parse(t.slice(i, keyEnd)) as string;
    i = skipSpace(t, keyEnd) + 1; // ':'
    i = skipSpace(t, i);
    const end = skipValue(t, i);
    const raw = t.slice(i, end);
    const field = fieldByFold[foldKey(key)];
    if (field === 'version' || field === 'method') {
      // a string sets the field; null leaves it; other types are Go type errors that leave it too
      if (raw.charCodeAt(0) === 0x22) req[field] = JSON.parse(raw) as string;
    } else if (field === 'id') req.id = raw;
    else if (field === 'params') req.params = raw;
    else if (field === 'result') req.hasResult = true;
    else if (field === 'error') req.hasError = raw !== 'null';
    i = skipSpace(t, end);
    if (t.charCodeAt(i) === 0x2c) {
      i = skipSpace(t, i + 1);
      continue;
    }
    return req;
  }
}

/** Decodes a complete, syntactically valid JSON text (as returned by JsonStreamScanner) into requests. */
export function parseRequest(text: string): RpcInput {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x5b) return { batch: false, request: decodeRequest(text, i) };
  const requests: RawRequest[] = [];
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 0x5d) return { batch: true, requests };
  for (;;) {
    requests.push(decodeRequest(text, i));
    i = skipSpace(text, skipValue(text, i));
    if (text.charCodeAt(i) !== 0x2c) return { batch: true, requests };
    i = skipSpace(text, i + 1);
  }
}

function hasValidVersion(m: RawRequest): boolean {
  return m.version === '2.0';
}

function hasValidId(m: RawRequest): boolean {
  return m.id !== undefined && m.id.length > 0 && m.id[0] !== '{' && m.id[0] !== '[';
}

function isNotification(m: RawRequest): boolean {
  return hasValidVersion(m) && m.id === undefined && m.method !== '';
}

function isCall(m: RawRequest): boolean {
  return hasValidVersion(m) && hasValidId(m) && m.method !== '';
}

function isResponse(m: RawRequest): boolean {
  return hasValidVersion(m) && m.id !== undefined && m.method === '' && m.params === undefined && (m.hasResult || m.hasError);
}

/** Messages a server never answers: stray responses and subscription notifications (ignored by geth). */
function isIgnored(m: RawRequest): boolean {
  return isResponse(m) || (isNotification(m) && m.method.endsWith('_subscription'));
}

// ---------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------

const htmlUnsafe = /[<>&\u2028\u2029]/g;

/** Go re-encodes a raw id compactly with HTML escaping; for a scalar that only touches <, >, &, U+2028/9. */
function echoId(raw: string): string {
  return raw.replace(htmlUnsafe, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function envelope(id: string | undefined, member: string): string {
  return '{"jsonrpc":"2.0"' + (id === undefined ? '' : ',"id":' + echoId(id)) + ',' + member + '}';
}

function errorMember(code: number, message: string, data?: unknown): string {
  if (data !== undefined && data !== null) {
    try {
      return '"error":' + goStringify({ code, message, data });
    } catch {
      // data that cannot be encoded is dropped rather than losing the error
    }
  }
  return '"error":' + goStringify({ code, message });
}

/** `{"jsonrpc":"2.0","id":<id>,"error":{…}}`; id is raw JSON text, undefined omits the member (Go's omitempty). */
export function errorResponse(id: string | undefined, code: number, message: string, data?: unknown): string {
  return envelope(id, errorMember(code, message, data));
}

/** The -32700 answer to unparsable input (HTTP: `parse error`; IPC: the syntax error's text). */
export function parseErrorResponse(message: string): string {
  return errorResponse('null', ErrorCode.parse, message);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function jsonKind(raw: string): string {
  const c = raw[0];
  if (c === '{') return 'object';
  if (c === '[') return 'array';
  if (c === '"') return 'string';
  if (c === 't' || c === 'f') return 'bool';
  if (c === 'n') return 'null';
  return 'number';
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

/** Which transport a request came in on: subscriptions and batch limits differ (external-api.md §1, §3.2). */
export type TransportKind = 'ipc' | 'http';

/** Server options; the batch limits only ever apply to HTTP requests. */
export interface JsonRpcOptions {
  /** HTTP only: most entries in a batch (geth's default 1000; 0 = unlimited). */
  maxBatch?: number;
  /** HTTP only: most cumulated result bytes of a batch (geth's default 25,000,000; 0 = unlimited). */
  maxBatchResponseBytes?: number;
  /**
   * The handler's method names. When given, an unknown method is answered -32601 here, before its params are
   * looked at (geth's order); otherwise the handler reports unknown methods itself.
   */
  methods?: Iterable<string>;
  /** Where crashed handlers are reported. */
  logger?: Logger;
}

/** Per-request context supplied by the transport. */
export interface CallContext {
  transport: TransportKind;
  meta: Meta;
  /** Deadline after which -32002 `request timed out` is answered while the handler keeps running. */
  timeoutMs?: number;
}

/**
 * What to write back. `transportError` marks geth's "error responses" (timeout, batch limits, parse error)
 * that HTTP sends uncompressed and without the encoder's trailing newline.
 */
export interface RpcReply {
  text: string;
  transportError: boolean;
}

interface Answer {
  text: string;
  /** Bytes of the `result` payload (what geth counts against the batch response limit). */
  resultBytes: number;
}

const maxMethodNameLength = 2048;
const modules: Json = { account: '1.0', rpc: '1.0' };

/** go-ethereum's RPC server in front of one RpcHandler. */
export class JsonRpcServer {
  private readonly handler: RpcHandler;
  private readonly maxBatch: number;
  private readonly maxBatchResponseBytes: number;
  private readonly methods: ReadonlySet<string> | null;
  private readonly logger: Logger | undefined;

  constructor(handler: RpcHandler, options: JsonRpcOptions = {}) {
    this.handler = handler;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxBatchResponseBytes = options.maxBatchResponseBytes ?? 25_000_000;
    this.methods = options.methods ? new Set(options.methods) : null;
    this.logger = options.logger;
  }

  /** Answers a complete JSON text (one request or a batch); null when nothing is to be written. */
  handleText(text: string, ctx: CallContext): Promise<RpcReply | null> {
    return this.handle(parseRequest(text), ctx);
  }

  /** Answers one parsed top-level value; null when nothing is to be written (notifications). */
  handle(input: RpcInput, ctx: CallContext): Promise<RpcReply | null> {
    return input.batch ? this.handleBatch(input.requests, ctx) : this.handleSingle(input.request, ctx);
  }

  private async handleSingle(msg: RawRequest, ctx: CallContext): Promise<RpcReply | null> {
    if (isIgnored(msg)) return null;
    const work = this.handleCallMsg(msg, ctx);
    const answered = (a: Answer | null): RpcReply | null => (a ? { text: a.text, transportError: false } : null);
    if (!ctx.timeoutMs) return answered(await work);
    const timeoutMs = ctx.timeoutMs;
    return new Promise((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        resolve({ text: errorResponse(msg.id, ErrorCode.timeout, 'request timed out'), transportError: true });
      }, timeoutMs);
      void work.then((a) => {
        if (done) return; // answered by the deadline; the late result is discarded like geth does
        done = true;
        clearTimeout(timer);
        resolve(answered(a));
      });
    });
  }

  private handleBatch(msgs: RawRequest[], ctx: CallContext): Promise<RpcReply | null> {
    if (msgs.length === 0) {
      return Promise.resolve({ text: errorResponse('null', ErrorCode.invalidRequest, 'empty batch'), transportError: true });
    }
    const limited = ctx.transport === 'http';
    if (limited && this.maxBatch > 0 && msgs.length > this.maxBatch) {
      const first = msgs.find(isCall);
      const text = '[' + errorResponse(first ? first.id : 'null', ErrorCode.invalidRequest, 'batch too large') + ']';
      return Promise.resolve({ text, transportError: true });
    }
    const calls = msgs.filter((m) => !isIgnored(m));
    if (calls.length === 0) return Promise.resolve(null);
    const sizeLimit = limited ? this.maxBatchResponseBytes : 0;

    return new Promise((resolve) => {
      const out: string[] = [];
      let index = 0;
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (transportError: boolean) => {
        if (done) return;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        resolve(out.length > 0 ? { text: '[' + out.join(',') + ']', transportError } : null);
      };
      // answers every call not yet answered (the running one included) with the same error
      const failRest = (code: number, message: string) => {
        for (const m of calls.slice(index)) if (!isNotification(m)) out.push(errorResponse(m.id, code, message));
        finish(true);
      };
      if (ctx.timeoutMs) timer = setTimeout(() => failRest(ErrorCode.timeout, 'request timed out'), ctx.timeoutMs);
      void (async () => {
        let bytes = 0;
        while (index < calls.length) {
          const answer = await this.handleCallMsg(calls[index], ctx);
          if (done) return;
          index++;
          if (answer) {
            out.push(answer.text);
            bytes += answer.resultBytes;
            if (sizeLimit > 0 && bytes > sizeLimit) return failRest(ErrorCode.responseTooLarge, 'response too large');
          }
        }
        finish(false);
      })();
    });
  }

  /** geth's handleCallMsg: notifications run unanswered; malformed messages get -32600. Never rejects. */
  private async handleCallMsg(msg: RawRequest, ctx: CallContext): Promise<Answer | null> {
    const start = performance.now();
    if (isNotification(msg)) {
      await this.guardedCall(msg, ctx);
      this.logger?.debug(`Served ${msg.method}`, { duration: goDuration(performance.now() - start) });
      return null;
    }
    if (isCall(msg)) {
      const answer = await this.guardedCall(msg, ctx);
      logServed(this.logger, msg, answer, performance.now() - start);
      return answer;
    }
    const id = hasValidId(msg) ? msg.id : 'null';
    return { text: errorResponse(id, ErrorCode.invalidRequest, 'invalid request'), resultBytes: 0 };
  }

  /** handleCall that cannot reject: anything unexpected becomes -32603 and never reaches the transport. */
  private async guardedCall(msg: RawRequest, ctx: CallContext): Promise<Answer> {
    try {
      return await this.handleCall(msg, ctx);
    } catch (err) {
      this.logger?.error(`RPC method ${msg.method} crashed: ${errorMessage(err)}`);
      return { text: errorResponse(msg.id, ErrorCode.internal, 'method handler crashed'), resultBytes: 0 };
    }
  }

  private async handleCall(msg: RawRequest, ctx: CallContext): Promise<Answer> {
    const fail = (code: number, message: string, data?: unknown): Answer => ({
      text: errorResponse(msg.id, code, message, data),
      resultBytes: 0,
    });
    const { method } = msg;
    if (method.endsWith('_subscribe')) return this.subscribe(msg, ctx, fail);
    if (method.endsWith('_unsubscribe')) return unsubscribe(msg, fail);
    const length = utf8Length(method);
    if (length > maxMethodNameLength) {
      return fail(ErrorCode.invalidRequest, `method name too long: ${length} > ${maxMethodNameLength}`);
    }
    const known = method === 'rpc_modules' || this.methods === null || this.methods.has(method);
    if (!known) return fail(ErrorCode.methodNotFound, `the method ${method} does not exist/is not available`);
    let params: Json[];
    if (msg.params === undefined || msg.params === 'null') params = [];
    else if (msg.params[0] === '[') params = JSON.parse(msg.params) as Json[];
    else return fail(ErrorCode.invalidParams, 'non-array args');

    let result: Json;
    try {
      if (method === 'rpc_modules') {
        if (params.length > 0) return fail(ErrorCode.invalidParams, 'too many arguments, want at most 0');
        result = modules;
      } else {
        const r = await this.handler({ method, params, meta: { ...ctx.meta } });
        result = r === undefined ? null : r;
      }
    } catch (err) {
      if (err instanceof SignerError) return fail(err.code, err.message, err.data);
      this.logger?.error(`RPC method ${method} crashed: ${errorMessage(err)}`);
      return fail(ErrorCode.internal, 'method handler crashed');
    }
    let text: string;
    try {
      text = goStringify(result);
    } catch (err) {
      return fail(ErrorCode.internal, errorMessage(err));
    }
    return { text: envelope(msg.id, '"result":' + text), resultBytes: utf8Length(text) };
  }

  private subscribe(msg: RawRequest, ctx: CallContext, fail: (code: number, message: string) => Answer): Answer {
    if (ctx.transport === 'http') return fail(ErrorCode.methodNotFound, 'notifications not supported');
    if (msg.params === undefined || msg.params[0] !== '[') return fail(ErrorCode.invalidParams, 'non-array args');
    const first = (JSON.parse(msg.params) as Json[])[0];
    if (typeof first !== 'string') return fail(ErrorCode.invalidParams, 'expected subscription name as first argument');
    const namespace = msg.method.slice(0, Math.max(0, msg.method.indexOf('_')));
    // no namespace served by clef has subscriptions
    return fail(ErrorCode.methodNotFound, `no ${goQuote(first)} subscription in ${namespace} namespace`);
  }
}

/**
 * geth's per-call log line: DEBUG `Served <method> reqid=<id> duration=<d>`, or WARN with `err=` (and `errdata=`)
 * when the answer is an error (an error answer has resultBytes 0 and is small, so parsing it back is cheap).
 */
function logServed(logger: Logger | undefined, msg: RawRequest, answer: Answer, ms: number): void {
  if (!logger) return;
  let reqid = msg.id ?? '';
  if (reqid.startsWith('"')) {
    try {
      reqid = JSON.parse(reqid) as string;
    } catch {
      // keep the raw text
    }
  }
  const attrs: Record<string, unknown> = { reqid, duration: goDuration(ms) };
  if (answer.resultBytes === 0) {
    try {
      const e = (JSON.parse(answer.text) as { error?: { message?: string; data?: unknown } }).error;
      if (e) {
        attrs.err = e.message ?? '';
        if (e.data !== undefined) attrs.errdata = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
        logger.warn(`Served ${msg.method}`, attrs);
        return;
      }
    } catch {
      // not an error answer after all
    }
  }
  logger.debug(`Served ${msg.method}`, attrs);
}

/** geth's built-in `*_unsubscribe(id rpc.ID)`: clef has no subscriptions, so a valid call finds none. */
function unsubscribe(msg: RawRequest, fail: (code: number, message: string) => Answer): Answer {
  const raw = msg.params;
  if (raw !== undefined && raw !== 'null' && raw[0] !== '[') return fail(ErrorCode.invalidParams, 'non-array args');
  const args = raw === undefined || raw === 'null' ? [] : (JSON.parse(raw) as Json[]);
  if (args.length === 0) return fail(ErrorCode.invalidParams, 'missing value for required argument 0');
  const first = args[0];
  if (first !== null && typeof first !== 'string') {
    const kind = jsonKind(JSON.stringify(first));
    return fail(ErrorCode.invalidParams, `invalid argument 0: json: cannot unmarshal ${kind} into Go value of type rpc.ID`);
  }
  if (args.length > 1) return fail(ErrorCode.invalidParams, 'too many arguments, want at most 1');
  return fail(ErrorCode.method, 'subscription not found');
}
