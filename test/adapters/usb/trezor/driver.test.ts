// TrezorDriver against the Trezor emulator over an in-memory 64-byte-report pipe. Every signature is checked
// by real peers: ethers derives the expected addresses (BIP-39/BIP-32), decodes the signed raw transactions and
// verifies personal/EIP-712 signatures; Foundry's cast derives the same addresses from the mnemonic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDNodeWallet, Signature, Transaction, TypedDataEncoder, getBytes, keccak256 as ethersKeccak, recoverAddress, verifyMessage, verifyTypedData } from 'ethers';
import { fromHex, toHex } from '../../../../core/bytes.ts';
import type { Json } from '../../../../core/gojson.ts';
import { decodeSendTxArgs, signTransaction } from '../../../../core/tx.ts';
import { TrezorDisconnectedError, TrezorDriver, TrezorError, TrezorRejectedError, type TrezorUi } from '../../../../adapters/usb/trezor/driver.ts';
import { rawSignedTx, signingDigest, toTrezorTx, type TrezorTx } from '../../../../adapters/usb/trezor/tx.ts';
import { InMemoryPipe, TrezorEmulator, type TrezorEmulatorOptions } from '../../../support/usb/trezor-emulator.ts';
import { projectRoot } from '../../../support/vectors.ts';
import type { UserInputRequest } from '../../../../core/ports.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const H = 0x80000000;
const path = (i: number) => [44 + H, 60 + H, 0 + H, 0, i];
const TO = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

/** The address ethers derives for m/44'/60'/0'/0/i (lowercase). */
const ethersAddress = (i: number, passphrase = '') => HDNodeWallet.fromPhrase(MNEMONIC, passphrase, `m/44'/60'/0'/0/${i}`).address.toLowerCase();

const noUi: TrezorUi = {
  pin: () => Promise.reject(new Error('no PIN expected')),
  passphrase: () => Promise.reject(new Error('no passphrase expected')),
};

function setup(opts: Partial<TrezorEmulatorOptions> = {}, ui: TrezorUi = noUi) {
  const emu = new TrezorEmulator({ mnemonic: MNEMONIC, ...opts });
  const pipe = new InMemoryPipe(emu);
  return { emu, pipe, driver: new TrezorDriver(pipe, ui) };
}

/** The signed raw transaction as ethers reads it. */
function decoded(tx: TrezorTx, sig: Awaited<ReturnType<TrezorDriver['signTx']>>): Transaction {
  return Transaction.from(toHex(rawSignedTx(tx, sig)));
}

const legacy = (chainId: bigint, data = new Uint8Array(0)): TrezorTx => ({
  type: 0,
  chainId,
  nonce: 7n,
  gasPrice: 20_000_000_000n,
  gas: 100_000n,
  to: TO,
  value: 10n ** 17n,
  data,
});

test('init: Features of an unlocked device without passphrase', async () => {
  const { driver } = setup();
  const f = await driver.init();
  assert.equal(f.vendor, 'trezor.io');
  assert.deepEqual([f.majorVersion, f.minorVersion, f.patchVersion], [1, 12, 1]);
  assert.equal(f.initialized, true);
  assert.equal(f.pinProtection, false);
  assert.equal(f.passphraseProtection, false);
  assert.equal(f.sessionId?.length, 32);
  assert.equal(driver.features, f);
});

test('getAddress: m/44\'/60\'/0\'/0/0 and /1 are the BIP-44 addresses of the mnemonic', async () => {
  const { driver } = setup();
  await driver.init();
  assert.equal(await driver.getAddress(path(0)), '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266');
  assert.equal(await driver.getAddress(path(0)), ethersAddress(0));
  assert.equal(await driver.getAddress(path(1)), ethersAddress(1));
  // Two requests at once are serialised on the one device.
  const both = await Promise.all([driver.getAddress(path(2)), driver.getAddress(path(3))]);
  assert.deepEqual(both, [ethersAddress(2), ethersAddress(3)]);
});

const castBin = join(projectRoot, 'node_modules', '.bin', 'cast');
const castSkip = existsSync(castBin) ? false : 'cast is not installed (optional dependency @foundry-rs/cast); skipping';

