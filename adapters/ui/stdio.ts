// The external UI over stdio (`--stdio-ui`, ui-api.md §2): clef is a JSON-RPC client (it calls and notifies
// `ui_*`) and a server (`clef_*`, see stdio-server.ts) on the same pair of streams. Every line clef writes is
// Go-escaped compact JSON; input is a stream of JSON values matched to pending calls by their raw id text.
import process from 'node:process';
import { ErrorCode, SignerError, UiError, errorMessage } from '../../core/errors.ts';
import { goField, goStringify, isJsonObject, type Json, type JsonObject } from '../../core/gojson.ts';
import type {
  Approver,
  ListRequest,
  ListResponse,
  Logger,
  NewAccountRequest,
  NewAccountResponse,
  SignDataRequest,
  SignDataResponse,
  SignTransactionResult,
  SignTxRequest,
  SignTxResponse,
  StartupInfo,
  UserInputRequest,
  UserInputResponse,
} from '../../core/ports.ts';
import { GoJsonScanner, JsonEofError, JsonSyntaxError } from '../../core/gojson-scan.ts';
import { goParseAt } from '../../core/gojson-raw.ts';
import {
  errorResponse,
  parseErrorResponse,
  parseRequest,
  type RawRequest,
} from '../transport/jsonrpc.ts';
import { ClefServer, type UiServerApi } from './stdio-server.ts';
import {
  decodeListResponse,
  decodeNewAccountResponse,
  decodeSignDataResponse,
  decodeSignTxResponse,
  decodeUserInputResponse,
  listRequestJson,
  messageJson,
  newAccountRequestJson,
  signDataRequestJson,
  signTransactionResultJson,
  signTxRequestJson,
  startupInfoJson,
  userInputRequestJson,
} from './stdio-wire.ts';

export type { UiServerApi, WalletInfo } from './stdio-server.ts';

/** Where the UI's bytes come from: successive pieces of text, null at the end of input. */
export interface TextSource {
  read(): Promise<string | null>;
  /** Stops reading (optional). */
  close?(): void;
}

