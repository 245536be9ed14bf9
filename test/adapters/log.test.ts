// clef's terminal log format (cli.md §4.2–4.3): level text, timestamp, 40-column message justification, key=value
// quoting, per-key value padding, colours, level filtering and silence before configure().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClefLogger, escapeMessage, escapeValue, formatLogTime, formatLogValue, useColor } from '../../adapters/log/clef-logger.ts';

const at = new Date(2024, 5, 16, 11, 27, 9, 153); // local time: 06-16|11:27:09.153

function capture(level = 3, color = false): { logger: ClefLogger; lines: string[] } {
  const lines: string[] = [];
  const logger = new ClefLogger();
  logger.configure({ write: (t) => lines.push(t), level, color, now: () => at });
  return { logger, lines };
}

test('the spec example line, byte for byte', () => {
  const { logger, lines } = capture();
  logger.info('Credential store updated', { set: '0x9CD932F670F7eDe5dE86F756A6D02548e5899f47' });
  assert.deepEqual(lines, [
    'INFO [06-16|11:27:09.153] Credential store updated                 set=0x9CD932F670F7eDe5dE86F756A6D02548e5899f47\n',
  ]);
});

test('no padding without attributes; long messages are not cut', () => {
  const { logger, lines } = capture(5);
  logger.warn('Please remember your password!');
  const long = 'x'.repeat(45);
  logger.error(long, { a: 1 });
  logger.debug('IPCs registered', { namespaces: 'account' });
  logger.trace('t');
  logger.crit('Failed to read user input', { err: 'EOF' });
  assert.deepEqual(lines, [
    'WARN [06-16|11:27:09.153] Please remember your password!\n',
    `ERROR[06-16|11:27:09.153] ${long} a=1\n`,
    'DEBUG[06-16|11:27:09.153] IPCs registered                          namespaces=account\n',
    'TRACE[06-16|11:27:09.153] t\n',
    'CRIT [06-16|11:27:09.153] Failed to read user input                err=EOF\n',
  ]);
});

test('levels: --loglevel 0..5, above 5 = trace, negative = crit only', () => {
  const count = (level: number) => {
    const { logger, lines } = capture(level);
    logger.crit('c');
    logger.error('e');
    logger.warn('w');
    logger.info('i');
    logger.debug('d');
    logger.trace('t');
    return lines.length;
  };
  assert.deepEqual([-1, 0, 1, 2, 3, 4, 5, 9].map(count), [1, 1, 2, 3, 4, 5, 6, 6]);
});

test('nothing is written before configure()', () => {
  const lines: string[] = [];
  const logger = new ClefLogger();
  logger.crit('lost');
  assert.equal(logger.configured, false);
  logger.configure({ write: (t) => lines.push(t), level: 3, color: false, now: () => at });
  logger.info('kept');
  assert.deepEqual(lines, ['INFO [06-16|11:27:09.153] kept\n']);
});

test('value quoting: spaces and = get plain quotes, control/quote/non-ASCII get Go quoting', () => {
  assert.equal(escapeValue('plain'), 'plain');
  assert.equal(escapeValue('two words'), '"two words"');
  assert.equal(escapeValue('a=b'), '"a=b"');
  assert.equal(escapeValue('say "hi"'), '"say \\"hi\\""');
  assert.equal(escapeValue('line\nbreak'), '"line\\nbreak"');
  assert.equal(escapeValue('ünï'), '"ünï"');
  assert.equal(escapeValue('!'), '"!"'); // '!' is <= '"'
  assert.equal(escapeValue(''), '');
  assert.equal(escapeMessage('multi\nline\tok'), 'multi\nline\tok');
  assert.equal(escapeMessage('has = sign'), '"has = sign"');
  assert.equal(escapeMessage('bell\x07'), '"bell\\a"');
});

test('value rendering: integers get thousands separators from 100000, floats 3 decimals, nil, errors', () => {
  assert.equal(formatLogValue(99999), '99999');
  assert.equal(formatLogValue(100000), '100,000');
  assert.equal(formatLogValue(-1234567n), '-1,234,567');
  assert.equal(formatLogValue(1.5), '1.500');
  assert.equal(formatLogValue(true), 'true');
  assert.equal(formatLogValue(null), '<nil>');
  assert.equal(formatLogValue(undefined), '<nil>');
  assert.equal(formatLogValue(new Error('file missing')), '"file missing"');
  assert.equal(formatLogValue(['a', 'b']), '"[a b]"');
});

test('a key\'s column widens to its longest value (<= 40) and pads non-last attributes', () => {
  const { logger, lines } = capture();
  logger.info('m', { k: 'abcdef', z: 1 });
  logger.info('m', { k: 'ab', z: 2 });
  logger.info('m', { z: 3, k: 'ab' });
  const pad = ' '.repeat(39);
  assert.deepEqual(lines, [
    `INFO [06-16|11:27:09.153] m${pad} k=abcdef z=1\n`,
    `INFO [06-16|11:27:09.153] m${pad} k=ab     z=2\n`,
    `INFO [06-16|11:27:09.153] m${pad} z=3 k=ab\n`,
  ]);
});

test('colours: level and keys coloured, only when asked', () => {
  const { logger, lines } = capture(3, true);
  logger.warn('w', { key: 'v' });
  assert.equal(lines[0], `\x1b[33mWARN \x1b[0m[06-16|11:27:09.153] w${' '.repeat(39)} \x1b[33mkey\x1b[0m=v\n`);
  assert.equal(useColor(true, 'xterm'), true);
  assert.equal(useColor(true, 'dumb'), false);
  assert.equal(useColor(false, 'xterm'), false);
});

test('timestamp is MM-DD|HH:MM:SS.mmm', () => {
  assert.equal(formatLogTime(new Date(2024, 0, 2, 3, 4, 5, 6)), '01-02|03:04:05.006');
});