test('getAddress agrees with cast wallet address --mnemonic', { skip: castSkip }, async () => {
  const { driver } = setup();
  await driver.init();
  for (const i of [0, 1]) {
    const out = execFileSync(castBin, ['wallet', 'address', '--mnemonic', MNEMONIC, '--mnemonic-index', String(i)], {
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: 60000,
    }).trim();
    assert.equal(await driver.getAddress(path(i)), out.toLowerCase(), `index ${i}`);
  }
});

test('signTx legacy, chain 1: V = 37/38 and ethers reads the sender back', async () => {
  const { driver, emu } = setup();
  await driver.init();
  const tx = legacy(1n);
  const sig = await driver.signTx(path(0), tx);
  assert.equal(sig.v, 37n + BigInt(sig.yParity));
  const t = decoded(tx, sig);
  assert.equal(t.type, 0);
  assert.equal(t.chainId, 1n);
  assert.equal(t.from?.toLowerCase(), ethersAddress(0));
  assert.equal(t.to?.toLowerCase(), TO);
  assert.equal(t.value, 10n ** 17n);
  assert.ok(emu.received.includes('ButtonAck'), 'the driver acknowledged the confirmation screens');
});

test('signTx legacy with a large chain id (1337802) through core/tx.ts signTransaction', async () => {
  const { driver } = setup();
  await driver.init();
  const args = decodeSendTxArgs({
    from: ethersAddress(1),
    to: TO,
    gas: '0x5208',
    gasPrice: '0x3b9aca00',
    value: '0x1',
    nonce: '0x2a',
  } as Json);
  const chainId = 1337802n;
  const ttx = toTrezorTx(args, chainId);
  let deviceV = 0n;
  const res = await signTransaction(args, chainId, async (digest) => {
    assert.deepEqual(digest, signingDigest(ttx), 'the core signs the digest the device signs');
    const sig = await driver.signTx(path(1), ttx);
    deviceV = sig.v;
    return sig.signature;
  });
  const t = Transaction.from(res.raw);
  assert.equal(t.from?.toLowerCase(), ethersAddress(1));
  assert.equal(t.chainId, chainId);
  assert.equal(BigInt(res.tx.v as string), deviceV);
  assert.ok(deviceV === chainId * 2n + 35n || deviceV === chainId * 2n + 36n);
});

test('signTx legacy: V above uint32 (chain id 2^32+5, the device returns only the parity bit)', async () => {
  const { driver } = setup();
  await driver.init();
  const chainId = (1n << 32n) + 5n;
  const tx = legacy(chainId);
  const sig = await driver.signTx(path(0), tx);
  assert.equal(sig.v, chainId * 2n + 35n + BigInt(sig.yParity));
  const t = decoded(tx, sig);
  assert.equal(t.chainId, chainId);
  assert.equal(t.from?.toLowerCase(), ethersAddress(0));
});

test('signTx legacy: older firmware sending only the low byte of V still yields the right parity', async () => {
  for (const chainId of [1n, 1337802n, 56n, 137n]) {
    const { driver } = setup({ lowByteV: true });
    await driver.init();
    // Several nonces so that both parities occur.
    const parities = new Set<number>();
    for (let nonce = 0n; nonce < 6n; nonce++) {
      const tx = { ...legacy(chainId), nonce };
      const sig = await driver.signTx(path(0), tx);
      parities.add(sig.yParity);
      assert.equal(decoded(tx, sig).from?.toLowerCase(), ethersAddress(0), `chain ${chainId} nonce ${nonce}`);
    }
    assert.equal(parities.size, 2, `both parities seen on chain ${chainId}`);
  }
});

test('signTx EIP-1559 with an access list: V is the parity, ethers reads the sender back', async () => {
  const { driver } = setup();
  await driver.init();
  const tx: TrezorTx = {
    type: 2,
    chainId: 1n,
    nonce: 3n,
    maxFeePerGas: 30_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    gas: 60_000n,
    to: TO,
    value: 0n,
    data: fromHex('0xa9059cbb'),
    accessList: [{ address: TO, storageKeys: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)] }],
  };
  const sig = await driver.signTx(path(0), tx);
  assert.equal(sig.v, BigInt(sig.yParity));
  const t = decoded(tx, sig);
  assert.equal(t.type, 2);
  assert.equal(t.from?.toLowerCase(), ethersAddress(0));
  assert.equal(t.maxFeePerGas, 30_000_000_000n);
  assert.equal(t.accessList?.[0].storageKeys.length, 2);
});

