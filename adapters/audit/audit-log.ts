// clef's audit log (ui-api.md §9, cli.md §7.5): a decorator around the external API's RpcHandler that writes one
// request and one response line per call in Go log/slog text format (`time=… level=INFO msg=<Method> api=signer …`).
// Fields come from the raw JSON params and the result or error. account_new and rpc_modules are not logged, and —
// as in clef, where the log sat behind Go's argument decoding — neither are calls whose arguments fail to decode.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { toChecksumAddress, toHexRaw } from '../../core/bytes.ts';
import { errorMessage } from '../../core/errors.ts';
import { decodeBytesText, goQuote, goStringify, isJsonObject, MixedcaseAddress } from '../../core/gojson.ts';
import type { Json } from '../../core/gojson.ts';
import type { Clock, Meta } from '../../core/ports.ts';
import type { RpcCall, RpcHandler } from '../../core/rpc.ts';

/** Receives one log line at a time, without its trailing newline. */
export interface AuditSink {
  write(line: string): void;
}

/**
 * Optional exact encoders for request fields clef re-marshalled from its decoded Go structs. Without them the
 * raw parameter is written as compact Go JSON, as received.
 */
export interface AuditFormats {
  /** SendTxArgs JSON of a signTransaction request (clef: `args.String()`). */
  tx?(json: Json): string;
  /** JSON of the parsed Safe transaction of a signGnosisSafeTx request. */
  gnosisTx?(json: Json): string;
}

/** A slog attribute value: text is quoted only when needed; bytes (Go []byte) are always quoted. */
type SlogValue = string | { bytes: string };
type Attr = [key: string, value: SlogValue];

/** What one method logs: its slog message, argument arity, request attributes and response attributes. */
interface MethodLog {
  msg: string;
  /** Required and maximum positional argument count (Go's decoder rejects calls outside these). */
  required: number;
  max: number;
  /** Request attributes after `type=request metadata=…`; throws when the arguments would not decode. */
  request(params: Json[], formats: AuditFormats): Attr[];
  /** Response attributes after `type=response`. */
  response(outcome: { ok: true; result: Json } | { ok: false; error: unknown }): Attr[];
}

const NIL = '<nil>';
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** Go `%+v` of an error value: its message, `<nil>` when none. */
const errorAttr = (o: { ok: boolean; error?: unknown }): Attr => ['error', o.ok ? NIL : errorMessage(o.error)];

function addressDisplay(v: Json | undefined): string {
  return MixedcaseAddress.fromJson(v).display();
}

/** Optional string argument (method selector): absent or null → `<nil>`. */
function optionalString(v: Json | undefined): string {
  if (v === undefined || v === null) return NIL;
  if (typeof v !== 'string') throw new Error('selector is not a string');
  return v;
}

/** An object argument (or null, which Go decodes to the zero value). */
function objectArg(v: Json | undefined): Json {
  if (v !== null && v !== undefined && !isJsonObject(v)) throw new Error('not an object');
  return v ?? null;
}

function bytesHex(v: Json | undefined): string {
  if (typeof v !== 'string') throw new Error('not a bytes string');
  return toHexRaw(decodeBytesText(v));
}

/** `0x…` hex result → hex without `0x` (common.Bytes2Hex). */
const strip0x = (v: Json): string => (typeof v === 'string' ? v.replace(/^0x/i, '').toLowerCase() : '');

