// Transport-independent JSON-RPC 2.0 processing with go-ethereum's rpc semantics (external-api.md §1, §3.2,
// §3.3): Go-style request decoding (case-insensitive keys, last key wins, raw `id` echoed) of the values the
// core scanner (core/gojson-scan.ts) splits off a stream, batches, limits, deadlines and the exact response bytes.
import { utf8Length } from '../../core/bytes.ts';
import { ErrorCode, InvalidParamsError, SignerError, errorMessage } from '../../core/errors.ts';
import { goFoldKey, goHtmlEscape, goQuote, goStringify, jsonKind, type Json } from '../../core/gojson.ts';
import { decodeStringToken, goParseAt, rawElements, rawMembers, skipSpace } from '../../core/gojson-raw.ts';
import type { Logger, Meta } from '../../core/ports.ts';
import { RawJson, runMethod, type MethodTable, type RpcCall, type RpcHandler } from '../../core/rpc.ts';

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

/** jsonrpcMessage's fields by folded JSON name. */
const fieldByFold: Record<string, keyof RawRequest | 'result' | 'error'> = {
  jsonrpc: 'version',
  id: 'id',
  method: 'method',
  params: 'params',
  result: 'result',
  error: 'error',
};

/** Decodes one (valid) JSON value at i into a request the way Go's json.Unmarshal fills jsonrpcMessage. */
function decodeRequest(t: string, i: number): RawRequest {
  const req = emptyRequest();
  if (t.charCodeAt(i) !== 0x7b) return req; // not an object: a type error, the message stays zero
  // members are assigned in order: a later member folding to the same field overwrites an earlier one
  for (const m of rawMembers(t, i)) {
    const raw = t.slice(m.start, m.end);
    const folded = goFoldKey(m.key);
    const field = Object.hasOwn(fieldByFold, folded) ? fieldByFold[folded] : undefined;
    if (field === 'version' || field === 'method') {
      // a string sets the field; null leaves it; other types are Go type errors that leave it too
      if (raw.charCodeAt(0) === 0x22) req[field] = decodeStringToken(raw);
    } else if (field === 'id') req.id = raw;
    else if (field === 'params') req.params = raw;
    else if (field === 'result') req.hasResult = true;
    else if (field === 'error') req.hasError = raw !== 'null';
  }
  return req;
}

/** Decodes a complete, syntactically valid JSON text (as returned by GoJsonScanner) into requests. */
export function parseRequest(text: string): RpcInput {
  const i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x5b) return { batch: false, request: decodeRequest(text, i) };
  return { batch: true, requests: rawElements(text, i).map((e) => decodeRequest(text, e.start)) };
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