test('signTx: calldata over 1024 bytes is streamed in chunks the device asks for (legacy and 1559)', async () => {
  const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  for (const type of [0, 2] as const) {
    const { driver, emu } = setup();
    await driver.init();
    const tx: TrezorTx =
      type === 0
        ? { ...legacy(1337802n, data), to: null }
        : { type: 2, chainId: 10n, nonce: 0n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, gas: 3_000_000n, to: TO, value: 0n, data, accessList: [] };
    const sig = await driver.signTx(path(0), tx);
    assert.deepEqual(emu.chunkRequests, [1024, 952]);
    assert.equal(emu.received.filter((n) => n === 'EthereumTxAck').length, 2);
    const t = decoded(tx, sig);
    assert.equal(t.from?.toLowerCase(), ethersAddress(0));
    assert.equal(t.data, toHex(data));
    if (type === 0) assert.equal(t.to, null);
  }
});

test('signMessage: an EIP-191 personal message that ethers.verifyMessage attributes to the account', async () => {
  const { driver } = setup();
  await driver.init();
  for (const msg of [new TextEncoder().encode('hello clef'), new Uint8Array(0), new Uint8Array(300).fill(0xff)]) {
    const sig = await driver.signMessage(path(1), msg);
    assert.equal(sig.length, 65);
    assert.ok(sig[64] === 0 || sig[64] === 1, 'V is the recovery id');
    const withV27 = sig.slice();
    withV27[64] += 27;
    assert.equal(verifyMessage(msg, toHex(withV27)).toLowerCase(), ethersAddress(1));
  }
});

test('signTypedHash: EIP-712 domain + message hashes (and domain only) recover to the account', async () => {
  const { driver } = setup();
  await driver.init();
  const domain = { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' };
  const types = { Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }], Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }] };
  const value = {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  };
  const domainHash = getBytes(TypedDataEncoder.hashDomain(domain));
  const messageHash = getBytes(TypedDataEncoder.from(types).hash(value));
  const sig = await driver.signTypedHash(path(0), domainHash, messageHash);
  const withV27 = sig.slice();
  withV27[64] += 27;
  assert.equal(verifyTypedData(domain, types, value, toHex(withV27)).toLowerCase(), ethersAddress(0));

  const domainOnly = await driver.signTypedHash(path(0), domainHash, null);
  const digest = ethersKeccak(new Uint8Array([0x19, 0x01, ...domainHash]));
  const s = Signature.from({ r: toHex(domainOnly.subarray(0, 32)), s: toHex(domainOnly.subarray(32, 64)), yParity: domainOnly[64] as 0 | 1 });
  assert.equal(recoverAddress(digest, s).toLowerCase(), ethersAddress(0));
  await assert.rejects(driver.signTypedHash(path(0), new Uint8Array(31), null), /32 bytes/);
});

test('rejection on the device: a clear error, and the device keeps serving', async () => {
  const { driver, emu } = setup({ rejectNext: true });
  await driver.init();
  await assert.rejects(driver.signTx(path(0), legacy(1n)), (e: unknown) => {
    assert.ok(e instanceof TrezorRejectedError);
    assert.equal((e as TrezorError).message, 'request rejected on the device');
    assert.equal((e as TrezorError).failure, 'Failure_ActionCancelled');
    assert.equal((e as TrezorError).rejected, true);
    return true;
  });
  emu.rejectNext();
  await assert.rejects(driver.signMessage(path(0), new Uint8Array([1])), /request rejected on the device/);
  emu.rejectNext();
  await assert.rejects(driver.signTypedHash(path(0), new Uint8Array(32), null), /request rejected on the device/);
  const sig = await driver.signTx(path(0), legacy(1n));
  assert.equal(decoded(legacy(1n), sig).from?.toLowerCase(), ethersAddress(0));
});