const METHODS: Record<string, MethodLog> = {
  account_list: {
    msg: 'List',
    required: 0,
    max: 0,
    request: () => [],
    // Go's %+v of []common.Address; denial or error log the nil slice `[]` and no error attribute (clef quirk).
    response: (o) => {
      const list = o.ok && Array.isArray(o.result) ? o.result.map((a) => toChecksumAddress(String(a))) : [];
      return [['data', `[${list.join(' ')}]`]];
    },
  },
  account_signTransaction: {
    msg: 'SignTransaction',
    required: 1,
    max: 2,
    request: (p, f) => {
      const tx = objectArg(p[0]);
      const selector = optionalString(p[1]);
      return [
        ['tx', f.tx ? f.tx(tx) : goStringify(tx)],
        ['methodSelector', selector],
      ];
    },
    response: (o) => {
      if (o.ok && isJsonObject(o.result)) return [['data', strip0x(o.result.raw ?? '')], errorAttr(o)];
      return [['data', NIL], errorAttr(o)];
    },
  },
  account_signData: {
    msg: 'SignData',
    required: 3,
    max: 3,
    request: (p) => {
      if (p[0] !== null && typeof p[0] !== 'string') throw new Error('content type is not a string');
      const addr = addressDisplay(p[1]);
      return [
        ['addr', addr],
        ['data', { bytes: goMarshal(p[2]) }],
        ['content-type', p[0] ?? ''],
      ];
    },
    response: (o) => [['data', o.ok ? strip0x(o.result) : ''], errorAttr(o)],
  },
  account_signTypedData: {
    msg: 'SignTypedData',
    required: 2,
    max: 2,
    // clef dumped Go's %+v of its TypedData struct (with memory addresses); we write the compact JSON instead.
    request: (p) => {
      const addr = addressDisplay(p[0]);
      return [
        ['addr', addr],
        ['data', goStringify(objectArg(p[1]))],
      ];
    },
    response: (o) => [['data', o.ok ? strip0x(o.result) : ''], errorAttr(o)],
  },
  account_signGnosisSafeTx: {
    msg: 'SignGnosisSafeTx',
    required: 2,
    max: 3,
    request: (p, f) => {
      const addr = addressDisplay(p[0]);
      const safeTx = objectArg(p[1]);
      const selector = optionalString(p[2]);
      return [
        ['addr', addr],
        ['data', f.gnosisTx ? f.gnosisTx(safeTx) : goStringify(safeTx)],
        ['selector', selector],
      ];
    },
    response: (o) => [['data', o.ok && o.result !== null ? goStringify(o.result) : NIL], errorAttr(o)],
  },
  account_ecRecover: {
    msg: 'EcRecover',
    required: 2,
    max: 2,
    request: (p) => [
      ['data', bytesHex(p[0])],
      ['sig', bytesHex(p[1])],
    ],
    response: (o) => [['address', o.ok ? toChecksumAddress(String(o.result)) : ZERO_ADDRESS], errorAttr(o)],
  },
  account_version: {
    msg: 'Version',
    required: 0,
    max: 0,
    request: () => [],
    response: (o) => [['data', o.ok ? String(o.result) : ''], errorAttr(o)],
  },
};

/** The audit log: formats slog lines and writes them to a sink. */
export class AuditLog {
  private readonly sink: AuditSink;
  private readonly clock: Clock;
  private readonly formats: AuditFormats;

  constructor(sink: AuditSink, clock: Clock, formats: AuditFormats = {}) {
    this.sink = sink;
    this.clock = clock;
    this.formats = formats;
  }

  /** The first record after opening: `msg=Configured api=signer "audit log"=<path>`. */
  configured(path: string): void {
    this.log('Configured', [['audit log', path]]);
  }

  /** Wraps the external API's handler so every audited call writes a request line before and a response line after. */
  wrap(handler: RpcHandler): RpcHandler {
    return async (call: RpcCall): Promise<Json> => {
      const spec = Object.prototype.hasOwnProperty.call(METHODS, call.method) ? METHODS[call.method] : undefined;
      const requestAttrs = spec ? this.requestAttrs(spec, call) : null;
      if (!spec || !requestAttrs) return handler(call);
      this.log(spec.msg, [['type', 'request'], ['metadata', metadataJson(call.meta)], ...requestAttrs]);
      let result: Json;
      try {
        result = await handler(call);
      } catch (error) {
        this.log(spec.msg, [['type', 'response'], ...spec.response({ ok: false, error })]);
        throw error;
      }
      this.log(spec.msg, [['type', 'response'], ...spec.response({ ok: true, result })]);
      return result;
    };
  }

