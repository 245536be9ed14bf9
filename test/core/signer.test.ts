// core/signer.ts with every port replaced by an in-memory fake: the flows of external-api.md §5–§9.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, keccak256, toChecksumAddress, toHex, utf8, type Address } from '../../core/bytes.ts';
import { MixedcaseAddress } from '../../core/gojson.ts';
import { encryptKeyFile } from '../../core/keyfile.ts';
import { Signer } from '../../core/signer.ts';
import { accountHandler } from '../../core/api.ts';
import { FourByteDb } from '../../core/fourbyte.ts';
import { CliqueGuard } from '../../core/clique-guard.ts';
import { addressOfPrivateKey, recoverAddress } from '../../core/secp256k1.ts';
import { decodeSendTxArgs } from '../../core/tx.ts';
import { textHash } from '../../core/signdata.ts';
import { defaultMeta } from '../../core/rpc.ts';
import { makeCliqueChain } from '../support/clique-chain.ts';
import { CounterRandom, CountingKdf, MemoryKeyStore, MemoryStore, ScriptedApprover, silentLogger } from '../support/fakes.ts';

const KEY = fromHex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const ADDR = addressOfPrivateKey(KEY);
const CHECKSUMMED = toChecksumAddress(ADDR);
const PASSWORD = 'correct horse battery';
const meta = { ...defaultMeta(), scheme: 'ipc' };

async function setup(opts: { storedPassword?: boolean; advanced?: boolean; guard?: boolean } = {}) {
  const kdf = new CountingKdf();
  const random = new CounterRandom();
  const keystore = new MemoryKeyStore();
  const json = await encryptKeyFile(KEY, PASSWORD, { n: 1024, p: 1 }, kdf, random);
  keystore.files.set('/mem/UTC--a', { address: ADDR, json });
  kdf.scrypts = 0;
  const credentials = new MemoryStore();
  if (opts.storedPassword) await credentials.put(CHECKSUMMED, PASSWORD);
  const approver = new ScriptedApprover();
  const config = new MemoryStore();
  const signer = new Signer(
    {
      keystore,
      kdf,
      random,
      approver,
      credentials,
      fourByte: FourByteDb.builtin(),
      logger: silentLogger,
      cliqueGuard: opts.guard ? new CliqueGuard(config) : undefined,
    },
    { chainId: 1n, advanced: opts.advanced ?? false, keyParams: { n: 1024, p: 1 }, cacheKeys: true },
  );
  return { signer, approver, kdf, keystore, credentials, config };
}

/** A second signer (no key cache warm) over the same config and credential stores. */
async function setupSharing(config: MemoryStore, credentials: MemoryStore) {
  const s = await setup({ guard: true });
  const signer = new Signer(
    {
      keystore: s.keystore,
      kdf: s.kdf,
      random: new CounterRandom(),
      approver: s.approver,
      credentials,
      fourByte: FourByteDb.builtin(),
      logger: silentLogger,
      cliqueGuard: new CliqueGuard(config),
    },
    { chainId: 1n, advanced: false, keyParams: { n: 1024, p: 1 }, cacheKeys: true },
  );
  return { signer };
}

const addr = () => new MixedcaseAddress(ADDR, CHECKSUMMED);
const hello = '0x' + Buffer.from('hello world').toString('hex');

