// The Trezor emulator as a responder process for the umockdev fake USB bus (test/support/usb/umockdev-host.py):
//   stdin  "OUT <hex of one 64-byte report>"
//   stdout zero or more "IN <hex of one 64-byte report>", then "END"
// Usage: tsx test/support/usb/trezor-responder.ts '<JSON options>'
// Options: TrezorEmulatorOptions (mnemonic defaults to the test mnemonic) plus `rejectFlagFile`: when that file
// exists at a request, it is deleted and the user rejects the next confirmation (a test's remote "reject" button).
import { existsSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TrezorEmulator, type TrezorEmulatorOptions } from './trezor-emulator.ts';

const TEST_MNEMONIC = 'test test test test test test test test test test test junk';

const opts = JSON.parse(process.argv[2] ?? '{}') as Partial<TrezorEmulatorOptions> & { rejectFlagFile?: string };
const emu = new TrezorEmulator({ ...opts, mnemonic: opts.mnemonic ?? TEST_MNEMONIC });
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const m = /^OUT ([0-9a-fA-F]*)$/.exec(line.trim());
  let out: Uint8Array[] = [];
  if (m && m[1].length % 2 === 0) {
    if (opts.rejectFlagFile && existsSync(opts.rejectFlagFile)) {
      unlinkSync(opts.rejectFlagFile);
      emu.rejectNext();
    }
    const packet = Uint8Array.from(m[1].match(/../g) ?? [], (b) => parseInt(b, 16));
    out = emu.handle(packet);
  }
  process.stdout.write(out.map((p) => `IN ${hex(p)}\n`).join('') + 'END\n');
});
lines.on('close', () => {
  process.exitCode = 0;
});
