// The terminal seen by the CLI commands and the console UI: one place that reads lines and passwords from stdin
// and writes prompts, so every consumer shares one buffered reader (clef's separate readers lost piped input).
import type { CancelSignal } from '../../core/ports.ts';

export interface Terminal {
  /** True when stdin is a TTY (passwords are then read without echo). */
  readonly interactive: boolean;
  /** Writes text to the UI stream (stdout; stderr with --stdio-ui). */
  write(text: string): void;
  /**
   * Reads one line without its terminator; null at end of input (a final unterminated line is returned). Rejects
   * when the line is longer than the terminal accepts (1 MiB by default). When `signal` aborts first, the read is
   * withdrawn (the next line goes to the next reader) and rejects with its reason.
   */
  readLine(signal?: CancelSignal): Promise<string | null>;
  /**
   * Prints `prompt` and reads a password: no echo on a TTY; on a pipe the first call prints
   * `!! Unsupported terminal, password will be echoed.` and reads one line. Rejects at end of input.
   */
  readPassword(prompt: string, signal?: CancelSignal): Promise<string>;
  /**
   * Drops input typed before a question is asked, on a TTY only (a stray `y` must not answer the next approval);
   * from then on stdin is read continuously so type-ahead is seen. On a pipe nothing is dropped: scripted answers
   * are read one line per prompt, in order.
   */
  discardTypeahead(): void;
}
