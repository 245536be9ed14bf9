// The Logger port in clef's terminal format (cli.md §4.2–4.3, go-ethereum's TerminalHandler):
// `INFO [MM-DD|HH:MM:SS.mmm] message                                  key=value key2="quoted value"`.
// Records are discarded until `configure()` runs (clef configures its logger only after the boot warning).
import { goQuote } from '../../core/gojson.ts';
import type { LogAttrs, Logger } from '../../core/ports.ts';

/** Log levels, most severe first; the number is clef's `--loglevel` value. */
const LogLevel = { crit: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 } as const;
export type LogLevelName = keyof typeof LogLevel;

const LEVEL_TEXT: Record<LogLevelName, string> = {
  crit: 'CRIT ',
  error: 'ERROR',
  warn: 'WARN ',
  info: 'INFO ',
  debug: 'DEBUG',
  trace: 'TRACE',
};

const LEVEL_COLOR: Record<LogLevelName, string> = {
  crit: '\x1b[35m',
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  debug: '\x1b[36m',
  trace: '\x1b[34m',
};

/** Width messages are padded to when attributes follow. */
const MSG_JUSTIFY = 40;
/** Values longer than this do not widen their key's column. */
const MAX_PADDING = 40;

/** Where and how records are written once the logger is configured. */
export interface LogSinkOptions {
  write(text: string): void;
  /** clef's `--loglevel`: >5 behaves as 5, negative as 0. */
  level: number;
  color: boolean;
  /** Local time source (defaults to `new Date()`). */
  now?: () => Date;
}

