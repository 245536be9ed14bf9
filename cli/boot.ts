// clef's `initialize` (cli.md §4.1): the legal boot warning with its `ok` confirmation, then the logger.
// Unlike clef the confirmation is read through the shared terminal buffer, so piped input after `ok` (passwords)
// reaches the later prompts instead of vanishing into a private read-ahead buffer.
import type { ClefLogger } from '../adapters/log/clef-logger.ts';
import type { Terminal } from '../adapters/terminal/terminal.ts';
import { ExitError, type Writer } from './context.ts';
import { errorMessage } from '../core/errors.ts';

/** Commands whose stdout is data a script captures: their logs leave stdout when it is not a terminal. */
const DATA_COMMANDS = new Set(['list-accounts', 'list-wallets']);

/**
 * Where log lines go: stderr with --stdio-ui (stdout is the UI channel), --log.stderr or --json, and for the data
 * commands whenever stdout is not a terminal; otherwise stdout, as clef.
 */
export function logsToStderr(o: { stdioUi: boolean; logStderr: boolean; json: boolean }, command: string | null, stdoutIsTty: boolean): boolean {
  if (o.stdioUi || o.logStderr || o.json) return true;
  return command !== null && DATA_COMMANDS.has(command) && !stdoutIsTty;
}

/** The boot warning, as clef prints it. */
const LEGAL_WARNING = `
WARNING!

Clef is an account management tool. It may, like any software, contain bugs.

Please take care to
- backup your keystore files,
- verify that the keystore(s) can be opened with your password.

Clef is distributed in the hope that it will be useful, but WITHOUT ANY
WARRANTY; without even the implied warranty of MERCHANTABILITY or FITNESS
FOR A PARTICULAR PURPOSE. See the GNU General Public License for more details.
`;

/** The confirmation request printed after the warning. */
const CONFIRM_PROMPT = "\nEnter 'ok' to proceed:\n> ";

/** What `initialize` needs. */
export interface BootSettings {
  stdioUi: boolean;
  /** Logs (and then the boot warning and its prompt too) go to stderr, keeping stdout for data. */
  logToStderr?: boolean;
  suppressBootwarn: boolean;
  loglevel: number;
  terminal: Terminal;
  logger: ClefLogger;
  stdout: Writer;
  stderr: Writer;
  /** ANSI colours in log lines (stderr is a TTY and TERM is not dumb). */
  color: boolean;
}

/**
 * Shows the warning and waits for `ok` (unless suppressed; with --stdio-ui the warning goes to stderr and no
 * confirmation is asked), then configures the logger (stdout, or stderr with --stdio-ui or `logToStderr`).
 * Throws `aborted by user` for any other answer; at end of input logs CRIT `Failed to read user input` and throws
 * ExitError(1).
 */
export async function initialize(s: BootSettings): Promise<void> {
  const toStderr = s.stdioUi || s.logToStderr === true;
  const logOutput = toStderr ? s.stderr : s.stdout;
  const configure = (): void => s.logger.configure({ write: logOutput, level: s.loglevel, color: s.color });
  const say = toStderr ? s.stderr : (text: string) => s.terminal.write(text);
  if (s.stdioUi) {
    if (!s.suppressBootwarn) s.stderr(LEGAL_WARNING);
  } else if (!s.suppressBootwarn) {
    say(LEGAL_WARNING);
    say(CONFIRM_PROMPT);
    let answer: string | null;
    try {
      answer = await s.terminal.readLine();
    } catch (err) {
      throw new Error(`Failed to read user input: ${errorMessage(err)}`);
    }
    if (answer === null) {
      // clef logged this before its logger existed, so the user saw nothing; say it.
      configure();
      s.logger.crit('Failed to read user input', { err: 'EOF' });
      throw new ExitError(1, 'Failed to read user input: EOF');
    }
    if (answer.trim() !== 'ok') throw new Error('aborted by user');
    (toStderr ? s.stderr : s.stdout)('\n');
  }
  configure();
}