test('PIN-locked device: PinMatrixRequest is answered through ui.pin() (clef failed here)', async () => {
  let asked = 0;
  let emu!: TrezorEmulator;
  const ui: TrezorUi = { ...noUi, pin: async () => (asked++, emu.encodePin('4711')) };
  const s = setup({ pin: '4711' }, ui);
  emu = s.emu;
  const f = await s.driver.init();
  assert.equal(f.pinProtection, true);
  assert.equal(f.unlocked, false);
  assert.equal(await s.driver.getAddress(path(0)), ethersAddress(0));
  assert.equal(asked, 1);
  // Unlocked for the rest of the session: no second prompt.
  const sig = await s.driver.signMessage(path(0), new Uint8Array([1, 2, 3]));
  assert.equal(sig.length, 65);
  assert.equal(asked, 1);
  assert.equal((await s.driver.init()).unlocked, true);
});

test('PIN: a wrong PIN is a named error and the next correct one unlocks; a declined prompt cancels', async () => {
  let answer = (_e: TrezorEmulator) => '';
  let emu!: TrezorEmulator;
  const ui: TrezorUi = { ...noUi, pin: async () => answer(emu) };
  const s = setup({ pin: '1234' }, ui);
  emu = s.emu;
  await s.driver.init();
  answer = (e) => e.encodePin('4321');
  await assert.rejects(s.driver.getAddress(path(0)), (e: unknown) => {
    assert.ok(e instanceof TrezorError);
    assert.match((e as Error).message, /wrong PIN/);
    assert.equal((e as TrezorError).failure, 'Failure_PinInvalid');
    assert.equal((e as TrezorError).rejected, false);
    return true;
  });
  // Positions outside 1–9 never reach the device.
  answer = () => '12a4';
  await assert.rejects(s.driver.getAddress(path(0)), /positions 1–9/);
  const ui2 = ui;
  ui2.pin = () => Promise.reject(new Error('user closed the dialog'));
  await assert.rejects(s.driver.getAddress(path(0)), /PIN entry cancelled: user closed the dialog/);
  assert.equal(emu.received.at(-1), 'Cancel', 'the driver cancelled the request on the device');
  ui2.pin = async () => emu.encodePin('1234');
  assert.equal(await s.driver.getAddress(path(0)), ethersAddress(0));
});

test('passphrase: the device asks once per session and the passphrase changes the seed as BIP-39 says', async () => {
  let passphrase = 'hunter2';
  let asked = 0;
  const { driver, emu } = setup({ passphrase: 'on-device secret' }, { ...noUi, passphrase: async () => (asked++, passphrase) });
  const f = await driver.init();
  assert.equal(f.passphraseProtection, true);
  const hidden = await driver.getAddress(path(0));
  assert.equal(hidden, ethersAddress(0, 'hunter2'));
  assert.notEqual(hidden, ethersAddress(0));
  const sig = await driver.signMessage(path(0), new Uint8Array([9]));
  const withV27 = sig.slice();
  withV27[64] += 27;
  assert.equal(verifyMessage(new Uint8Array([9]), toHex(withV27)).toLowerCase(), hidden);
  const tx = legacy(5n);
  assert.equal(decoded(tx, await driver.signTx(path(0), tx)).from?.toLowerCase(), hidden);
  assert.equal(asked, 1);
  assert.equal(emu.received.filter((n) => n === 'PassphraseAck').length, 1);
  // A new session asks again; the empty passphrase is the standard wallet.
  passphrase = '';
  await driver.init();
  assert.equal(await driver.getAddress(path(0)), ethersAddress(0));
  assert.equal(asked, 2);
  // Over the firmware's 50 bytes: refused before it reaches the device, the request is cancelled there.
  passphrase = 'ä'.repeat(26); // 52 bytes in UTF-8 (NFKD: a + combining diaeresis = 78)
  await driver.init();
  await assert.rejects(driver.getAddress(path(0)), /passphrase is limited to 50 bytes/);
  assert.equal(emu.received.at(-1), 'Cancel');
});

test('unplugged mid-request: a clear disconnection error, also while calldata is streamed', async () => {
  const data = new Uint8Array(2500).fill(1);
  const { driver, pipe, emu } = setup();
  await driver.init();
  await driver.getAddress(path(0));
  // EthereumSignTx with 1024 bytes of initial data takes 18 reports, the two ButtonAcks one each, the first
  // EthereumTxAck (1024 more bytes) 17: the cable is pulled in the middle of that one.
  pipe.unplugAfterWrites(25);
  await assert.rejects(driver.signTx(path(0), legacy(1n, data)), (e: unknown) => {
    assert.ok(e instanceof TrezorDisconnectedError);
    assert.match((e as Error).message, /Trezor disconnected or not responding: LIBUSB_ERROR_NO_DEVICE/);
    return true;
  });
  assert.deepEqual(emu.received.slice(-3), ['EthereumSignTx', 'ButtonAck', 'ButtonAck'], 'cut while the calldata was streamed');
  assert.equal(driver.features, null);
  await assert.rejects(driver.getAddress(path(0)), TrezorDisconnectedError);
});

