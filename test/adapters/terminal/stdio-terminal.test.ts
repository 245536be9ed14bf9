// The shared-buffer terminal: lines in order across readers, CRLF and a final unterminated line, EOF rejects at
// once, the one-time echo warning on a pipe, no-echo raw mode on a TTY (backspace, Ctrl-C, Ctrl-D).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { EndOfInputError, PromptAbortedError, StdioTerminal, UNSUPPORTED_TERMINAL_WARNING } from '../../../adapters/terminal/stdio-terminal.ts';

class FakeInput extends EventEmitter {
  isTTY: boolean;
  raw: boolean[] = [];
  paused = true;
  constructor(tty = false) {
    super();
    this.isTTY = tty;
  }
  setRawMode(mode: boolean): this {
    this.raw.push(mode);
    return this;
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  feed(text: string): void {
    this.emit('data', new TextEncoder().encode(text));
  }
  end(): void {
    this.emit('end');
  }
}

function make(tty = false): { input: FakeInput; out: string[]; term: StdioTerminal } {
  const input = new FakeInput(tty);
  const out: string[] = [];
  const term = new StdioTerminal({ input, write: (t) => out.push(t) });
  return { input, out, term };
}

test('lines are served in order from one buffer, whatever the chunking', async () => {
  const { input, term } = make();
  const a = term.readLine();
  const b = term.readPassword('Password: ');
  const c = term.readLine();
  input.feed('o');
  input.feed('k\nsec');
  input.feed('ret\r\nlast');
  input.end();
  assert.equal(await a, 'ok');
  assert.equal(await b, 'secret');
  assert.equal(await c, 'last'); // a final line without terminator counts
  assert.equal(await term.readLine(), null);
});

test('data arriving in one chunk is not lost between consumers (clef lost it)', async () => {
  const { input, term } = make();
  // Nothing is read yet: the terminal only listens while someone waits.
  assert.equal(input.listenerCount('data'), 0);
  const first = term.readLine();
  assert.equal(input.listenerCount('data'), 1);
  input.feed('ok\npw1\npw2\n');
  assert.equal(await first, 'ok');
  assert.equal(input.paused, true, 'paused again when no reader waits');
  assert.equal(await term.readPassword('> '), 'pw1');
  assert.equal(await term.readPassword('> '), 'pw2');
});

test('on a pipe: the echo warning once, the prompt, a newline after each password', async () => {
  const { input, out, term } = make();
  const p1 = term.readPassword('Password: ');
  input.feed('a\nb\n');
  assert.equal(await p1, 'a');
  assert.equal(await term.readPassword('Repeat password: '), 'b');
  assert.deepEqual(out, [UNSUPPORTED_TERMINAL_WARNING, 'Password: ', '\n', 'Repeat password: ', '\n']);
  assert.equal(UNSUPPORTED_TERMINAL_WARNING, '!! Unsupported terminal, password will be echoed.\n');
});

test('end of input rejects a password read at once with EOF', async () => {
  const { input, term } = make();
  const p = term.readPassword('Password: ');
  input.end();
  await assert.rejects(p, (e: unknown) => e instanceof EndOfInputError && e.message === 'EOF');
  await assert.rejects(term.readPassword('again: '), EndOfInputError);
});

test('close() ends pending reads and detaches from the input', async () => {
  const { input, term } = make();
  const p = term.readLine();
  assert.equal(input.listenerCount('data'), 1);
  term.close();
  assert.equal(await p, null);
  assert.equal(input.listenerCount('data'), 0);
});

test('on a TTY: raw mode, no echo, backspace edits, raw mode restored', async () => {
  const { input, out, term } = make(true);
  assert.equal(term.interactive, true);
  const p = term.readPassword('Password: ');
  input.feed('secX');
  input.feed('\x7fret\r');
  assert.equal(await p, 'secret');
  assert.deepEqual(input.raw, [true, false]);
  assert.deepEqual(out, ['Password: ', '\n']); // the typed characters are never written
  const q = term.readPassword('Password: ');
  input.feed('\x03');
  await assert.rejects(q, PromptAbortedError);
  const r = term.readPassword('Password: ');
  input.feed('\x04');
  await assert.rejects(r, EndOfInputError);
  assert.deepEqual(input.raw, [true, false, true, false, true, false]);
});

test('withProgress passes the result through and stays silent off a TTY', async () => {
  const writes: string[] = [];
  const input = new FakeInput();
  const term = new StdioTerminal({ input, write: () => {}, progress: { isTTY: false, write: (t) => writes.push(t) } });
  assert.equal(await term.withProgress('Working', Promise.resolve(42)), 42);
  await assert.rejects(term.withProgress('Working', Promise.reject(new Error('boom'))), /boom/);
  assert.deepEqual(writes, []);
});

test('a withdrawn read leaves the next line to the next reader; a hidden read restores the terminal', async () => {
  const { input, term } = make();
  const ac = new AbortController();
  const dead = term.readLine(ac.signal);
  const next = term.readLine();
  ac.abort(new Error('request timed out waiting for approval (1 s)'));
  await assert.rejects(dead, /timed out/);
  input.feed('y\n');
  assert.equal(await next, 'y', 'the answer reaches the live reader');
  const pre = new AbortController();
  pre.abort(new Error('gone'));
  await assert.rejects(term.readLine(pre.signal), /gone/);

  const tty = make(true);
  const hidden = new AbortController();
  const pw = tty.term.readPassword('> ', hidden.signal);
  tty.input.feed('sec');
  hidden.abort(new Error('shutting down'));
  await assert.rejects(pw, /shutting down/);
  assert.deepEqual(tty.input.raw, [true, false]);
  tty.input.feed('ret\n');
  assert.equal(await tty.term.readLine(), 'ret', 'the withdrawn password is dropped; later input reaches the next reader');
});

test('discardTypeahead: a TTY drops what was typed and keeps reading; a pipe keeps every line', async () => {
  const tty = make(true);
  tty.term.discardTypeahead();
  assert.equal(tty.input.paused, false, 'a TTY is read continuously from then on');
  tty.input.feed('y\n');
  tty.term.discardTypeahead();
  const answer = tty.term.readLine();
  tty.input.feed('n\n');
  assert.equal(await answer, 'n');

  const pipe = make(false);
  pipe.term.discardTypeahead();
  assert.equal(pipe.input.paused, true, 'a pipe is read only on demand');
  const first = pipe.term.readLine();
  pipe.input.feed('y\nn\n');
  pipe.term.discardTypeahead();
  assert.equal(await first, 'y');
  assert.equal(await pipe.term.readLine(), 'n', 'scripted answers stay in order');
});
