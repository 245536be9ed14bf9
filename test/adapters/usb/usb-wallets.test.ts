// adapters/usb/usb-wallets.ts and the signer's wallet port with fake devices attached in-process: enumeration,
// hot-plug, a Ledger emulator answering every request kind, and the signatures checked by real peers (ethers).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction, TypedDataEncoder, verifyMessage } from 'ethers';
import { UsbWallets, classifyUsbDevice, walletUrl, type UsbDeviceLike } from '../../../adapters/usb/usb-wallets.ts';
import { Signer } from '../../../core/signer.ts';
import { FourByteDb } from '../../../core/fourbyte.ts';
import { MixedcaseAddress } from '../../../core/gojson.ts';
import { toChecksumAddress, toHex, utf8, type Address } from '../../../core/bytes.ts';
import { decodeSendTxArgs } from '../../../core/tx.ts';
import { parseTypedData } from '../../../core/eip712.ts';
import { defaultMeta } from '../../../core/rpc.ts';
import { CounterRandom, CountingKdf, MemoryKeyStore, ScriptedApprover, silentLogger } from '../../support/fakes.ts';
import { uiServerApi } from '../../../cli/ui-server-api.ts';
import { LedgerEmulator, type LedgerEmulatorOptions } from '../../support/usb/ledger-emulator.ts';
import { MemoryPipe, type PacketDevice } from '../../support/usb/memory-pipe.ts';
import { TrezorEmulator } from '../../support/usb/trezor-emulator.ts';

const ADDR0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const meta = { ...defaultMeta(), scheme: 'ipc' };
const dev = (idVendor: number, idProduct: number, busNumber = 1, deviceAddress = 4): UsbDeviceLike => ({
  busNumber,
  deviceAddress,
  deviceDescriptor: { idVendor, idProduct },
});

/** A fake bus: devices can be plugged and unplugged; each is answered by its own emulator (a Ledger by default). */
function fakeBus() {
  const attached: UsbDeviceLike[] = [];
  const pipes = new Map<UsbDeviceLike, MemoryPipe>();
  const emulators = new Map<UsbDeviceLike, PacketDevice>();
  const plug = (d: UsbDeviceLike, opts: LedgerEmulatorOptions = {}, device: PacketDevice = new LedgerEmulator(opts)) => {
    attached.push(d);
    emulators.set(d, device);
  };
  const unplug = (d: UsbDeviceLike) => {
    attached.splice(attached.indexOf(d), 1);
    pipes.get(d)?.unplug();
  };
  const approver = new ScriptedApprover();
  const usb = new UsbWallets(silentLogger, {
    list: async () => [...attached],
    openPipe: (d) => {
      const p = Object.assign(new MemoryPipe(emulators.get(d)!), { close() {} });
      pipes.set(d, p);
      return p;
    },
    approver: () => approver,
  });
  const signer = new Signer(
    { keystore: null, kdf: new CountingKdf(), random: new CounterRandom(), approver, credentials: null, fourByte: FourByteDb.builtin(), logger: silentLogger, hardware: usb },
    { chainId: 1337n, advanced: false, keyParams: { n: 1024, p: 1 }, cacheKeys: true },
  );
  return { plug, unplug, usb, signer, approver, emulators };
}

const addr0 = () => new MixedcaseAddress(ADDR0, toChecksumAddress(ADDR0));