test('a device that stops answering gives the read timeout as a clear error', async () => {
  const mute = new InMemoryPipe({ handle: () => [] });
  const driver = new TrezorDriver(mute, noUi);
  await assert.rejects(driver.init(), /Trezor disconnected or not responding: LIBUSB_ERROR_TIMEOUT/);
});

test('unexpected replies are named; Failure_UnexpectedMessage says the firmware lacks the request', async () => {
  // A device answering every request with Success (type 2).
  const { frameMessage } = await import('../../../../adapters/usb/trezor/wire.ts');
  const odd = new InMemoryPipe({ handle: (p) => (p[1] === 0x23 ? frameMessage(2, new Uint8Array(0)) : []) });
  await assert.rejects(new TrezorDriver(odd, noUi).getAddress(path(0)), /unexpected Trezor reply to EthereumGetAddress: expected EthereumAddress, got Success/);
  const old = new InMemoryPipe({ handle: (p) => (p[1] === 0x23 ? frameMessage(3, fromHex('0x0801')) : []) });
  await assert.rejects(new TrezorDriver(old, noUi).signTypedHash(path(0), new Uint8Array(32), null), /does not support EthereumSignTypedHash \(Failure_UnexpectedMessage\)/);
});

test('toTrezorTx: SendTxArgs → legacy / 1559; type 1 and blob transactions are refused clearly', () => {
  const base = { from: TO, to: TO, gas: '0x5208', value: '0x0', nonce: '0x1' };
  const l = toTrezorTx(decodeSendTxArgs({ ...base, gasPrice: '0x1', input: '0xbeef' } as Json), 1n);
  assert.equal(l.type, 0);
  assert.deepEqual(l.data, fromHex('0xbeef'));
  const d = toTrezorTx(decodeSendTxArgs({ ...base, maxFeePerGas: '0x2', maxPriorityFeePerGas: '0x1', chainId: '0x5' } as Json), 5n);
  assert.equal(d.type, 2);
  assert.equal(d.chainId, 5n);
  assert.throws(() => toTrezorTx(decodeSendTxArgs({ ...base, maxFeePerGas: '0x2', chainId: '0x6' } as Json), 5n), /invalid chain id for signer: have 6 want 5/);
  assert.throws(() => toTrezorTx(decodeSendTxArgs({ ...base, gasPrice: '0x1', accessList: [] } as Json), 1n), /EIP-2930 \(type 1\)/);
  assert.throws(
    () => toTrezorTx(decodeSendTxArgs({ ...base, maxFeePerGas: '0x2', blobVersionedHashes: ['0x01' + '00'.repeat(31)] } as Json), 1n),
    /blob \(type 3\)/,
  );
});

test('trezorUiFor: PIN and passphrase are asked through onInputRequired with clef\'s wording', async () => {
  const { trezorUiFor, TREZOR_PIN_REQUEST } = await import('../../../../adapters/usb/trezor/ui.ts');
  const asked: UserInputRequest[] = [];
  let emu!: TrezorEmulator;
  const ui = trezorUiFor({
    onInputRequired: async (req) => {
      asked.push(req);
      return { text: req.prompt.startsWith('Pin') ? emu.encodePin('86') : 'correct horse' };
    },
  });
  const s = setup({ pin: '86', passphrase: '' }, ui);
  emu = s.emu;
  await s.driver.init();
  assert.equal(await s.driver.getAddress(path(0)), ethersAddress(0, 'correct horse'));
  assert.equal(asked.length, 2);
  assert.deepEqual(asked[0], { title: 'Trezor unlock', prompt: 'Pin required to open Trezor wallet\nLook at the device for number positions\n\n7 | 8 | 9\n--+---+--\n4 | 5 | 6\n--+---+--\n1 | 2 | 3\n\n', isPassword: true });
  assert.deepEqual(asked[0], TREZOR_PIN_REQUEST);
  assert.equal(asked[1].title, 'Trezor unlock');
  assert.equal(asked[1].isPassword, true);
  assert.match(asked[1].prompt, /^Passphrase required/);
});