/** Go re-encodes a raw id compactly with HTML escaping (ids are scalars: only <, >, &, U+2028/9 change). */
function echoId(raw: string): string {
  return goHtmlEscape(raw);
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

/**
 * The answer to a stream request over the size limit: -32700 with id null, as geth answers an HTTP body its 5 MiB
 * reader cut short, worded after its 413 text (`content length too large (n>5242880)`); `>` would be HTML-escaped in JSON.
 */
export function requestTooLargeResponse(limit: number): string {
  return parseErrorResponse(`request too large (limit ${limit})`);
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

/** Which transport a request came in on: subscriptions and batch limits differ (external-api.md §1, §3.2). */
type TransportKind = 'ipc' | 'http';

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
  /**
   * geth's built-in server behaviour: `*_subscribe`/`*_unsubscribe` and the method-name length limit (default
   * true). The stdio UI channel, go-ethereum's client-side handler, has none of them.
   */
  builtins?: boolean;
  /** Called once per call or notification served, e.g. for clef's `Served <method> reqid=N duration=…` lines. */
  onServed?: (served: ServedCall) => void;
}

/** One served call, for per-call logging (geth logs it at DEBUG, or WARN with `err` when it failed). */
export interface ServedCall {
  method: string;
  /** Raw JSON text of the id; undefined for a notification. */
  id?: string;
  /** Wall time from the start of decoding to the answer, in milliseconds. */
  durationMs: number;
  /** The error answered, if any. */
  error?: { code: number; message: string; data?: unknown };
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
  /** The error answered, for onServed. */
  error?: { code: number; message: string; data?: unknown };
}

function failure(id: string | undefined, code: number, message: string, data?: unknown): Answer {
  return { text: errorResponse(id, code, message, data), resultBytes: 0, error: { code, message, data } };
}

const maxMethodNameLength = 2048;
const modules: Json = { account: '1.0', rpc: '1.0' };

/**
 * go-ethereum's RPC server over a method table (core/rpc.ts): the external API's `account_*` on IPC and HTTP,
 * and the stdio UI's `clef_*`. A bare RpcHandler is accepted too (it gets geth's built-in `rpc_modules`).
 */
export class JsonRpcServer {
  private readonly table: MethodTable | null;
  private readonly handler: RpcHandler | null;
  private readonly maxBatch: number;
  private readonly maxBatchResponseBytes: number;
  private readonly methods: ReadonlySet<string> | null;
  private readonly logger: Logger | undefined;
  private readonly builtins: boolean;
  private readonly onServed: ((served: ServedCall) => void) | undefined;

  constructor(target: MethodTable | RpcHandler, options: JsonRpcOptions = {}) {
    this.table = typeof target === 'function' ? null : target;
    this.handler = typeof target === 'function' ? target : null;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxBatchResponseBytes = options.maxBatchResponseBytes ?? 25_000_000;
    this.methods = options.methods ? new Set(options.methods) : this.table ? new Set(this.table.keys()) : null;
    this.logger = options.logger;
    this.builtins = options.builtins ?? true;
    this.onServed = options.onServed;
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
    if (isNotification(msg)) {
      await this.servedCall(msg, ctx);
      return null;
    }
    if (isCall(msg)) return this.servedCall(msg, ctx);
    const id = hasValidId(msg) ? msg.id : 'null';
    return { text: errorResponse(id, ErrorCode.invalidRequest, 'invalid request'), resultBytes: 0 };
  }

  /** guardedCall plus the onServed report. */
  private async servedCall(msg: RawRequest, ctx: CallContext): Promise<Answer> {
    if (!this.onServed) return this.guardedCall(msg, ctx);
    const started = performance.now();
    const answer = await this.guardedCall(msg, ctx);
    try {
      this.onServed({ method: msg.method, id: msg.id, durationMs: performance.now() - started, error: answer.error });
    } catch (err) {
      this.logger?.error(`RPC served hook failed: ${errorMessage(err)}`);
    }
    return answer;
  }

  /** handleCall that cannot reject: anything unexpected becomes -32603 and never reaches the transport. */
  private async guardedCall(msg: RawRequest, ctx: CallContext): Promise<Answer> {
    try {
      return await this.handleCall(msg, ctx);
    } catch (err) {
      this.logger?.error(`RPC method ${msg.method} crashed: ${errorMessage(err)}`);
      return failure(msg.id, ErrorCode.internal, 'method handler crashed');
    }
  }

  /** The method's result, from the table or the bare handler. */
  private async dispatch(call: RpcCall): Promise<Json | RawJson> {
    const entry = this.table?.get(call.method);
    if (entry) return runMethod(entry, call);
    if (call.method === 'rpc_modules' && this.handler) {
      if (call.params.length > 0) throw new InvalidParamsError('too many arguments, want at most 0');
      return modules;
    }
    if (!this.handler) throw new SignerError(`the method ${call.method} does not exist/is not available`, ErrorCode.methodNotFound);
    const r = await this.handler({ method: call.method, params: call.params, meta: call.meta });
    return r === undefined ? null : r;
  }

  private async handleCall(msg: RawRequest, ctx: CallContext): Promise<Answer> {
    const fail = (code: number, message: string, data?: unknown): Answer => failure(msg.id, code, message, data);
    const { method } = msg;
    if (this.builtins) {
      if (method.endsWith('_subscribe')) return this.subscribe(msg, ctx, fail);
      if (method.endsWith('_unsubscribe')) return unsubscribe(msg, fail);
      const length = utf8Length(method);
      if (length > maxMethodNameLength) {
        return fail(ErrorCode.invalidRequest, `method name too long: ${length} > ${maxMethodNameLength}`);
      }
    }
    const known = (method === 'rpc_modules' && this.handler !== null) || this.methods === null || this.methods.has(method);
    if (!known) return fail(ErrorCode.methodNotFound, `the method ${method} does not exist/is not available`);
    let raw: string[];
    if (msg.params === undefined || msg.params === 'null') raw = [];
    else if (msg.params[0] === '[') raw = rawElements(msg.params, 0).map((e) => msg.params!.slice(e.start, e.end));
    else return fail(ErrorCode.invalidParams, 'non-array args');
    const params = raw.map((r) => goParseAt(r, 0));

    let result: Json | RawJson;
    try {
      result = await this.dispatch({ method, params, raw, meta: { ...ctx.meta } });
    } catch (err) {
      if (err instanceof SignerError) return fail(err.code, err.message, err.data);
      this.logger?.error(`RPC method ${method} crashed: ${errorMessage(err)}`);
      return fail(ErrorCode.internal, 'method handler crashed');
    }
    let text: string;
    try {
      text = result instanceof RawJson ? result.text : goStringify(result);
    } catch (err) {
      return fail(ErrorCode.internal, errorMessage(err));
    }
    return { text: envelope(msg.id, '"result":' + text), resultBytes: utf8Length(text) };
  }

  private subscribe(msg: RawRequest, ctx: CallContext, fail: (code: number, message: string) => Answer): Answer {
    if (ctx.transport === 'http') return fail(ErrorCode.methodNotFound, 'notifications not supported');
    if (msg.params === undefined || msg.params[0] !== '[') return fail(ErrorCode.invalidParams, 'non-array args');
    const first = (goParseAt(msg.params, 0) as Json[])[0];
    if (typeof first !== 'string') return fail(ErrorCode.invalidParams, 'expected subscription name as first argument');
    const namespace = msg.method.slice(0, Math.max(0, msg.method.indexOf('_')));
    // no namespace served by clef has subscriptions
    return fail(ErrorCode.methodNotFound, `no ${goQuote(first)} subscription in ${namespace} namespace`);
  }
}

/** geth's built-in `*_unsubscribe(id rpc.ID)`: clef has no subscriptions, so a valid call finds none. */
function unsubscribe(msg: RawRequest, fail: (code: number, message: string) => Answer): Answer {
  const raw = msg.params;
  if (raw !== undefined && raw !== 'null' && raw[0] !== '[') return fail(ErrorCode.invalidParams, 'non-array args');
  const args = raw === undefined || raw === 'null' ? [] : (goParseAt(raw, 0) as Json[]);
  if (args.length === 0) return fail(ErrorCode.invalidParams, 'missing value for required argument 0');
  const first = args[0];
  if (first !== null && typeof first !== 'string') {
    const kind = jsonKind(first);
    return fail(ErrorCode.invalidParams, `invalid argument 0: json: cannot unmarshal ${kind} into Go value of type rpc.ID`);
  }
  if (args.length > 1) return fail(ErrorCode.invalidParams, 'too many arguments, want at most 1');
  return fail(ErrorCode.method, 'subscription not found');
}
