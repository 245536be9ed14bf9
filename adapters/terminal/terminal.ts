// The terminal seen by the CLI commands and the console UI: one place that reads lines and passwords from stdin
// and writes prompts, so every consumer shares one buffered reader (clef's separate readers lost piped input).

export interface Terminal {
  /** True when stdin is a TTY (passwords are then read without echo). */
  readonly interactive: boolean;
  /** Writes text to the UI stream (stdout; stderr with --stdio-ui). */
  write(text: string): void;
  /**
   * Reads one line without its terminator; null at end of input (a final unterminated line is returned). Rejects
   * when the line is longer than the terminal accepts (1 MiB by default).
   */
  readLine(): Promise<string | null>;
  /**
   * Prints `prompt` and reads a password: no echo on a TTY; on a pipe the first call prints
   * `!! Unsupported terminal, password will be echoed.` and reads one line. Rejects at end of input.
   */
  readPassword(prompt: string): Promise<string>;
}