describe('USB wallets: enumeration and hot-plug', () => {
  it('recognises Ledger and Trezor devices and nothing else; URLs are hidapi-style bus:address:interface', () => {
    assert.equal(classifyUsbDevice(dev(0x2c97, 0x4011))?.model, 'Ledger');
    assert.equal(classifyUsbDevice(dev(0x534c, 0x0001))?.model, 'Trezor One');
    assert.equal(classifyUsbDevice(dev(0x1209, 0x53c1))?.model, 'Trezor');
    assert.equal(classifyUsbDevice(dev(0x1209, 0x0001)), null);
    assert.equal(classifyUsbDevice(dev(0x046d, 0xc52b)), null);
    assert.equal(walletUrl('ledger', dev(0x2c97, 0x5011, 3, 17)), 'ledger://0003:0011:00');
  });

  it('opens a Ledger on arrival (app version, 10 default + 10 legacy accounts) and drops it on unplug', async () => {
    const bus = fakeBus();
    assert.deepEqual(await bus.usb.wallets(), []);
    const d = dev(0x2c97, 0x5011, 3, 7);
    bus.plug(d);
    bus.plug(dev(0x046d, 0xc52b, 3, 8));
    const [w, ...rest] = await bus.usb.wallets();
    assert.equal(rest.length, 0);
    assert.equal(w.url, 'ledger://0003:0007:00');
    assert.equal(w.status(), 'Ethereum app v1.10.3 online');
    assert.equal(w.accounts().length, 20);
    assert.deepEqual(w.accounts().find((a) => a.address === ADDR0), { address: ADDR0, url: "ledger://0003:0007:00/m/44'/60'/0'/0/0" });
    const listed = await bus.signer.accounts();
    assert.equal(listed.length, 20);
    bus.unplug(d);
    assert.deepEqual(await bus.usb.wallets(), []);
    assert.deepEqual(await bus.signer.accounts(), []);
  });

  it('a Trezor is opened through its driver: accounts self-derived, a personal message recovers to its address', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x1209, 0x53c1, 1, 9), {}, new TrezorEmulator({ mnemonic: 'test test test test test test test test test test test junk' }));
    const [w] = await bus.usb.wallets();
    assert.equal(w.url, 'trezor://0001:0009:00');
    assert.equal(w.status(), 'Trezor online');
    assert.deepEqual(w.accounts().find((a) => a.address === ADDR0), { address: ADDR0, url: "trezor://0001:0009:00/m/44'/60'/0'/0/0" });
    const sig = await bus.signer.signData(meta, 'text/plain', addr0(), toHex(utf8('hello trezor')));
    assert.equal(verifyMessage('hello trezor', toHex(sig)).toLowerCase(), ADDR0);
  });

  it('the real usb package either enumerates or says why not', async () => {
    const lines: string[] = [];
    const log = (msg: string, attrs?: Record<string, unknown>) => lines.push(`${msg} ${JSON.stringify(attrs)}`);
    const logger = { crit: log, error: log, warn: log, info: log, debug: log, trace: log };
    const usb = new UsbWallets(logger);
    await usb.announce();
    usb.close();
    assert.match(lines[0], /^USB hardware wallets( unavailable)? /);
  });
});

describe('Signer through the wallet port with a Ledger attached', () => {
  const txBase = { from: toChecksumAddress(ADDR0), to: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', gas: '0x5208', value: '0x1', nonce: '0x3', input: '0x' };

  it('signs a legacy EIP-155 transaction (chain id 1337: the app V byte is wrong); ethers recovers the sender', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x2c97, 0x4011));
    const res = await bus.signer.signTransaction(meta, decodeSendTxArgs({ ...txBase, gasPrice: '0x3b9aca00' }), null);
    const tx = Transaction.from(res.raw);
    assert.equal(tx.type, 0);
    assert.equal(tx.chainId, 1337n);
    assert.equal(tx.from!.toLowerCase(), ADDR0);
    assert.equal(res.tx.hash, tx.hash);
  });

  it('signs a 1559 transaction and an access-list transaction', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x2c97, 0x4011));
    const r2 = await bus.signer.signTransaction(meta, decodeSendTxArgs({ ...txBase, maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00', chainId: '0x539' }), null);
    const t2 = Transaction.from(r2.raw);
    assert.equal(t2.type, 2);
    assert.equal(t2.from!.toLowerCase(), ADDR0);
    const r1 = await bus.signer.signTransaction(
      meta,
      decodeSendTxArgs({ ...txBase, gasPrice: '0x3b9aca00', accessList: [{ address: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', storageKeys: [] }] }),
      null,
    );
    const t1 = Transaction.from(r1.raw);
    assert.equal(t1.type, 1);
    assert.equal(t1.from!.toLowerCase(), ADDR0);
  });

  it('signs text/plain as a personal message (V 27/28) and EIP-712 by hashes', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x2c97, 0x4011));
    const sig = await bus.signer.signData(meta, 'text/plain', addr0(), toHex(utf8('hello ledger')));
    assert.ok(sig[64] === 27 || sig[64] === 28);
    assert.equal(verifyMessage('hello ledger', toHex(sig)).toLowerCase(), ADDR0);
    const typed = {
      types: {
        EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }],
        Mail: [{ name: 'contents', type: 'string' }],
      },
      primaryType: 'Mail',
      domain: { name: 'Ether Mail', chainId: 1337 },
      message: { contents: 'Hello, Bob!' },
    };
    const tsig = await bus.signer.signTypedData(meta, addr0(), parseTypedData(typed));
    const digest = TypedDataEncoder.hash(typed.domain, { Mail: typed.types.Mail }, typed.message);
    const { recoverAddress } = await import('ethers');
    assert.equal(recoverAddress(digest, toHex(tsig)).toLowerCase(), ADDR0);
  });

  it('a rejection on the device is a clear error, shown to the UI; the next request works', async () => {
    const bus = fakeBus();
    const d = dev(0x2c97, 0x4011);
    bus.plug(d, { rejectNext: true });
    await assert.rejects(bus.signer.signData(meta, 'text/plain', addr0(), '0x01'), /request rejected on the device/);
    assert.match(bus.approver.errors.join('\n'), /request rejected on the device/);
    await bus.signer.signData(meta, 'text/plain', addr0(), '0x01');
  });

  it('refuses what a Ledger cannot sign: clique headers (bare hashes) and blob transactions', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x2c97, 0x4011));
    await assert.rejects(bus.signer.signData(meta, 'data/validator', addr0(), { address: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', message: '0x01' }), /ledger wallets cannot sign data\/validator data/);
    await assert.rejects(
      bus.signer.signTransaction(
        meta,
        decodeSendTxArgs({ ...txBase, maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x1', maxFeePerBlobGas: '0x1', blobVersionedHashes: ['0x01' + '00'.repeat(31)] }),
        null,
      ),
      /blob transactions \(type 3\) cannot be signed with a Ledger/,
    );
  });

  it('an old Ethereum app is told to update instead of sending what it cannot parse', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x2c97, 0x4011), { version: [1, 4, 0] });
    await assert.rejects(bus.signer.signTypedData(meta, addr0(), parseTypedData({ types: { EIP712Domain: [{ name: 'name', type: 'string' }], M: [{ name: 'a', type: 'uint8' }] }, primaryType: 'M', domain: { name: 'x' }, message: { a: 1 } })), /v1\.4\.0 cannot sign EIP-712 data, please update to v1\.5\.0/);
  });

  it('an unplug while the device waits for the user fails that request; the signer keeps serving', async () => {
    const bus = fakeBus();
    const d = dev(0x2c97, 0x4011, 1, 4);
    bus.plug(d, { hangOnSign: true });
    const second = dev(0x2c97, 0x4011, 1, 5);
    bus.plug(second, { mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' });
    const accounts = await bus.signer.accounts();
    assert.equal(accounts.length, 40, 'two devices, 20 accounts each');
    const pending = bus.signer.signData(meta, 'text/plain', addr0(), '0x01');
    await new Promise((r) => setTimeout(r, 20));
    bus.unplug(d);
    await assert.rejects(pending, /disconnected/);
    // the other device still signs
    const other = accounts.find((a) => a.url.startsWith('ledger://0001:0005:00/'))!;
    const sig = await bus.signer.signData(meta, 'text/plain', new MixedcaseAddress(other.address, toChecksumAddress(other.address)), '0x02');
    assert.equal(verifyMessage(Uint8Array.of(2), toHex(sig)).toLowerCase(), other.address);
  });
});

