// The Trezor emulator as a separate responder process speaking the umockdev host's line protocol
// ("OUT <hex>" → "IN <hex>"… "END"), driven by TrezorDriver: what the fake USB bus will run, minus the bus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HDNodeWallet, verifyMessage } from 'ethers';
import { toHex } from '../../../../core/bytes.ts';
import { TrezorDriver, TrezorRejectedError, type PacketPipe } from '../../../../adapters/usb/trezor/driver.ts';
import { projectRoot } from '../../../support/vectors.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const H = 0x80000000;

test('responder process: PIN (fixed matrix), passphrase, signing and a remote reject over the line protocol', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trezor-responder-'));
  const rejectFlagFile = join(dir, 'reject');
  const opts = { pin: '2589', passphrase: '', fixedPinMatrix: true, rejectFlagFile };
  const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), [join(projectRoot, 'test/support/usb/trezor-responder.ts'), JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const inbox: Uint8Array[] = [];
    const pipe: PacketPipe = {
      async write(packet) {
        child.stdin!.write(`OUT ${toHex(packet).slice(2)}\n`);
        for (;;) {
          const { value, done } = await lines.next();
          if (done) throw new Error('responder exited');
          if (value === 'END') break;
          assert.match(value, /^IN [0-9a-f]{128}$/);
          inbox.push(Uint8Array.from(value.slice(3).match(/../g)!, (b: string) => parseInt(b, 16)));
        }
      },
      async read() {
        const p = inbox.shift();
        if (!p) throw new Error('LIBUSB_ERROR_TIMEOUT');
        return p;
      },
    };
    const driver = new TrezorDriver(pipe, { pin: async () => '2589', passphrase: async () => 'tr' });
    const f = await driver.init();
    assert.equal(f.pinProtection, true);
    const addr = await driver.getAddress([44 + H, 60 + H, H, 0, 0]);
    assert.equal(addr, HDNodeWallet.fromPhrase(MNEMONIC, 'tr', "m/44'/60'/0'/0/0").address.toLowerCase());
    writeFileSync(rejectFlagFile, '');
    await assert.rejects(driver.signMessage([44 + H, 60 + H, H, 0, 0], new Uint8Array([1])), TrezorRejectedError);
    const sig = await driver.signMessage([44 + H, 60 + H, H, 0, 0], new Uint8Array([1]));
    sig[64] += 27;
    assert.equal(verifyMessage(new Uint8Array([1]), toHex(sig)).toLowerCase(), addr);
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
});
