// The Terminal over the process's stdin/stdout. One shared byte buffer serves every reader (boot confirmation,
// password prompts, approval answers), so piped input is consumed line by line in order and nothing is lost to a
// private read-ahead buffer, unlike clef. On a TTY passwords are read in raw mode without echo; on a pipe the
// password is echoed after clef's one-time warning. End of input rejects at once: nothing waits for a terminal
// that is not there.
import type { CancelSignal } from '../../core/ports.ts';
import type { Terminal } from './terminal.ts';

/** The readable side: process.stdin or a test double. */
export interface TerminalInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', cb: (chunk: Uint8Array | string) => void): unknown;
  on(event: 'end', cb: () => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  removeListener(event: 'data', cb: (chunk: Uint8Array | string) => void): unknown;
  removeListener(event: 'end', cb: () => void): unknown;
  removeListener(event: 'error', cb: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy?(): unknown;
  unref?(): unknown;
}

/** A line of input (a password, an answer, a stdio-UI message) longer than the terminal's limit. */
export class InputTooLongError extends Error {
  constructor(limit: number) {
    super(`input line longer than ${limit >= 1 << 20 && limit % (1 << 20) === 0 ? `${limit / (1 << 20)} MiB` : `${limit} bytes`}`);
    this.name = 'InputTooLongError';
  }
}

/** Default longest input line (prompts, passwords, approvals): 1 MiB. Under --stdio-ui main raises it. */
const DEFAULT_LINE_LIMIT = 1 << 20;

/** A writable stream for the spinner (stderr). */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Reading stopped because stdin is exhausted (message `EOF`, as Go's io.EOF). */
export class EndOfInputError extends Error {
  constructor() {
    super('EOF');
    this.name = 'EndOfInputError';
  }
}

/** The user pressed Ctrl-C at a no-echo prompt (liner's `prompt aborted`). */
export class PromptAbortedError extends Error {
  constructor() {
    super('prompt aborted');
    this.name = 'PromptAbortedError';
  }
}

/** clef's notice before the first echoed password read from a non-terminal. */
export const UNSUPPORTED_TERMINAL_WARNING = '!! Unsupported terminal, password will be echoed.\n';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

type Pending = () => boolean;

/** Terminal over stdin/stdout with one shared line buffer. */
export class StdioTerminal implements Terminal {
  readonly interactive: boolean;
  private out: (text: string) => void;
  private readonly input: TerminalInput;
  private readonly progress: ProgressOutput | null;
  private buf = new Uint8Array(0);
  private eof = false;
  private readError: Error | null = null;
  private listening = false;
  private closed = false;
  private readonly queue: Pending[] = [];
  private warned = false;
  /** Called when Ctrl-C is typed at a no-echo prompt (raw mode, so no SIGINT was raised); the read also rejects. */
  onInterrupt: (() => void) | null = null;
  /** Read stdin even when nobody waits (a TTY after discardTypeahead), so type-ahead reaches the buffer. */
  private continuous = false;
  private lineLimit: number;

  constructor(opts: { input: TerminalInput; write: (text: string) => void; progress?: ProgressOutput | null; lineLimit?: number }) {
    this.lineLimit = opts.lineLimit ?? DEFAULT_LINE_LIMIT;
    this.input = opts.input;
    this.out = opts.write;
    this.progress = opts.progress ?? null;
    this.interactive = opts.input.isTTY === true;
  }

  /** Redirects prompts (stdout normally; stderr under --stdio-ui). */
  setOutput(write: (text: string) => void): void {
    this.out = write;
  }

  write(text: string): void {
    this.out(text);
  }

  /**
   * Sets the longest line accepted (bytes, terminator excluded). Input that goes on longer without a newline
   * (`clef init < /dev/zero`) stops the reading: the pending and every later read fail with InputTooLongError.
   */
  setLineLimit(bytes: number): void {
    this.lineLimit = bytes;
  }

  /** One line without its terminator; null at end of input; rejects with InputTooLongError on an overlong line. */
  async readLine(signal?: CancelSignal): Promise<string | null> {
    const r = await this.readLineOrError(signal);
    if (r instanceof Error) throw r;
    return r;
  }

  private readLineOrError(signal?: CancelSignal): Promise<string | null | Error> {
    return this.enqueue<string | null | Error>(signal, (resolve) => {
      if (this.readError instanceof InputTooLongError) {
        resolve(this.readError);
        return true;
      }
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const old = this.buf;
        const end = nl > 0 && old[nl - 1] === 0x0d ? nl - 1 : nl;
        const line = decode(old.subarray(0, end));
        this.buf = old.slice(nl + 1);
        old.fill(0);
        resolve(line);
        return true;
      }
      if (this.eof || this.readError) {
        // A final line without its terminator still counts.
        if (this.buf.length > 0) {
          const rest = this.buf;
          this.buf = new Uint8Array(0);
          resolve(decode(rest));
          rest.fill(0);
        } else resolve(null);
        return true;
      }
      return false;
    });
  }

  async readPassword(prompt: string, signal?: CancelSignal): Promise<string> {
    if (this.interactive && this.input.setRawMode) return this.readHidden(prompt, signal);
    if (!this.warned) {
      this.warned = true;
      this.out(UNSUPPORTED_TERMINAL_WARNING);
    }
    this.out(prompt);
    let line: string | null;
    try {
      line = await this.readLine(signal);
    } finally {
      this.out('\n');
    }
    if (line === null) throw this.readError ?? new EndOfInputError();
    return line;
  }

  discardTypeahead(): void {
    if (!this.interactive || this.closed) return;
    this.continuous = true;
    if (!this.eof && !this.readError) this.startReading();
    this.buf.fill(0);
    this.buf = new Uint8Array(0);
  }

  /** A no-echo read on a TTY: raw mode, backspace edits, Ctrl-C aborts, Ctrl-D on an empty line is EOF. */
  private async readHidden(prompt: string, signal?: CancelSignal): Promise<string> {
    this.out(prompt);
    this.input.setRawMode!(true);
    let typed: number[] = [];
    try {
      const result = await this.enqueue<string | Error>(signal, (resolve) => {
        let i = 0;
        for (; i < this.buf.length; i++) {
          const b = this.buf[i];
          if (b === 0x0d || b === 0x0a) {
            this.buf = this.buf.slice(i + 1);
            resolve(decode(Uint8Array.from(typed)));
            return true;
          }
          if (b === 0x03) {
            this.buf = this.buf.slice(i + 1);
            // Raw mode turned Ctrl-C into a byte: whoever treats it as an interrupt (the daemon) hears it first.
            this.onInterrupt?.();
            resolve(new PromptAbortedError());
            return true;
          }
          if (b === 0x04 && typed.length === 0) {
            this.buf = this.buf.slice(i + 1);
            resolve(new EndOfInputError());
            return true;
          }
          if (b === 0x7f || b === 0x08) {
            // Drop one UTF-8 character (its continuation bytes first).
            while (typed.length > 0 && (typed[typed.length - 1] & 0xc0) === 0x80) typed.pop();
            typed.pop();
          } else if (b === 0x15) typed = []; // Ctrl-U clears the line
          else if (b >= 0x20 || b === 0x09) typed.push(b);
          if (typed.length > this.lineLimit) {
            this.buf = this.buf.slice(i + 1);
            typed.fill(0);
            typed = [];
            resolve(new InputTooLongError(this.lineLimit));
            return true;
          }
        }
        this.buf = this.buf.slice(i);
        if (this.eof || this.readError) {
          resolve(this.readError instanceof InputTooLongError ? this.readError : typed.length > 0 ? decode(Uint8Array.from(typed)) : (this.readError ?? new EndOfInputError()));
          return true;
        }
        return false;
      });
      if (result instanceof Error) throw result;
      return result;
    } finally {
      typed.fill(0);
      this.input.setRawMode!(false);
      this.out('\n');
    }
  }

  /**
   * Runs `work` and, when stderr is a terminal and the work takes a noticeable time, shows `label` with a spinner
   * on stderr (used while a standard-strength scrypt runs). Stdout is never touched.
   */
  async withProgress<T>(label: string, work: Promise<T>): Promise<T> {
    if (!this.progress?.isTTY) return work;
    const progress = this.progress;
    let frame = 0;
    let shown = false;
    const tick = (): void => {
      shown = true;
      progress.write(`\r${label} ${SPINNER[frame++ % SPINNER.length]}`);
    };
    let interval: ReturnType<typeof setInterval> | undefined;
    const delay = setTimeout(() => {
      tick();
      interval = setInterval(tick, 100);
    }, 300);
    try {
      return await work;
    } finally {
      clearTimeout(delay);
      if (interval) clearInterval(interval);
      if (shown) progress.write('\r\x1b[K');
    }
  }

  /** Stops reading stdin so the process can exit; pending reads see end of input. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.listening) {
      this.input.removeListener('data', this.onData);
      this.input.removeListener('end', this.onEnd);
      this.input.removeListener('error', this.onError);
      this.input.pause();
      if (this.interactive) this.input.setRawMode?.(false);
    }
    // A paused stdin pipe that was read from can still hold the event loop open (node), so a daemon stopped by a
    // signal while its stdin stays connected would never exit: let go of the handle.
    this.input.unref?.();
    this.eof = true;
    this.pump();
  }

  /** Queues a read; an abort of `signal` before it is served withdraws it (rejecting with the reason). */
  private enqueue<T>(signal: CancelSignal | undefined, attempt: (resolve: (v: T) => void) => boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = (): void => {
        const i = this.queue.indexOf(entry);
        if (i < 0) return;
        this.queue.splice(i, 1);
        reject(abortReason(signal!));
        this.pump();
      };
      const entry: Pending = () =>
        attempt((v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
      this.pump();
    });
  }

  /** Serves queued reads in order from the buffer; reads more input only while someone waits. */
  private pump(): void {
    while (this.queue.length > 0) {
      if (!this.queue[0]()) break;
      this.queue.shift();
    }
    if ((this.queue.length > 0 || this.continuous) && !this.eof && !this.readError) this.startReading();
    else if (this.listening && !this.closed) this.input.pause();
  }

  private readonly onData = (chunk: Uint8Array | string): void => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    const next = new Uint8Array(this.buf.length + bytes.length);
    next.set(this.buf);
    next.set(bytes, this.buf.length);
    this.buf.fill(0);
    this.buf = next;
    if (next.length > this.lineLimit) {
      const nl = next.indexOf(0x0a);
      if (nl < 0 || nl > this.lineLimit) this.overflow();
    }
    this.pump();
  };

  private readonly onEnd = (): void => {
    this.eof = true;
    this.pump();
  };

  private readonly onError = (err: Error): void => {
    this.readError = err;
    this.pump();
  };

  /** An overlong line: drop it, stop reading, fail every pending and later read. */
  private overflow(): void {
    this.buf.fill(0);
    this.buf = new Uint8Array(0);
    this.readError = new InputTooLongError(this.lineLimit);
    if (this.listening) {
      this.input.removeListener('data', this.onData);
      this.input.pause();
      this.input.unref?.();
    }
  }

  private startReading(): void {
    if (!this.listening) {
      this.listening = true;
      this.input.on('data', this.onData);
      this.input.on('end', this.onEnd);
      this.input.on('error', this.onError);
    }
    this.input.resume();
  }
}

function abortReason(signal: CancelSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'read cancelled'));
}

function decode(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** The terminal of this process: stdin, prompts to stdout, spinner on stderr. */
export function processTerminal(): StdioTerminal {
  return new StdioTerminal({
    input: process.stdin as unknown as TerminalInput,
    write: (text) => {
      process.stdout.write(text);
    },
    progress: process.stderr,
  });
}
