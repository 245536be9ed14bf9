// clef's audit log (ui-api.md §9, cli.md §7.5): a decorator of the external API's method table (core/api.ts) that
// writes one request and one response line per call in Go log/slog text format (`time=… level=INFO msg=<Method>
// api=signer …`). Fields come from the decoded arguments (struct dumps: the params as received) and the result or
// error. account_new and rpc_modules are not logged, and — as in clef, where the log sat behind Go's argument
// decoding — neither are calls whose arguments fail to decode: they never reach the decorated method.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { toChecksumAddress, toHexRaw } from '../../core/bytes.ts';
import { errorMessage } from '../../core/errors.ts';
import { goQuote, goStringify, isJsonObject, type MixedcaseAddress } from '../../core/gojson.ts';
import type { Json } from '../../core/gojson.ts';
import type { Clock, Meta } from '../../core/ports.ts';
import { RawJson, type MethodTable, type RpcMethod } from '../../core/rpc.ts';

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

/** What one method logs: its slog message, request attributes (from the decoded call) and response attributes. */
interface MethodLog {
  msg: string;
  /** Request attributes after `type=request metadata=…`, from the decoded arguments and the params as received. */
  request(args: unknown[], params: Json[], formats: AuditFormats): Attr[];
  /** Response attributes after `type=response`. */
  response(outcome: { ok: true; result: Json } | { ok: false; error: unknown }): Attr[];
}

const NIL = '<nil>';
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** Go `%+v` of an error value: its message, `<nil>` when none. */
const errorAttr = (o: { ok: boolean; error?: unknown }): Attr => ['error', o.ok ? NIL : errorMessage(o.error)];

/** A decoded address argument in the display form. */
const addressDisplay = (v: unknown): string => (v as MixedcaseAddress).display();

/** A decoded optional string argument (method selector): null → `<nil>`. */
const optionalString = (v: unknown): string => (v === null ? NIL : (v as string));

/** A struct argument as received (null stays null: Go decoded it to the zero value). */
const received = (v: Json | undefined): Json => v ?? null;

/** `0x…` hex result → hex without `0x` (common.Bytes2Hex). */
const strip0x = (v: Json): string => (typeof v === 'string' ? v.replace(/^0x/i, '').toLowerCase() : '');

const METHODS: Record<string, MethodLog> = {
  account_list: {
    msg: 'List',
    request: () => [],
    // Go's %+v of []common.Address; denial or error log the nil slice `[]` and no error attribute (clef quirk).
    response: (o) => {
      const list = o.ok && Array.isArray(o.result) ? o.result.map((a) => toChecksumAddress(String(a))) : [];
      return [['data', `[${list.join(' ')}]`]];
    },
  },
  account_signTransaction: {
    msg: 'SignTransaction',
    request: (a, p, f) => [
      ['tx', f.tx ? f.tx(received(p[0])) : goStringify(received(p[0]))],
      ['methodSelector', optionalString(a[1])],
    ],
    response: (o) => {
      if (o.ok && isJsonObject(o.result)) return [['data', strip0x(o.result.raw ?? '')], errorAttr(o)];
      return [['data', NIL], errorAttr(o)];
    },
  },
  account_signData: {
    msg: 'SignData',
    request: (a, p) => [
      ['addr', addressDisplay(a[1])],
      ['data', { bytes: goMarshal(p[2]) }],
      ['content-type', a[0] as string],
    ],
    response: (o) => [['data', o.ok ? strip0x(o.result) : ''], errorAttr(o)],
  },
  account_signTypedData: {
    msg: 'SignTypedData',
    // clef dumped Go's %+v of its TypedData struct (with memory addresses); we write the compact JSON instead.
    request: (a, p) => [
      ['addr', addressDisplay(a[0])],
      ['data', goStringify(received(p[1]))],
    ],
    response: (o) => [['data', o.ok ? strip0x(o.result) : ''], errorAttr(o)],
  },
  account_signGnosisSafeTx: {
    msg: 'SignGnosisSafeTx',
    request: (a, p, f) => [
      ['addr', addressDisplay(a[0])],
      ['data', f.gnosisTx ? f.gnosisTx(received(p[1])) : goStringify(received(p[1]))],
      ['selector', optionalString(a[2])],
    ],
    response: (o) => [['data', o.ok && o.result !== null ? goStringify(o.result) : NIL], errorAttr(o)],
  },
  account_ecRecover: {
    msg: 'EcRecover',
    request: (a) => [
      ['data', toHexRaw(a[0] as Uint8Array)],
      ['sig', toHexRaw(a[1] as Uint8Array)],
    ],
    response: (o) => [['address', o.ok ? toChecksumAddress(String(o.result)) : ZERO_ADDRESS], errorAttr(o)],
  },
  account_version: {
    msg: 'Version',
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

  /**
   * Decorates the external API's method table (clef's auditlog.go wraps its ExternalAPI the same way): every
   * audited method writes a request line with its decoded call before it runs and a response line after.
   * Calls whose arguments do not decode never reach a method, so they are not logged (as in clef).
   */
  decorate(table: MethodTable): MethodTable {
    const out = new Map<string, RpcMethod>();
    for (const [name, method] of table) {
      const spec = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
      out.set(name, spec ? this.audited(spec, method) : method);
    }
    return out;
  }

  private audited(spec: MethodLog, method: RpcMethod): RpcMethod {
    return {
      params: method.params,
      run: async (args, call) => {
        this.log(spec.msg, [['type', 'request'], ['metadata', metadataJson(call.meta)], ...spec.request(args, call.params, this.formats)]);
        let result: Json | RawJson;
        try {
          result = await method.run(args, call);
        } catch (error) {
          this.log(spec.msg, [['type', 'response'], ...spec.response({ ok: false, error })]);
          throw error;
        }
        const json = result instanceof RawJson ? (JSON.parse(result.text) as Json) : result;
        this.log(spec.msg, [['type', 'response'], ...spec.response({ ok: true, result: json })]);
        return result;
      },
    };
  }

  private log(msg: string, attrs: Attr[]): void {
    this.sink.write(slogLine(this.clock.now(), msg, [['api', 'signer'], ...attrs]));
  }
}

/** One slog text record at level INFO. */
function slogLine(timeMs: number, msg: string, attrs: Attr[]): string {
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
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u < 0x80) {
      if (u === 0x20 || u === 0x3d || u === 0x22 || u < 0x20) return true;
      continue;
    }
    const c = s.codePointAt(i)!;
    const ch = c > 0xffff ? s.slice(i, i + 2) : s[i];
    if (c > 0xffff) i++; // the low surrogate belongs to this code point
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

/** Go's json.Marshal of a decoded interface{}: compact, HTML-escaped, object keys sorted by bytes; any depth. */
export function goMarshal(v: Json | undefined): string {
  return goStringify(v ?? null, byCodePoint);
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