/** clef's colour rule: stderr is a terminal and TERM is not `dumb` (even though logs may go to stdout). */
export function useColor(stderrIsTty: boolean, term: string | undefined): boolean {
  return stderrIsTty && term !== 'dumb';
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `MM-DD|HH:MM:SS.mmm` in local time. */
export function formatLogTime(d: Date): string {
  return (
    `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}|${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}` +
    `.${String(d.getMilliseconds()).padStart(3, '0')}`
  );
}

/** The message rule: quoted only when it holds control characters (other than CR/LF/TAB), non-ASCII or `=`. */
export function escapeMessage(s: string): string {
  for (const ch of s) {
    if (ch === '\r' || ch === '\n' || ch === '\t') continue;
    if (ch < ' ' || ch > '~' || ch === '=') return goQuote(s);
  }
  return s;
}

/** The key/value rule: Go-quoted when it holds `"`, control or non-ASCII characters; plain quotes for spaces or `=`. */
export function escapeValue(s: string): string {
  let quote = false;
  for (const ch of s) {
    if (ch === ' ' || ch === '=') {
      quote = true;
      continue;
    }
    if (ch <= '"' || ch > '~') return goQuote(s);
  }
  return quote ? `"${s}"` : s;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Integers below 100000 print plainly, larger ones with thousands separators (geth's log format). */
function formatInteger(n: bigint): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const text = abs < 100000n ? abs.toString() : groupThousands(abs.toString());
  return neg ? `-${text}` : text;
}

/** Go's time.Duration.String() of a span given in milliseconds: `850ns`, `52.3µs`, `1.234567ms`, `2.5s`, `1m3.2s`. */
export function goDuration(ms: number): string {
  const ns = Math.max(0, Math.round(ms * 1e6));
  const trim = (x: number, digits: number): string => x.toFixed(digits).replace(/\.?0+$/, '');
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3, 3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6, 6)}ms`;
  const totalSeconds = ns / 1e9;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const sec = trim(totalSeconds - h * 3600 - m * 60, 9);
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** Renders an attribute value as geth's terminal handler does. */
export function formatLogValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return formatInteger(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return formatInteger(BigInt(v));
    return v.toFixed(3);
  }
  if (typeof v === 'string') return escapeValue(v);
  if (v instanceof Error) return escapeValue(v.message);
  if (v instanceof Date) return escapeValue(v.toISOString());
  if (v instanceof Uint8Array) return escapeValue(`[${Array.from(v).join(' ')}]`);
  if (Array.isArray(v)) return escapeValue(`[${v.map((x) => formatLogValue(x)).join(' ')}]`);
  const s = String(v);
  return escapeValue(s === '[object Object]' ? JSON.stringify(v) : s);
}

/** clef's Logger: records in the terminal format, discarded before `configure()`. */
export class ClefLogger implements Logger {
  private sink: LogSinkOptions | null = null;
  /** Per-key column width (geth pads a value to the widest value seen for that key, up to 40). */
  private readonly fieldPadding = new Map<string, number>();

  /** Starts output (clef's `initialize`); until then every record is dropped. */
  configure(sink: LogSinkOptions): void {
    this.sink = sink;
  }

  /** True once `configure()` ran. */
  get configured(): boolean {
    return this.sink !== null;
  }

  /** Whether a record of this level would be written. */
  enabled(level: LogLevelName): boolean {
    if (!this.sink) return false;
    const max = Math.min(Math.max(this.sink.level, 0), 5);
    return LogLevel[level] <= max;
  }

  /** Formats one record (no level filtering). */
  format(level: LogLevelName, msg: string, attrs: LogAttrs | undefined, time: Date, color: boolean): string {
    const c = color ? LEVEL_COLOR[level] : '';
    let out = c ? `${c}${LEVEL_TEXT[level]}\x1b[0m` : LEVEL_TEXT[level];
    out += `[${formatLogTime(time)}] `;
    const m = escapeMessage(msg);
    out += m;
    const entries = attrs ? Object.entries(attrs) : [];
    if (entries.length > 0 && m.length < MSG_JUSTIFY) out += ' '.repeat(MSG_JUSTIFY - m.length);
    entries.forEach(([key, value], i) => {
      const k = escapeValue(key);
      out += c ? ` ${c}${k}\x1b[0m=` : ` ${k}=`;
      const val = formatLogValue(value);
      const length = [...val].length;
      let padding = this.fieldPadding.get(key) ?? 0;
      if (padding < length && length <= MAX_PADDING) {
        padding = length;
        this.fieldPadding.set(key, padding);
      }
      out += val;
      if (i < entries.length - 1 && padding > length) out += ' '.repeat(padding - length);
    });
    return out + '\n';
  }

  private log(level: LogLevelName, msg: string, attrs?: LogAttrs): void {
    if (!this.sink || !this.enabled(level)) return;
    this.sink.write(this.format(level, msg, attrs, this.sink.now ? this.sink.now() : new Date(), this.sink.color));
  }

  crit(msg: string, attrs?: LogAttrs): void {
    this.log('crit', msg, attrs);
  }
  error(msg: string, attrs?: LogAttrs): void {
    this.log('error', msg, attrs);
  }
  warn(msg: string, attrs?: LogAttrs): void {
    this.log('warn', msg, attrs);
  }
  info(msg: string, attrs?: LogAttrs): void {
    this.log('info', msg, attrs);
  }
  debug(msg: string, attrs?: LogAttrs): void {
    this.log('debug', msg, attrs);
  }
  trace(msg: string, attrs?: LogAttrs): void {
    this.log('trace', msg, attrs);
  }
}

/** What a JSON-RPC server reports per served call (adapters/transport/jsonrpc.ts ServedCall). */
interface ServedCallLike {
  method: string;
  /** Raw JSON text of the id; absent for a notification. */
  id?: string;
  durationMs: number;
  error?: { message: string; data?: unknown };
}

/**
 * geth's per-call log line: DEBUG `Served <method> reqid=<id> duration=<d>`, or WARN with `err=` (and `errdata=`)
 * when the answer is an error. A string id is logged unquoted, as geth prints its raw value.
 */
export function servedLogger(logger: Logger): (served: ServedCallLike) => void {
  return ({ method, id, durationMs, error }) => {
    const attrs: Record<string, unknown> = {};
    if (id !== undefined) attrs.reqid = unquoteId(id);
    attrs.duration = goDuration(durationMs);
    if (!error) {
      logger.debug(`Served ${method}`, attrs);
      return;
    }
    attrs.err = error.message;
    if (error.data !== undefined) attrs.errdata = typeof error.data === 'string' ? error.data : JSON.stringify(error.data);
    logger.warn(`Served ${method}`, attrs);
  };
}

function unquoteId(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw;
  }
}
