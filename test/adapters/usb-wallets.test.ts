import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsbWallets, classifyUsbDevice, USB_UNSUPPORTED_STATUS } from '../../adapters/usb/usb-wallets.ts';

const dev = (idVendor: number, idProduct: number, busNumber = 1, deviceAddress = 4) => ({ busNumber, deviceAddress, deviceDescriptor: { idVendor, idProduct } });

describe('USB wallets', () => {
  it('recognises Ledger and Trezor devices and nothing else', () => {
    assert.equal(classifyUsbDevice(dev(0x2c97, 0x4011))?.model, 'Ledger');
    assert.equal(classifyUsbDevice(dev(0x534c, 0x0001))?.model, 'Trezor One');
    assert.equal(classifyUsbDevice(dev(0x1209, 0x53c1))?.model, 'Trezor');
    assert.equal(classifyUsbDevice(dev(0x1209, 0x0001)), null);
    assert.equal(classifyUsbDevice(dev(0x046d, 0xc52b)), null);
  });

  it('lists detected wallets with an honest status and no accounts; refuses to sign', async () => {
    const w = await new UsbWallets(undefined, async () => [dev(0x2c97, 0x4011, 3, 7), dev(0x046d, 0xc52b)]).wallets();
    assert.equal(w.length, 1);
    assert.equal(w[0].url, 'ledger://3:7');
    assert.equal(w[0].status(), `Ledger ${USB_UNSUPPORTED_STATUS}`);
    assert.deepEqual(w[0].accounts(), []);
    await assert.rejects(w[0].signHash('0x' + '00'.repeat(20) as `0x${string}`, new Uint8Array(32)), /not supported/);
  });

  it('the real usb package either enumerates or says why not (no bus on these machines)', async () => {
    const lines: string[] = [];
    const log = (msg: string, attrs?: Record<string, unknown>) => lines.push(`${msg} ${JSON.stringify(attrs)}`);
    const logger = { crit: log, error: log, warn: log, info: log, debug: log, trace: log };
    await new UsbWallets(logger).announce();
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^USB hardware wallets( unavailable)? /);
  });
});
