// EIP-712 documents built to exhaust the signer (issue 8 items 1 and 5): long struct-type chains, many types,
// deep values and huge arrays. Each is either hashed exactly as geth (and ethers) hash it, or refused with a
// -32000 error before any real work; the work done is counted, never timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedDataEncoder } from 'ethers';
import { concatBytes, fromHex, keccak256, toChecksumAddress, toHex } from '../../core/bytes.ts';
import {
  encodeType,
  formatTypedData,
  hashTypedData,
  parseTypedData,
  TypeEncodings,
  TYPED_DATA_LIMITS,
  type TypedData,
} from '../../core/eip712.ts';
import { SignerError } from '../../core/errors.ts';
import type { Json, JsonObject } from '../../core/gojson.ts';
import { accountHandler } from '../../core/api.ts';
import { defaultMeta } from '../../core/rpc.ts';
import { encryptKeyFile } from '../../core/keyfile.ts';
import { Signer } from '../../core/signer.ts';
import { FourByteDb } from '../../core/fourbyte.ts';
import { addressOfPrivateKey, recoverAddress } from '../../core/secp256k1.ts';
import { CounterRandom, CountingKdf, MemoryKeyStore, MemoryStore, ScriptedApprover, silentLogger } from '../support/fakes.ts';

/** Types T0..Tn, each `{uint256 x, T(i+1) next}` (Tn only `x`), and a message nested n+1 levels deep. */
function chain(n: number, fieldName = 'x'): JsonObject {
  const types: JsonObject = { EIP712Domain: [{ name: 'name', type: 'string' }] };
  for (let i = 0; i <= n; i++) {
    const fields: Json[] = [{ name: fieldName, type: 'uint256' }];
    if (i < n) fields.push({ name: 'next', type: `T${i + 1}` });
    types[`T${i}`] = fields;
  }
  let message: JsonObject = { [fieldName]: String(n) };
  for (let i = n - 1; i >= 0; i--) message = { [fieldName]: String(i), next: message };
  return { types, primaryType: 'T0', domain: { name: 'chain' }, message };
}