/** A TextSource over a byte or text stream (process.stdin, a child's stdout, an async generator in tests). */
function streamSource(stream: AsyncIterable<string | Uint8Array>): TextSource {
  const it = stream[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  let done = false;
  return {
    async read() {
      if (done) return null;
      for (;;) {
        const r = await it.next();
        if (r.done) {
          done = true;
          const tail = decoder.decode();
          return tail === '' ? null : tail;
        }
        const text = typeof r.value === 'string' ? r.value : decoder.decode(r.value, { stream: true });
        if (text !== '') return text;
      }
    },
    close() {
      done = true;
      void it.return?.();
    },
  };
}

/** A TextSource reading whole lines from a shared line reader (the CLI terminal), newline restored. */
export function lineSource(reader: { readLine(): Promise<string | null> }): TextSource {
  return {
    async read() {
      const line = await reader.readLine();
      return line === null ? null : line + '\n';
    },
  };
}

/** Where clef's messages go. */
type TextSink = { write(text: string): unknown; on?(event: 'error', listener: (err: Error) => void): unknown } | ((text: string) => void);

export interface StdioUIOptions {
  /** Default: process.stdin. */
  input?: TextSource | AsyncIterable<string | Uint8Array>;
  /** Default: process.stdout. */
  output?: TextSink;
  logger?: Logger;
}

interface Pending {
  method: string;
  resolve(result: Json): void;
  reject(err: Error): void;
}

/** The message clef gives a pending call when the UI went away (Go's io.EOF). */
const EOF = 'EOF';

/**
 * clef's StdIOUI: an Approver whose answers come from a UI process over JSON-RPC. Several approvals may be
 * outstanding at once; answers are matched by id in any order. Start reading happens at construction.
 */
export class StdioUI implements Approver {
  private readonly source: TextSource;
  private readonly sink: (text: string) => void;
  private readonly logger?: Logger;
  private readonly server: ClefServer;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private scanner = new GoJsonScanner();
  /** After a syntax error the rest of that input line is dropped. */
  private skipLine = false;
  private inputEnded: string | null = null;
  private stopped = false;
  private markEnded!: () => void;
  /** Resolves when the input has ended (EOF, read error or close()). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(opts: StdioUIOptions = {}) {
    const input = opts.input ?? process.stdin;
    this.source = isTextSource(input) ? input : streamSource(input);
    this.sink = makeSink(opts.output, opts.logger);
    this.logger = opts.logger;
    this.server = new ClefServer(opts.logger);
    void this.readLoop();
  }

  /** Registers the `clef_*` methods (before this they answer -32601, as during clef's master-password prompt). */
  enableServer(api: UiServerApi): void {
    this.server.enable(api);
  }

  /** Stops reading; pending and later calls fail with `EOF`. */
  close(): void {
    this.stopped = true;
    this.source.close?.();
    this.endInput(EOF);
  }

  /** Number of calls waiting for the UI (for diagnostics and tests). */
  get outstanding(): number {
    return this.pending.size;
  }

  // -------------------------------------------------------------------------------------------------------
  // Approver
  // -------------------------------------------------------------------------------------------------------

  async approveTx(req: SignTxRequest): Promise<SignTxResponse> {
    return decodeSignTxResponse(await this.call('ui_approveTx', signTxRequestJson(req)));
  }

  async approveSignData(req: SignDataRequest): Promise<SignDataResponse> {
    return decodeSignDataResponse(await this.call('ui_approveSignData', signDataRequestJson(req)));
  }

  async approveListing(req: ListRequest): Promise<ListResponse> {
    return decodeListResponse(await this.call('ui_approveListing', listRequestJson(req)));
  }

  async approveNewAccount(req: NewAccountRequest): Promise<NewAccountResponse> {
    return decodeNewAccountResponse(await this.call('ui_approveNewAccount', newAccountRequestJson(req)));
  }

  async onInputRequired(req: UserInputRequest): Promise<UserInputResponse> {
    return decodeUserInputResponse(await this.call('ui_onInputRequired', userInputRequestJson(req)));
  }

  showError(text: string): void {
    this.notify('ui_showError', messageJson(text));
  }

  showInfo(text: string): void {
    this.notify('ui_showInfo', messageJson(text));
  }

  onApprovedTx(result: SignTransactionResult): void {
    this.notify('ui_onApprovedTx', signTransactionResultJson(result));
  }

  onSignerStartup(info: StartupInfo): void {
    this.notify('ui_onSignerStartup', startupInfoJson(info));
  }

  // -------------------------------------------------------------------------------------------------------
  // Client side
  // -------------------------------------------------------------------------------------------------------

  /** `{"jsonrpc":"2.0","id":n,"method":…,"params":[…]}`; resolves with the raw `result`, rejects with the UI's error. */
  private call(method: string, param: JsonObject): Promise<Json> {
    const id = String(++this.nextId);
    return new Promise<Json>((resolve, reject) => {
      // clef waited forever once its input was gone; we fail at once
      if (this.inputEnded !== null) return reject(new SignerError(this.inputEnded));
      this.pending.set(id, { method, resolve, reject });
      this.send(`{"jsonrpc":"2.0","id":${id},"method":${goStringify(method)},"params":[${goStringify(param)}]}`);
    });
  }

  /** A notification consumes an id but does not carry it (go-ethereum's Client.Notify). */
  private notify(method: string, param: JsonObject): void {
    ++this.nextId;
    this.send(`{"jsonrpc":"2.0","method":${goStringify(method)},"params":[${goStringify(param)}]}`);
  }

  private send(line: string): void {
    try {
      this.sink(line + '\n');
    } catch (err) {
      this.logger?.warn('Failed to write to the UI', { err: errorMessage(err) });
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Input
  // -------------------------------------------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    // let the constructor finish (and the caller register the server) before the first read
    await Promise.resolve();
    try {
      for (;;) {
        if (this.stopped) return;
        const text = await this.source.read();
        if (this.stopped) return;
        if (text === null) break;
        this.feed(text);
      }
      const last = this.scanner.finish();
      if (last !== null) this.dispatch(last);
      this.endInput(EOF);
    } catch (err) {
      if (err instanceof JsonEofError) this.endInput('unexpected EOF');
      else if (err instanceof JsonSyntaxError) {
        this.syntaxError(err);
        this.endInput(EOF);
      } else {
        this.logger?.warn('UI channel read error', { err: errorMessage(err) });
        this.endInput(errorMessage(err));
      }
    }
  }

  /** Pushes input line by line, so a syntax error can resynchronise at the next line. */
  private feed(text: string): void {
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl + 1;
      const piece = text.slice(start, end);
      start = end;
      if (this.skipLine) {
        if (nl >= 0) this.skipLine = false;
        continue;
      }
      this.scanner.push(piece);
      try {
        for (let value = this.scanner.next(); value !== null; value = this.scanner.next()) this.dispatch(value);
      } catch (err) {
        if (!(err instanceof JsonSyntaxError)) throw err;
        this.syntaxError(err);
        this.scanner = new GoJsonScanner();
        this.skipLine = nl < 0;
      }
    }
  }

  /**
   * clef answers unparsable input with -32700 and fails every pending call with the syntax error. It then stopped
   * reading for good; we drop the rest of the offending line and keep serving.
   */
  private syntaxError(err: JsonSyntaxError): void {
    this.logger?.warn('Invalid JSON from the UI', { err: err.message });
    this.send(parseErrorResponse(err.message));
    this.failAll(err.message);
  }

  private endInput(reason: string): void {
    if (this.inputEnded !== null) return;
    this.inputEnded = reason;
    this.failAll(reason);
    this.markEnded();
  }

  private failAll(reason: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new SignerError(reason));
  }

  /** One complete top-level JSON value from the UI: responses settle calls, everything else goes to the server. */
  private dispatch(text: string): void {
    try {
      this.route(text);
    } catch (err) {
      // one message the decoders choke on must not stop the channel
      this.logger?.warn('Unprocessable message from the UI', { err: errorMessage(err) });
    }
  }

  private route(text: string): void {
    const input = parseRequest(text);
    const value = goParseAt(text, 0);
    if (!input.batch) {
      if (!this.settle(input.request, value)) void this.answer(input.request);
      return;
    }
    const elements = value as Json[];
    if (input.requests.length === 0) {
      this.send(errorResponse('null', ErrorCode.invalidRequest, 'empty batch'));
      return;
    }
    // responses in a batch are delivered first, then its calls run one after another (go-ethereum's handleBatch)
    const calls = input.requests.filter((m, i) => !this.settle(m, elements[i]));
    if (calls.length > 0) void this.answerBatch(calls);
  }

  /** Delivers a response to its pending call; false when the message is not a response. */
  private settle(msg: RawRequest, value: Json): boolean {
    const obj = isJsonObject(value) ? value : null;
    const error = obj ? goField(obj, 'error') : undefined;
    const hasError = isJsonObject(error);
    const hasResult = obj !== null && goField(obj, 'result') !== undefined;
    const shaped = msg.id !== undefined && msg.method === '' && msg.params === undefined && (hasResult || hasError);
    // a non-object `error` member counts as absent (Go leaves its pointer nil)
    if (!shaped) return false;
    if (msg.version !== '2.0') {
      // clef answers -32600 and lets the call hang forever; we also fail the call it was meant for
      const p = this.pending.get(msg.id!);
      if (p) {
        this.pending.delete(msg.id!);
        p.reject(new SignerError(`invalid response from the UI to ${p.method}: "jsonrpc":"2.0" missing`));
      }
      return false;
    }
    const p = this.pending.get(msg.id!);
    if (!p) {
      this.logger?.debug('Unsolicited RPC response', { reqid: msg.id });
      return true;
    }
    this.pending.delete(msg.id!);
    if (hasError) p.reject(uiError(error));
    else p.resolve(goField(obj!, 'result')!);
    return true;
  }

  private async answer(msg: RawRequest): Promise<void> {
    const reply = await this.server.answer(msg);
    if (reply !== null) this.send(reply);
  }

  private async answerBatch(calls: RawRequest[]): Promise<void> {
    const replies: string[] = [];
    for (const msg of calls) {
      const reply = await this.server.answer(msg);
      if (reply !== null) replies.push(reply);
    }
    if (replies.length > 0) this.send('[' + replies.join(',') + ']');
  }
}

/** The UI's error object as an error that keeps its code, message and data (Go's jsonError). */
function uiError(e: JsonObject): UiError {
  const code = goField(e, 'code');
  const message = goField(e, 'message');
  const data = goField(e, 'data');
  return new UiError(
    typeof message === 'string' ? message : '',
    typeof code === 'number' && Number.isSafeInteger(code) ? code : 0,
    data === null ? undefined : data,
  );
}

function isTextSource(v: TextSource | AsyncIterable<string | Uint8Array>): v is TextSource {
  return typeof (v as TextSource).read === 'function' && !(Symbol.asyncIterator in v);
}

function makeSink(output: TextSink | undefined, logger: Logger | undefined): (text: string) => void {
  const target: TextSink = output ?? process.stdout;
  if (typeof target === 'function') return target;
  // a closed pipe surfaces as an 'error' event; unhandled it would kill the process
  target.on?.('error', (err: Error) => logger?.warn('UI output stream failed', { err: err.message }));
  return (text) => void target.write(text);
}
