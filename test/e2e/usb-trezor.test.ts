// The "done when", with a fake Ledger and a fake Trezor attached through umockdev and the real libusb: both
// show in list-wallets, the daemon lists their accounts, the Trezor asks for its PIN through the UI
// (ui_onInputRequired; here the console UI on stdin), and legacy + 1559 transactions, text/plain and EIP-712 from
// the Trezor recover to its address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction, TypedDataEncoder, recoverAddress, verifyMessage } from 'ethers';
import { toChecksumAddress, toHex, utf8 } from '../../core/bytes.ts';
import type { JsonObject } from '../../core/gojson.ts';
import { runClefOk, spawnDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { GethIpcClient, gethSendTxArgs } from '../support/ipc-client.ts';
import { HdKeys, HARDENED } from '../support/usb/hd-keys.ts';
import { UmockdevBus, emulatorCommand, umockdevSkip } from '../support/usb/umockdev-bus.ts';

const skip = umockdevSkip();
const MNEMONIC_T = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ADDR_T = new HdKeys(MNEMONIC_T).key([44 + HARDENED, 60 + HARDENED, HARDENED, 0, 0]).address;
const ADDR_L = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

test('a fake Ledger and a fake Trezor (PIN-locked) side by side: list-wallets, account_list, signatures that recover', { skip, timeout: 300_000 }, async () => {
  const bus = await UmockdevBus.start();
  const dir = mkdtempSync(join(tmpdir(), 'clef-trezor-'));
  let d: DaemonProcess | null = null;
  let c: GethIpcClient | null = null;
  try {
    await bus.plug('l', 'ledger', 1, 5, emulatorCommand('ledger'));
    await bus.plug('t', 'trezor', 1, 9, emulatorCommand('trezor', ['--mnemonic', MNEMONIC_T]));
    const lw = await runClefOk(['--suppress-bootwarn', '--keystore', './ks', 'list-wallets'], { cwd: dir, env: bus.env(), timeoutMs: 90000 });
    assert.match(lw.stdout, /- Wallet 0 at ledger:\/\/0001:0005:00 \(Ethereum app v1\.10\.3 online \)/);
    assert.match(lw.stdout, new RegExp(`- Wallet 1 at trezor://0001:0009:00 \\(Trezor online \\)\\n  -Account 0: ${toChecksumAddress(ADDR_T)} \\(trezor://0001:0009:00/m/44'/60'/0'/0/0\\)`));
    await bus.unplug('t');

    // Now a PIN-locked Trezor: the daemon asks the UI for the PIN when it opens the device.
    await bus.plug('t2', 'trezor', 1, 10, emulatorCommand('trezor', ['--mnemonic', MNEMONIC_T, '--pin', '1234']));
    d = spawnDaemon(['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--auditlog', '', '--chainid', '31337'], {
      cwd: dir,
      stdin: 'pipe',
      env: bus.env(),
    });
    await d.waitFor((o) => o.includes('Pin required to open Trezor wallet'), 90000, 'the Trezor PIN prompt');
    d.write('1234\n');
    d.autoApprove();
    const path = await d.ipcPath(90000);
    await d.ready(90000);
    c = await GethIpcClient.connect(path, { callTimeoutMs: 120000 });
    let listed: string[] = [];
    for (let i = 0; i < 120 && !(listed.includes(ADDR_T) && listed.includes(ADDR_L)); i++) {
      listed = (await c.call<string[]>('account_list')).map((a) => a.toLowerCase());
      if (!listed.includes(ADDR_T)) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(listed.includes(ADDR_T) && listed.includes(ADDR_L), `both devices' accounts listed: ${listed.join(' ')}`);

    const from = toChecksumAddress(ADDR_T);
    const legacy = await c.call<JsonObject>('account_signTransaction', [gethSendTxArgs({ type: 0, from, to: TO, gas: 21000n, gasPrice: 2_000_000_000n, value: 1n, nonce: 0n })]);
    const dyn = await c.call<JsonObject>('account_signTransaction', [
      gethSendTxArgs({ type: 2, from, to: TO, gas: 21000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, value: 2n, nonce: 1n, chainId: 31337n }),
    ]);
    for (const res of [legacy, dyn]) assert.equal(Transaction.from(res.raw as string).from!.toLowerCase(), ADDR_T);
    const sig = await c.call<string>('account_signData', ['text/plain', from, toHex(utf8('hello from a fake trezor'))]);
    assert.equal(verifyMessage('hello from a fake trezor', sig).toLowerCase(), ADDR_T);
    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }], Mail: [{ name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      domain: { name: 'Ether Mail' },
      message: { contents: 'Hello, Bob!' },
    };
    const tsig = await c.call<string>('account_signTypedData', [from, typed]);
    assert.equal(recoverAddress(TypedDataEncoder.hash(typed.domain, { Mail: typed.types.Mail }, typed.message), tsig).toLowerCase(), ADDR_T);
    // the Ledger beside it still signs
    const lsig = await c.call<string>('account_signData', ['text/plain', toChecksumAddress(ADDR_L), '0x01']);
    assert.equal(verifyMessage(Uint8Array.of(1), lsig).toLowerCase(), ADDR_L);
  } catch (e) {
    const lines = (d?.output ?? '').split('\n').filter((l) => /USB|wallet|rror|Trezor|Pin/i.test(l));
    throw new Error(`${(e as Error).message}\n--- daemon log ---\n${lines.join('\n')}`);
  } finally {
    c?.close();
    if (d) await d.stop('SIGTERM').catch(() => d!.kill());
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