describe('Signer', () => {
  it('reports version 6.1.0 and lists accounts through the approver', async () => {
    const { signer, approver } = await setup();
    assert.equal(await signer.version(meta), '6.1.0');
    assert.deepEqual(await signer.list(meta), [ADDR]);
    approver.approveAll = false;
    await assert.rejects(signer.list(meta), { message: 'request denied', code: -32000 });
  });

  it('signs text with a vault password, pays scrypt once, never asks, V 27/28', async () => {
    const { signer, approver, kdf } = await setup({ storedPassword: true });
    const s1 = await signer.signData(meta, 'text/plain', addr(), hello);
    const s2 = await signer.signData(meta, 'text/plain', addr(), hello);
    assert.deepEqual(s1, s2);
    assert.ok(s1[64] === 27 || s1[64] === 28);
    const sig01 = s1.slice();
    sig01[64] -= 27;
    assert.equal(recoverAddress(textHash(utf8('hello world')), sig01), ADDR);
    assert.equal(kdf.scrypts, 1);
    assert.equal(approver.inputs.length, 0);
    assert.equal(signer.cachedKeys, 1);
    assert.equal(approver.signData[0].raw_data, 'GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk');
    assert.equal(approver.signData[0].hash, '0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68');
  });

  it('sixteen concurrent seals with a vault password share one scrypt', async () => {
    const { signer, kdf } = await setup({ storedPassword: true });
    const sigs = await Promise.all(Array.from({ length: 16 }, () => signer.signData(meta, 'text/plain', addr(), hello)));
    assert.equal(new Set(sigs.map((s) => toHex(s))).size, 1);
    assert.equal(kdf.scrypts, 1);
  });

  it('asks for a typed password with clef prompts and never caches it', async () => {
    const { signer, approver, kdf } = await setup();
    approver.passwords = [PASSWORD, PASSWORD];
    await signer.signData(meta, 'text/plain', addr(), hello);
    await signer.signData(meta, 'text/plain', addr(), hello);
    assert.equal(kdf.scrypts, 2);
    assert.equal(signer.cachedKeys, 0);
    assert.deepEqual(approver.inputs[0], {
      title: 'Password for signing',
      prompt: `Please enter password for signing data with account ${CHECKSUMMED}`,
      isPassword: true,
    });
  });

  it('denial, unknown account, wrong password and UI failure give clef errors and showError', async () => {
    const { signer, approver } = await setup();
    approver.approveAll = false;
    await assert.rejects(signer.signData(meta, 'text/plain', addr(), hello), { message: 'request denied' });
    assert.deepEqual(approver.errors, ['request denied']);

    approver.approveAll = true;
    const other = new MixedcaseAddress(('0x' + '11'.repeat(20)) as Address, '0x' + '11'.repeat(20));
    await assert.rejects(signer.signData(meta, 'text/plain', other, hello), { message: 'unknown account' });
    assert.equal(approver.calls.filter((c) => c === 'approveSignData').length, 2, 'account is looked up only after approval');

    approver.passwords = ['wrong password!'];
    await assert.rejects(signer.signData(meta, 'text/plain', addr(), hello), { message: 'could not decrypt key with given password' });
    assert.equal(approver.errors.at(-1), 'could not decrypt key with given password');

    approver.passwords = [];
    await assert.rejects(signer.signData(meta, 'text/plain', addr(), hello), { message: 'internal error', code: -32000 });
  });

  it('decoding errors come before any approval and without showError', async () => {
    const { signer, approver } = await setup();
    await assert.rejects(signer.signData(meta, 'text/plain', addr(), { a: 1 }), { message: 'wrong type map[string]interface {}' });
    await assert.rejects(signer.signData(meta, 'text/', addr(), hello), { message: 'mime: expected token after slash' });
    assert.equal(approver.calls.length, 0);
    assert.equal(approver.errors.length, 0);
  });

  it('seals clique headers with V 0/1 recovering to the sealer', async () => {
    const { signer } = await setup({ storedPassword: true });
    for (const link of makeCliqueChain(5, KEY, 15)) {
      const sig = await signer.signData(meta, 'application/x-clique-header', addr(), link.payloadHex);
      assert.ok(sig[64] === 0 || sig[64] === 1);
      assert.equal(recoverAddress(keccak256(link.payload), sig), ADDR);
      assert.equal(toHex(sig), toHex(link.signature));
    }
  });

  it('--clique-protect refuses a different header at a sealed height, allows the identical one', async () => {
    const { signer, config } = await setup({ storedPassword: true, guard: true });
    const a = makeCliqueChain(3, KEY, 15);
    const fork = makeCliqueChain(3, KEY, 99); // same heights, different headers
    await signer.signData(meta, 'application/x-clique-header', addr(), a[0].payloadHex);
    await signer.signData(meta, 'application/x-clique-header', addr(), a[1].payloadHex);
    await signer.signData(meta, 'application/x-clique-header', addr(), a[1].payloadHex); // geth retry: same seal hash
    await assert.rejects(signer.signData(meta, 'application/x-clique-header', addr(), fork[1].payloadHex), /clique protection: refusing to sign header 2/);
    await assert.rejects(signer.signData(meta, 'application/x-clique-header', addr(), a[0].payloadHex), /already signed height 2/);
    assert.match(await config.get(`clique_protect:${CHECKSUMMED}`), /^2:0x[0-9a-f]{64}$/);

    // Concurrent different headers at one new height: exactly one is signed.
    const results = await Promise.allSettled([
      signer.signData(meta, 'application/x-clique-header', addr(), a[2].payloadHex),
      signer.signData(meta, 'application/x-clique-header', addr(), fork[2].payloadHex),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('--clique-protect records nothing when signing fails (wrong stored password): the honest header signs later', async () => {
    const { signer, config, credentials } = await setup({ storedPassword: true, guard: true });
    const chain = makeCliqueChain(3, KEY, 15);
    const fork = makeCliqueChain(3, KEY, 99);
    await signer.signData(meta, 'application/x-clique-header', addr(), chain[0].payloadHex);
    await credentials.put(CHECKSUMMED, 'wrong password');
    const { signer: fresh } = await setupSharing(config, credentials);
    await assert.rejects(fresh.signData(meta, 'application/x-clique-header', addr(), fork[2].payloadHex), /could not decrypt key with given password/);
    assert.match(await config.get(`clique_protect:${CHECKSUMMED}`), /^1:0x/, 'the failed height 3 is not recorded');
    await credentials.put(CHECKSUMMED, PASSWORD);
    const sig = await fresh.signData(meta, 'application/x-clique-header', addr(), chain[1].payloadHex);
    assert.equal(toHex(sig), toHex(chain[1].signature));
    assert.match(await config.get(`clique_protect:${CHECKSUMMED}`), /^2:0x/);
  });

  it('--clique-protect hands out no signature whose record could not be written', async () => {
    const { signer, config } = await setup({ storedPassword: true, guard: true });
    const chain = makeCliqueChain(2, KEY, 15);
    config.put = async () => {
      throw new Error('disk full');
    };
    await assert.rejects(signer.signData(meta, 'application/x-clique-header', addr(), chain[0].payloadHex), /disk full/);
  });

  it('signs a 1559 transaction returned by the approver and notifies onApprovedTx', async () => {
    const { signer, approver } = await setup({ storedPassword: true });
    const args = decodeSendTxArgs({
      from: CHECKSUMMED,
      to: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192',
      gas: '0x5208',
      maxFeePerGas: '0x77359400',
      maxPriorityFeePerGas: '0x3b9aca00',
      value: '0x1',
      nonce: '0x0',
      input: '0x',
      chainId: '0x1',
    });
    const res = await signer.signTransaction(meta, args, null);
    assert.equal(res.tx.type, '0x2');
    assert.equal(res.tx.hash, toHex(keccak256(fromHex(res.raw))));
    assert.deepEqual(approver.approvedTxs, [res]);
    assert.equal(approver.txs[0].call_info, null);
    assert.equal((approver.txs[0].transaction as Record<string, unknown>).data, '0x', 'input moved to data');
  });

  it('rejects validation warnings before asking, unless --advanced', async () => {
    const tx = { from: CHECKSUMMED, to: '0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192', gas: '0x5208', gasPrice: '0x1', value: '0x0', nonce: '0x0' };
    const strict = await setup({ storedPassword: true });
    await assert.rejects(strict.signer.signTransaction(meta, decodeSendTxArgs(tx), null), {
      message: 'validation failed: Invalid checksum on recipient address',
    });
    assert.equal(strict.approver.calls.length, 0);
    const adv = await setup({ storedPassword: true, advanced: true });
    await adv.signer.signTransaction(meta, decodeSendTxArgs(tx), null);
    assert.deepEqual(adv.approver.txs[0].call_info, [{ type: 'WARNING', message: 'Invalid checksum on recipient address' }]);
  });

  it('chain id mismatch fails before approval', async () => {
    const { signer, approver } = await setup({ storedPassword: true });
    const args = decodeSendTxArgs({ from: CHECKSUMMED, to: CHECKSUMMED, gas: '0x5208', gasPrice: '0x1', value: '0x0', nonce: '0x0', chainId: '0x5' });
    await assert.rejects(signer.signTransaction(meta, args, null), { message: 'requested chainid 5 does not match the configuration of the signer' });
    assert.equal(approver.calls.length, 0);
  });

  it('account_new: three attempts with the password rule, then a verified key file', async () => {
    const { signer, approver, keystore } = await setup();
    approver.passwords = ['short', 'has a \\ backslash?'.replace('?', 'é'), 'a good long password'];
    const address = await signer.newAccount(meta);
    assert.deepEqual(approver.errors, [
      'Account creation attempt #1 failed due to password requirements: password too short (<10 characters)',
      'Account creation attempt #2 failed due to password requirements: password contains invalid characters - only 7bit printable ascii allowed',
    ]);
    assert.equal(approver.inputs[2].prompt, 'Please enter a password for the new account to be created (attempt 2 of 3)');
    assert.equal((await keystore.find(address)).address, address);
    approver.passwords = ['x', 'y', 'z'];
    await assert.rejects(signer.newAccount(meta), { message: 'account creation failed' });
  });

  it('the method table decodes params like go-ethereum', async () => {
    const { signer } = await setup({ storedPassword: true });
    const h = accountHandler(signer);
    const call = (method: string, params: unknown[]) => h({ method, params: params as never, meta });
    assert.equal(await call('account_version', []), '6.1.0');
    await assert.rejects(call('account_version', [1]), { code: -32602, message: 'too many arguments, want at most 0' });
    await assert.rejects(call('account_signData', ['text/plain', CHECKSUMMED]), { code: -32602, message: 'missing value for required argument 2' });
    await assert.rejects(call('account_signData', ['text/plain', '0x1234', '0x']), {
      code: -32602,
      message: 'invalid argument 1: hex string has length 4, want 40 for common.Address',
    });
    await assert.rejects(call('account_signTransaction', [{ gas: '0x01' }]), {
      code: -32602,
      message: 'invalid argument 0: json: cannot unmarshal hex number with leading zero digits into Go struct field SendTxArgs.gas of type hexutil.Uint64',
    });
    await assert.rejects(call('account_foo', []), { code: -32601, message: 'the method account_foo does not exist/is not available' });
    const sig = (await call('account_signData', ['text/plain', CHECKSUMMED, hello])) as string;
    assert.equal(await call('account_ecRecover', [hello, sig]), ADDR);
    await assert.rejects(call('account_ecRecover', [hello, sig.slice(0, -2) + '00']), { message: 'invalid Ethereum signature (V is not 27 or 28)' });
  });
});