  /** The request attributes, or null when clef's decoder would have rejected the arguments (nothing logged). */
  private requestAttrs(spec: MethodLog, call: RpcCall): Attr[] | null {
    const n = call.params.length;
    if (n < spec.required || n > spec.max) return null;
    try {
      return spec.request(call.params, this.formats);
    } catch {
      return null;
    }
  }

  private log(msg: string, attrs: Attr[]): void {
    this.sink.write(slogLine(this.clock.now(), msg, [['api', 'signer'], ...attrs]));
  }
}

/** One slog text record at level INFO. */
export function slogLine(timeMs: number, msg: string, attrs: Attr[]): string {
  let line = `time=${slogTime(timeMs)} level=INFO msg=${slogText(msg)}`;
  for (const [k, v] of attrs) line += ` ${slogText(k)}=${typeof v === 'string' ? slogText(v) : goQuote(v.bytes)}`;
  return line;
}

/**
 * Local time as RFC 3339 with exactly three fractional digits and a numeric zone (`Z` when the offset is 0);
 * `offsetMinutes` (east of UTC) defaults to the local zone's offset at that instant.
 */
export function slogTime(ms: number, offsetMinutes: number = -new Date(ms).getTimezoneOffset()): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const abs = Math.abs(offsetMinutes);
  const zone = offsetMinutes === 0 ? 'Z' : `${offsetMinutes > 0 ? '+' : '-'}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
  return (
    `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}${zone}`
  );
}

const goPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's unicode.IsSpace for code points ≥ 0x80. */
function isGoSpaceHigh(c: number): boolean {
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** slog's needsQuoting: empty, space, `=`, `"`, ASCII controls (not DEL, not `\`), non-printable or space runes. */
export function slogNeedsQuoting(s: string): boolean {
  if (s === '') return true;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      if (c === 0x20 || c === 0x3d || c === 0x22 || c < 0x20) return true;
      continue;
    }
    if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff) || isGoSpaceHigh(c) || !goPrintable.test(ch)) return true;
  }
  return false;
}

/** A slog text key or string value: bare when safe, else strconv.Quote'd. */
export function slogText(s: string): string {
  return slogNeedsQuoting(s) ? goQuote(s) : s;
}

/** The metadata as Go's json.Marshal writes it (key order of external-api.md §2). */
function metadataJson(meta: Meta): string {
  return goStringify({
    remote: meta.remote,
    local: meta.local,
    scheme: meta.scheme,
    'User-Agent': meta['User-Agent'],
    Origin: meta.Origin,
  });
}

/** Go's json.Marshal of a decoded interface{}: compact, HTML-escaped, object keys sorted by bytes. */
export function goMarshal(v: Json | undefined): string {
  if (Array.isArray(v)) return '[' + v.map(goMarshal).join(',') + ']';
  // Built by hand: a JS object would put integer-like keys first whatever the insertion order.
  if (isJsonObject(v)) return '{' + Object.keys(v).sort(byCodePoint).map((k) => goStringify(k) + ':' + goMarshal(v[k])).join(',') + '}';
  return goStringify(v ?? null);
}

/** Go sorts map keys by UTF-8 bytes, i.e. by code point (UTF-16 order differs above the BMP). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * The audit file opened for append; each line is written synchronously with `\n`. A new file is created with
 * mode 0600, not clef's 0644: it holds request bodies (messages, transactions, typed data). An existing file is
 * left as it is (log shippers may rely on its mode), but `warn` is told when group or others can access it.
 */
export async function openAuditFile(
  path: string,
  warn?: (message: string, ctx: Record<string, unknown>) => void,
): Promise<{ write(line: string): void; close(): Promise<void> }> {
  const fd = openSync(path, 'a', 0o600);
  if (process.platform !== 'win32') {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      warn?.('Audit log is accessible by other users; it holds request bodies', { file: path, mode: '0' + mode.toString(8), fix: `chmod 600 ${path}` });
    }
  }
  let open = true;
  return {
    write(line: string): void {
      if (!open) throw new Error(`audit log ${path} is closed`);
      writeSync(fd, line + '\n');
    },
    async close(): Promise<void> {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