describe('clef_listWallets / clef_deriveAccount / clef_openWallet with a device', () => {
  it('lists the device with its status and accounts, derives by path (pinned or not), reopens', async () => {
    const bus = fakeBus();
    bus.plug(dev(0x2c97, 0x4011, 2, 3));
    const keystore = new MemoryKeyStore();
    keystore.files.set('/mem/UTC--a', { address: ADDR0, json: '{}' });
    const api = uiServerApi(bus.signer, keystore, new CountingKdf(), bus.usb);
    const wallets = await api.listWallets();
    assert.deepEqual(wallets.map((w) => [w.url, w.status, w.accounts?.length]), [
      ['keystore:///mem/UTC--a', 'Locked', 1],
      ['ledger://0002:0003:00', 'Ethereum app v1.10.3 online', 20],
    ]);
    const url = 'ledger://0002:0003:00';
    const a = await api.deriveAccount(url, "m/44'/60'/1'/0/0", false);
    assert.equal(a.url, "ledger://0002:0003:00/m/44'/60'/1'/0/0");
    assert.equal((await api.listWallets())[1].accounts?.length, 20, 'not pinned');
    const b = await api.deriveAccount(url, '0/42', true);
    assert.equal(b.url, "ledger://0002:0003:00/m/44'/60'/0'/0/0/42");
    assert.equal((await api.listWallets())[1].accounts?.length, 21, 'pinned');
    await assert.rejects(api.deriveAccount('keystore:///mem/UTC--a', '0/1', false), /not supported/);
    await assert.rejects(api.deriveAccount('ledger://9', '0/1', false), /unknown wallet/);
    await assert.rejects(api.deriveAccount('ledger9', '0/1', false), /protocol scheme missing/);
    await assert.rejects(api.deriveAccount(url, 'm/x', false), /invalid component: x/);
    await api.openWallet(url, '');
    assert.equal((await api.listWallets())[1].status, 'Ethereum app v1.10.3 online');
  });
});