test('Model T-like firmware: PIN typed on the device, 1559 signing, and EthereumSignTypedHash named as unsupported', async () => {
  const { driver, emu } = setup({ model: 'T', pin: '9999' });
  const f = await driver.init();
  assert.equal(f.model, 'T');
  assert.equal(f.majorVersion, 2);
  assert.equal(await driver.getAddress(path(0)), ethersAddress(0)); // noUi: ui.pin() would throw
  assert.ok(!emu.received.includes('PinMatrixAck'));
  const tx: TrezorTx = { type: 2, chainId: 1n, nonce: 0n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, gas: 21000n, to: TO, value: 1n, data: new Uint8Array(0), accessList: [] };
  assert.equal(decoded(tx, await driver.signTx(path(0), tx)).from?.toLowerCase(), ethersAddress(0));
  // Core firmware loads 6144 bytes of calldata before its confirmation screen and the rest after it.
  const big: TrezorTx = { ...tx, data: new Uint8Array(7000).fill(0x5a) };
  const start = emu.received.length;
  assert.equal(decoded(big, await driver.signTx(path(0), big)).from?.toLowerCase(), ethersAddress(0));
  assert.deepEqual(emu.chunkRequests, [1024, 1024, 1024, 1024, 1024, 856]);
  const seq = emu.received.slice(start).filter((n) => n === 'EthereumTxAck' || n === 'ButtonAck');
  assert.equal(seq.indexOf('ButtonAck'), 5, `five chunks (to 6144 bytes) before the first confirmation: ${seq.join(' ')}`);
  await assert.rejects(driver.signTypedHash(path(0), new Uint8Array(32), new Uint8Array(32)), (e: unknown) => {
    assert.ok(e instanceof TrezorError);
    assert.equal((e as Error).message, 'this Trezor (firmware 2.8.1) does not support EthereumSignTypedHash (Failure_UnexpectedMessage: Unexpected message)');
    return true;
  });
});

test('inputs the device cannot take are TrezorErrors before anything is sent', async () => {
  const { driver, pipe } = setup();
  await driver.init();
  const sent = pipe.written.length;
  await assert.rejects(driver.getAddress([2 ** 32]), (e: unknown) => e instanceof TrezorError && /bad derivation path component/.test((e as Error).message));
  await assert.rejects(driver.signTx(path(0), { ...legacy(1n), value: 1n << 256n }), (e: unknown) => e instanceof TrezorError && /value out of range/.test((e as Error).message));
  await assert.rejects(driver.signTx(path(0), legacy(0n)), /EIP-155 chain id/);
  await assert.rejects(driver.signTx(path(0), legacy(1n << 64n)), (e: unknown) => e instanceof TrezorError && /chain id/.test((e as Error).message));
  await assert.rejects(driver.signTx(path(0), { ...legacy(1n), to: null }), /contract creation without data/);
  assert.equal(pipe.written.length - sent, 1, 'only the EthereumGetAddress of path 0 went out (one report)');
});

test('two devices at once: separate drivers, separate seeds, interleaved requests', async () => {
  const other = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
  const a = setup();
  const emuB = new TrezorEmulator({ mnemonic: other, passphrase: '' });
  const b = new TrezorDriver(new InMemoryPipe(emuB), { ...noUi, passphrase: async () => 'b' });
  await Promise.all([a.driver.init(), b.init()]);
  const [addrA, addrB, sigA, sigB] = await Promise.all([
    a.driver.getAddress(path(0)),
    b.getAddress(path(0)),
    a.driver.signTx(path(0), legacy(1n)),
    b.signTx(path(0), legacy(1n)),
  ]);
  assert.equal(addrA, ethersAddress(0));
  assert.equal(addrB, HDNodeWallet.fromPhrase(other, 'b', "m/44'/60'/0'/0/0").address.toLowerCase());
  assert.equal(decoded(legacy(1n), sigA).from?.toLowerCase(), addrA);
  assert.equal(decoded(legacy(1n), sigB).from?.toLowerCase(), addrB);
});
