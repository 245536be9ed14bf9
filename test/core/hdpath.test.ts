import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HARDENED, formatDerivationPath, parseDerivationPath } from '../../core/hdpath.ts';

test("derivation paths parse as clef's: absolute, relative to m/44'/60'/0'/0, hex components, hardened marks", () => {
  assert.deepEqual(parseDerivationPath("m/44'/60'/0'/0/0"), [44 + HARDENED, 60 + HARDENED, HARDENED, 0, 0]);
  assert.deepEqual(parseDerivationPath('0/1'), [44 + HARDENED, 60 + HARDENED, HARDENED, 0, 0, 1]);
  assert.deepEqual(parseDerivationPath("m/44'/60'/0x1'/ 2 "), [44 + HARDENED, 60 + HARDENED, 1 + HARDENED, 2]);
  assert.equal(formatDerivationPath(parseDerivationPath("m/44'/60'/0'/7")), "m/44'/60'/0'/7");
  assert.throws(() => parseDerivationPath(''), /empty derivation path/);
  assert.throws(() => parseDerivationPath('m'), /empty derivation path/);
  assert.throws(() => parseDerivationPath("m/44'/x"), /invalid component: x/);
  assert.throws(() => parseDerivationPath("m/2147483648'"), /out of allowed range/);
});