function refusal(f: () => unknown): SignerError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SignerError, `a SignerError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a refusal');
}

/** geth's encodeType as written (recursive dependency walk, then sort), as an independent oracle for small inputs. */
function gethEncodeType(td: TypedData, primary: string): string {
  const deps: string[] = [];
  const walk = (t: string) => {
    const name = t.split('[')[0];
    if (deps.includes(name) || !Object.hasOwn(td.types, name)) return;
    deps.push(name);
    for (const f of td.types[name]) walk(f.type);
  };
  walk(primary);
  if (deps.length === 0) return '';
  const rest = deps.slice(1).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return [primary, ...rest].map((t) => `${t}(${td.types[t].map((f) => `${f.type} ${f.name}`).join(',')})`).join('');
}

test('a 4000-deep type chain (the issue\'s 57 s request) is refused with -32000 by both formatting and hashing', () => {
  const td = parseTypedData(chain(4000));
  const format = refusal(() => formatTypedData(td));
  assert.equal(format.code, -32000);
  assert.equal(format.message, `typed data too large: nested deeper than ${TYPED_DATA_LIMITS.maxDepth} levels`);
  const hash = refusal(() => hashTypedData(td));
  assert.equal(hash.code, -32000);
  assert.equal(hash.message, `typed data too large: 4002 types (at most ${TYPED_DATA_LIMITS.maxTypes})`);
});

test('too many types: refused before any type is encoded, even when the message is shallow', () => {
  const n = TYPED_DATA_LIMITS.maxTypes + 1;
  const doc = chain(n);
  doc.message = { x: '1', next: null } as JsonObject; // T1 absent: only T0 would be encoded
  const td = parseTypedData(doc);
  const e = refusal(() => hashTypedData(td));
  assert.equal(e.code, -32000);
  assert.equal(e.message, `typed data too large: ${n + 2} types (at most ${TYPED_DATA_LIMITS.maxTypes})`);
});

test('a chain under the caps hashes like geth and ethers, each type encoding built exactly once', () => {
  const n = 200;
  const doc = chain(n);
  const td = parseTypedData(doc);
  const types = new TypeEncodings(td);
  const h = hashTypedData(td, types);
  // every struct type (EIP712Domain, T0..Tn) encoded once, and nothing built twice
  assert.equal(types.work.encodings, n + 2);
  let chars = 0;
  for (const t of ['EIP712Domain', ...Array.from({ length: n + 1 }, (_, i) => `T${i}`)]) {
    const oracle = gethEncodeType(td, t);
    assert.equal(types.encodeType(t), oracle, t);
    chars += oracle.length;
  }
  assert.equal(types.work.chars, chars);
  assert.equal(types.work.encodings, n + 2, 'the repeated encodeType calls above came from the cache');
  // a real peer
  const ethTypes = { ...(doc.types as Record<string, { name: string; type: string }[]>) };
  delete ethTypes.EIP712Domain;
  assert.equal(toHex(h.digest), TypedDataEncoder.hash({ name: 'chain' }, ethTypes, doc.message as Record<string, unknown>));
  assert.equal(encodeType(td, 'T0'), gethEncodeType(td, 'T0'));
});

test('type encodings beyond the character budget are refused, not built', () => {
  // 200 types whose own texts are ~1 KB: the chain's encodings would total ~20 MB
  const td = parseTypedData(chain(200, 'f'.repeat(1000)));
  const types = new TypeEncodings(td);
  const e = refusal(() => hashTypedData(td, types));
  assert.equal(e.code, -32000);
  assert.equal(e.message, `typed data too large: type encodings longer than ${TYPED_DATA_LIMITS.maxTypeEncodingChars} characters`);
  assert.ok(types.work.chars <= TYPED_DATA_LIMITS.maxTypeEncodingChars);
});

test('a value nested 9,000 arrays deep is refused with -32000 (formatting, hashing and the mismatch text)', () => {
  let deep: Json = [];
  for (let i = 0; i < 9000; i++) deep = [deep];
  const mk = (type: string) =>
    parseTypedData({
      types: { EIP712Domain: [{ name: 'name', type: 'string' }], T: [{ name: 'a', type }] },
      primaryType: 'T',
      domain: { name: 'd' },
      message: { a: deep },
    });
  for (const type of ['uint256[]', 'uint256']) {
    const td = mk(type);
    for (const f of [() => formatTypedData(td), () => hashTypedData(td)]) {
      const e = refusal(f);
      assert.equal(e.code, -32000, type);
      assert.equal(e.message, `typed data too large: nested deeper than ${TYPED_DATA_LIMITS.maxDepth} levels`, type);
    }
  }
});

test('integers: a million leading zeros are still 1 (Go accepts them); a million digits are out of range', () => {
  const mk = (a: string) =>
    parseTypedData({
      types: { EIP712Domain: [{ name: 'name', type: 'string' }], T: [{ name: 'a', type: 'uint256' }] },
      primaryType: 'T',
      domain: { name: 'd' },
      message: { a },
    });
  const one = toHex(hashTypedData(mk('1')).digest);
  assert.equal(toHex(hashTypedData(mk('0'.repeat(1_000_000) + '1')).digest), one);
  assert.equal(toHex(hashTypedData(mk('0x' + '0'.repeat(1_000_000) + '1')).digest), one);
  const e = refusal(() => hashTypedData(mk('9'.repeat(1_000_000))));
  assert.equal(e.code, -32000);
  assert.ok(e.message.startsWith('invalid hex or decimal integer "999'), e.message.slice(0, 60));
});

const KEY = fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const ADDR = addressOfPrivateKey(KEY);

test('account_signTypedData with a uint256[] of 700,000 elements is signed (as geth does), not -32603', async () => {
  const kdf = new CountingKdf();
  const random = new CounterRandom();
  const keystore = new MemoryKeyStore();
  keystore.files.set('/mem/UTC--a', { address: ADDR, json: await encryptKeyFile(KEY, 'pw', { n: 1024, p: 1 }, kdf, random) });
  const credentials = new MemoryStore();
  await credentials.put(toChecksumAddress(ADDR), 'pw');
  const approver = new ScriptedApprover();
  const signer = new Signer(
    { keystore, kdf, random, approver, credentials, fourByte: FourByteDb.builtin(), logger: silentLogger },
    { chainId: 1n, advanced: false, keyParams: { n: 1024, p: 1 }, cacheKeys: true },
  );
  const n = 700_000;
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(i % 1000);
  const doc = {
    types: { EIP712Domain: [{ name: 'name', type: 'string' }], Big: [{ name: 'v', type: 'uint256[]' }] },
    primaryType: 'Big',
    domain: { name: 'big' },
    message: { v: values },
  };
  const handler = accountHandler(signer);
  let result: Json;
  try {
    result = await handler({ method: 'account_signTypedData', params: [toChecksumAddress(ADDR), doc], meta: defaultMeta() });
  } catch (e) {
    assert.fail(`refused: ${(e as Error).message} (${(e as SignerError).code})`);
  }
  // the digest, computed independently: keccak(words) is the array's encoding
  const words: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const w = new Uint8Array(32);
    w[30] = (i % 1000) >> 8;
    w[31] = (i % 1000) & 0xff;
    words.push(w);
  }
  const arrayHash = keccak256(Buffer.concat(words));
  const typeHash = keccak256(Buffer.from('Big(uint256[] v)'));
  const structHash = keccak256(concatBytes(typeHash, arrayHash));
  const td = parseTypedData(JSON.parse(JSON.stringify(doc)) as Json);
  const h = hashTypedData(td);
  assert.equal(toHex(h.structHash), toHex(structHash));
  const sig = fromHex(result as string);
  sig[64] -= 27;
  assert.equal(recoverAddress(h.digest, sig), ADDR);
  // the UI saw every element
  const shown = approver.signData[0].messages[1].value as { value: unknown }[];
  assert.equal((shown[0].value as unknown[]).length, n);
});
