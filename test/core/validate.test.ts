import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction, id as ethersId } from 'ethers';
import { fromHex, keccak256, toHex } from '../../core/bytes.ts';
import type { ValidationInfo } from '../../core/ports.ts';
import { FourByteDb, parseFourByteJson, selectorOf } from '../../core/fourbyte.ts';
import { decodeSendTxArgs, selectTxType, signTransaction, type SendTxArgs } from '../../core/tx.ts';
import { rejectIfWarnings, validateTransaction } from '../../core/validate.ts';
import { noVectors, readVector } from '../support/vectors.ts';
import type { Json } from '../../core/gojson.ts';

const TO = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';
const SAFESEND = '0x4401a6e40000000000000000000000000000000000000000000000000000000000000012';
const INFO_SAFESEND: ValidationInfo = {
  type: 'Info',
  message: 'Transaction invokes the following method: "safeSend(address: 0x0000000000000000000000000000000000000012)"',
};

const validate = (json: Json, selector: string | null = null, db = FourByteDb.builtin()) =>
  validateTransaction(decodeSendTxArgs(json), selector, db).messages;

/** The default-mode outcome: the `validation failed: …` text, or null when the UI would be asked. */
function outcome(messages: ValidationInfo[], advanced = false): string | null {
  try {
    rejectIfWarnings(messages, advanced);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

test('requests/index.json: every signTransaction file behaves as documented', { skip: noVectors }, async () => {
  const index = readVector('requests/index.json');
  let checked = 0;
  for (const f of index.files) {
    if (f.method !== 'account_signTransaction') continue;
    const file = readVector(`requests/${f.file}`);
    const request = file.request ?? file;
    const [params, selector] = [request.params[0], request.params[1] ?? null];
    const args = decodeSendTxArgs(params);
    const { messages } = validateTransaction(args, selector, FourByteDb.builtin());
    const exp = f.expected;
    if (f.file.startsWith('clef-testdata/')) {
      // severity exact, text loose per the index conventions; ours match exactly
      assert.deepEqual(messages.map((m) => m.type), exp.validationMessages.map((m: { level: string }) => m.level), f.file);
      assert.deepEqual(messages.map((m) => m.message), exp.validationMessages.map((m: { message: string }) => m.message), f.file);
      if (exp.outcome === 'ok') {
        assert.equal(outcome(messages), null, f.file);
        assert.equal(selectTxType(args), exp.txTypeIfSigned, f.file);
      } else {
        assert.equal(outcome(messages), exp.defaultMode.replace(/^rejected( before approval)?: /, ''), f.file);
        assert.equal(outcome(messages, true), null, f.file);
      }
    } else {
      // The README sample predates the checksum check: its lower-case recipient is a WARNING now.
      assert.deepEqual(messages, [{ type: 'WARNING', message: 'Invalid checksum on recipient address' }, INFO_SAFESEND]);
      // Our signing hash for the request, with the published signature, reproduces the published raw tx.
      const published = Transaction.from(exp.raw);
      let digest: Uint8Array | null = null;
      const res = await signTransaction(args, BigInt(exp.signerChainId), async (d) => {
        digest = d;
        return fromHex(published.signature!.r + published.signature!.s.slice(2) + (published.signature!.yParity ? '01' : '00'));
      });
      assert.equal(toHex(digest!), published.unsignedHash);
      assert.equal(res.raw, exp.raw);
      assert.equal(res.tx.hash, exp.hash);
      assert.equal(toHex(keccak256(fromHex(res.raw))), exp.hash);
      assert.equal(published.from?.toLowerCase(), exp.recoveredFrom);
    }
    checked++;
  }
  assert.equal(checked, 6);
});

test('contract creation rules (§6.5)', () => {
  const base = { from: TO, gas: '0x1', gasPrice: '0x1' };
  assert.throws(() => validate({ ...base, value: '0x1' }), { message: 'transaction will create a contract with value but empty code', code: -32000 });
  assert.deepEqual(validate(base), [{ type: 'CRITICAL', message: 'Transaction will create a contract with empty code' }]);
  assert.deepEqual(validate({ ...base, data: '0x' + '00'.repeat(39) }), [
    { type: 'WARNING', message: 'Transaction will create a contract, but the payload is suspiciously small (39 bytes)' },
  ]);
  assert.deepEqual(validate({ ...base, data: '0x' + '00'.repeat(40) }), []);
  assert.deepEqual(validate({ ...base, input: '0x' + '00'.repeat(40) }, 'f()'), [
    { type: 'WARNING', message: 'Transaction will create a contract, but method selector supplied, indicating an intent to call a method' },
  ]);
  // no fee or checksum checks for creations
  assert.deepEqual(validate({ from: TO, data: '0x' + '00'.repeat(40) }), []);
});

test('call rules: checksum, zero address and the four fee messages in order', () => {
  const base = { from: TO, to: TO, gas: '0x1' };
  assert.deepEqual(validate({ ...base, gasPrice: '0x1' }), []);
  assert.deepEqual(validate({ ...base, to: TO.toLowerCase(), gasPrice: '0x1' }), [{ type: 'WARNING', message: 'Invalid checksum on recipient address' }]);
  assert.deepEqual(validate({ ...base, to: '0X' + TO.slice(2), gasPrice: '0x1' }), [{ type: 'WARNING', message: 'Invalid checksum on recipient address' }]);
  assert.deepEqual(validate({ ...base, to: '0x' + '00'.repeat(20), gasPrice: '0x1' }), [{ type: 'CRITICAL', message: 'Transaction recipient is the zero address' }]);
  const fee = (extra: object) => validate({ ...base, ...extra }).map((m) => `${m.type}:${m.message}`);
  assert.deepEqual(fee({}), ["CRITICAL:Neither 'gasPrice' nor 'maxFeePerGas' specified."]);
  assert.deepEqual(fee({ maxPriorityFeePerGas: '0x1' }), ["CRITICAL:Neither 'gasPrice' nor 'maxFeePerGas' specified."]);
  assert.deepEqual(fee({ maxFeePerGas: '0x1' }), ["CRITICAL:Neither 'gasPrice' nor 'maxPriorityFeePerGas' specified."]);
  assert.deepEqual(fee({ maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x1' }), []);
  assert.deepEqual(fee({ gasPrice: '0x1', maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x1' }), ["CRITICAL:Both 'gasPrice' and 'maxFeePerGas' specified."]);
  assert.deepEqual(fee({ gasPrice: '0x1', maxPriorityFeePerGas: '0x1' }), ["CRITICAL:Both 'gasPrice' and 'maxPriorityFeePerGas' specified."]);
});

test('hard errors come before any message and hold in advanced mode too', () => {
  assert.throws(() => validate({ to: TO, data: '0x01', input: '0x02' }), {
    message: 'ambiguous request: both "data" and "input" are set and are not identical',
    code: -32000,
  });
  assert.throws(() => validate({ gas: '0x1', maxFeePerGas: '0x1', blobVersionedHashes: ['0x01' + '00'.repeat(31)] }), {
    message: 'transaction recipient must be set for blob transactions',
  });
  // normalisation happens in place: the UI and rules see only `data`
  const args = decodeSendTxArgs({ to: TO, gasPrice: '0x1', input: SAFESEND });
  validateTransaction(args, null, FourByteDb.builtin());
  assert.equal(args.input, undefined);
  assert.equal(toHex(args.data!), SAFESEND);
});

test('calldata checks (§6.5 steps 1–4)', () => {
  const call = (data: string, selector: string | null = null, db?: FourByteDb) => validate({ to: TO, gasPrice: '0x1', data }, selector, db);
  assert.deepEqual(call('0x'), []);
  assert.deepEqual(call('0x010203'), [{ type: 'WARNING', message: 'Transaction data is not valid ABI (missing the 4 byte call prefix)' }]);
  assert.deepEqual(call(SAFESEND), [INFO_SAFESEND]);
  assert.deepEqual(call(SAFESEND + '00'), [
    { type: 'WARNING', message: 'Transaction data is not valid ABI (length should be a multiple of 32 (was 33))' },
    { type: 'WARNING', message: 'Transaction contains data, but provided ABI signature could not be verified: invalid call data; length should be a multiple of 32 bytes (was 33)' },
  ]);
  assert.deepEqual(call('0xdeadbeef'), [
    { type: 'WARNING', message: 'Transaction contains data, but the ABI signature could not be found: signature deadbeef not found' },
  ]);
  assert.deepEqual(call(SAFESEND, 'transfer(address,uint256)'), [
    { type: 'WARNING', message: 'Transaction contains data, but provided ABI signature could not be matched: no method with id: 0x4401a6e4' },
  ]);
  assert.deepEqual(call(SAFESEND, 'f(uint256, address)'), [
    {
      type: 'WARNING',
      message:
        "Transaction contains data, but provided ABI signature could not be matched: failed to parse selector: failed to parse selector 'f(uint256, address)': failed to parse type: failed to parse elementary type: invalid token start:  ",
    },
  ]);
  const dirty = '0x4401a6e4ff' + '00'.repeat(29) + '0012';
  assert.deepEqual(call(dirty).map((m) => m.type), ['WARNING']);
  assert.match(call(dirty)[0].message, /^Transaction contains data, but provided ABI signature could not be verified: WARNING: Supplied data is stuffed with extra data\. \nWant ff/);
  // an ERC-20 transfer from the embedded set
  const transfer = ethersId('transfer(address,uint256)').slice(0, 10) + '00'.repeat(12) + '35'.repeat(20) + (10).toString(16).padStart(64, '0');
  assert.deepEqual(call(transfer), [
    { type: 'Info', message: 'Transaction invokes the following method: "transfer(address: 0x3535353535353535353535353535353535353535,uint256: 10)"' },
  ]);
});

test('a verified caller selector is learnt by the custom database and persisted', async () => {
  const saved: Record<string, string>[] = [];
  const db = new FourByteDb(new Map(), { custom: { ffffffff: 'zzz()' }, store: { save: async (e) => void saved.push(e) } });
  const sel = 'safeSend(address)';
  assert.deepEqual(validate({ to: TO, gasPrice: '0x1', data: SAFESEND }, sel, db), [INFO_SAFESEND]);
  await db.flush();
  assert.equal(db.lookup('4401a6e4'), sel);
  assert.deepEqual(saved, [{ '4401a6e4': sel, ffffffff: 'zzz()' }]);
  assert.deepEqual(Object.keys(saved[0]), ['4401a6e4', 'ffffffff']); // sorted, as Go marshals maps
  // known ids are not re-added, and a failing selector is never learnt
  validate({ to: TO, gasPrice: '0x1', data: SAFESEND }, 'safeSend(address)', db);
  validate({ to: TO, gasPrice: '0x1', data: '0xdeadbeef' }, 'nope(uint256)', db);
  await db.flush();
  assert.equal(saved.length, 1);
  assert.equal(db.lookup('deadbeef'), null);
  // the learnt selector now verifies calldata without a caller selector
  assert.deepEqual(validate({ to: TO, gasPrice: '0x1', data: SAFESEND }, null, db), [INFO_SAFESEND]);
  assert.deepEqual(db.stats(), { embeds: 0, locals: 2 });
});

test('persistence failures do not affect validation', async () => {
  const errors: unknown[] = [];
  const db = new FourByteDb(new Map(), { store: { save: async () => Promise.reject(new Error('disk full')) }, onPersistError: (e) => errors.push(e) });
  assert.deepEqual(validate({ to: TO, gasPrice: '0x1', data: SAFESEND }, 'safeSend(address)', db), [INFO_SAFESEND]);
  await db.flush();
  assert.equal((errors[0] as Error).message, 'disk full');
});

test('FourByteDb: embedded lookup, file loading with verification, precedence', () => {
  const db = FourByteDb.builtin();
  assert.ok(db.stats().embeds >= 300, `embedded set has ${db.stats().embeds} entries`);
  const known: Record<string, string> = {
    a9059cbb: 'transfer(address,uint256)',
    '095ea7b3': 'approve(address,uint256)',
    '23b872dd': 'transferFrom(address,address,uint256)',
    '4401a6e4': 'safeSend(address)',
    d0e30db0: 'deposit()',
    '2e1a7d4d': 'withdraw(uint256)',
    '6a761202': 'execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)',
    '38ed1739': 'swapExactTokensForTokens(uint256,uint256,address[],address,uint256)',
    '252dba42': 'aggregate((address,bytes)[])',
    '42842e0e': 'safeTransferFrom(address,address,uint256)',
  };
  for (const [sel, sig] of Object.entries(known)) {
    assert.equal(selectorOf(sig), sel, sig);
    assert.equal(db.lookup(sel), sig);
    assert.equal(db.lookup(sel.toUpperCase()), sig);
  }
  const text = JSON.stringify({
    a9059cbb: 'transfer(address,uint256)',
    '12345678': 'transfer(address,uint256)', // wrong id
    ABCDEF01: 'x()', // not lowercase 8-hex
    [selectorOf('myFancy(uint256)')]: 'myFancy(uint256)',
    [selectorOf('n()')]: 5,
  });
  assert.deepEqual(parseFourByteJson(text).dropped, 3);
  const big = FourByteDb.fromJson(text, { custom: { [selectorOf('myFancy(uint256)')]: 'shadowed()' } });
  assert.equal(big.dropped, 3);
  assert.equal(big.lookup(selectorOf('myFancy(uint256)')), 'myFancy(uint256)'); // embedded before custom
  assert.equal(big.stats().embeds, db.stats().embeds + 1);
  assert.equal(big.addCustom(selectorOf('myFancy(uint256)'), 'other()'), false);
  assert.throws(() => FourByteDb.fromJson('[]'), /JSON object/);
});

test('rejectIfWarnings: joins WARNING/CRITICAL with a comma, ignores Info, off in advanced mode', () => {
  const msgs: ValidationInfo[] = [
    { type: 'WARNING', message: 'a' },
    { type: 'Info', message: 'i' },
    { type: 'CRITICAL', message: 'b c' },
  ];
  assert.throws(() => rejectIfWarnings(msgs, false), { message: 'validation failed: a,b c', code: -32000 });
  assert.doesNotThrow(() => rejectIfWarnings(msgs, true));
  assert.doesNotThrow(() => rejectIfWarnings([{ type: 'Info', message: 'i' }], false));
  assert.doesNotThrow(() => rejectIfWarnings([], false));
});

test('geth --signer requests (external-api.md §10.3) pass validation unchanged', () => {
  const legacy: SendTxArgs = decodeSendTxArgs({
    from: TO, to: TO, gas: '0x5208', gasPrice: '0x3b9aca00', maxFeePerGas: null, maxPriorityFeePerGas: null,
    value: '0xde0b6b3a7640000', nonce: '0x0', input: '0x', chainId: '0x1',
  });
  assert.deepEqual(validateTransaction(legacy, null, FourByteDb.builtin()).messages, []);
  const eip1559 = decodeSendTxArgs({
    from: TO, to: TO, gas: '0x5208', gasPrice: null, maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00',
    value: '0x0', nonce: '0x1', input: '0x', accessList: [], chainId: '0x1',
  });
  assert.deepEqual(validateTransaction(eip1559, null, FourByteDb.builtin()).messages, []);
});

test('an unknown selector refusal keeps clef text first and says how to proceed; other refusals unchanged', () => {
  const msgs = validate({ to: TO, gasPrice: '0x1', data: '0xdeadbeef' });
  const text = outcome(msgs)!;
  const clef = 'validation failed: Transaction contains data, but the ABI signature could not be found: signature deadbeef not found';
  assert.ok(text.startsWith(clef), text);
  assert.match(text.slice(clef.length), /--4bytedb FILE/);
  assert.match(text.slice(clef.length), /--advanced/);
  assert.equal(outcome(msgs, true), null);
  assert.equal(outcome(validate({ to: TO.toLowerCase(), gasPrice: '0x1' })), 'validation failed: Invalid checksum on recipient address');
});
