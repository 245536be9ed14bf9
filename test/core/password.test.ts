import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePasswordFormat } from '../../core/password.ts';

const SHORT = 'password too short (<10 characters)';
const INVALID = 'password contains invalid characters - only 7bit printable ascii allowed';

test('length is counted in UTF-8 bytes, 10 is the minimum', () => {
  assert.equal(validatePasswordFormat(''), SHORT);
  assert.equal(validatePasswordFormat('123456789'), SHORT);
  assert.equal(validatePasswordFormat('1234567890'), null);
  // 5 × 'é' is 10 bytes: long enough, so the character rule decides
  assert.equal(validatePasswordFormat('ééééé'), INVALID);
  // 4 × 'é' + 1 is 9 bytes: too short is checked first
  assert.equal(validatePasswordFormat('éééé1'), SHORT);
  assert.equal(validatePasswordFormat('🔑🔑'), SHORT); // 8 bytes
  assert.equal(validatePasswordFormat('🔑🔑🔑'), INVALID); // 12 bytes: long enough, but not ASCII
});

test('only 0x20..0x7e are allowed', () => {
  assert.equal(validatePasswordFormat(' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'), null);
  assert.equal(validatePasswordFormat('          '), null); // ten spaces
  assert.equal(validatePasswordFormat('abcdefghij~'), null);
  assert.equal(validatePasswordFormat('abcdefghij\t'), INVALID);
  assert.equal(validatePasswordFormat('abcdefghij\x7f'), INVALID);
  assert.equal(validatePasswordFormat('abcdefghij\x1f'), INVALID);
  assert.equal(validatePasswordFormat('abcdefghijé'), INVALID);
  assert.equal(validatePasswordFormat('abcdefghij\u00a0'), INVALID);
  assert.equal(validatePasswordFormat('abcdefghij\n'), INVALID);
});
