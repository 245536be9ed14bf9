// The device side of a fake USB device for test/support/usb/umockdev-host.py: says `READY`, then reads `OUT <hex>` lines
// (one packet the host wrote) and answers `IN <hex>` lines (packets for the host to read) and `END`. Run as
//   node --import tsx test/support/usb/emulator-main.ts --device ledger|trezor [options]
// Options: --mnemonic "<words>", --reject-next, --reject-all, --hang-on-sign, --app-version 1.9.0 (Ledger),
//          --pin 1234, --passphrase <text>, --model one|T (Trezor). The Trezor emulator is loaded only when asked for, so this file
//          works on branches where test/support/usb/trezor-emulator.ts does not exist yet.
import { createInterface } from 'node:readline';
import { toHexRaw, fromHex } from '../../../core/bytes.ts';
import { TEST_MNEMONIC } from './hd-keys.ts';

interface Emulator {
  handle(packet: Uint8Array): Uint8Array[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(name);

async function build(): Promise<Emulator> {
  const device = arg('--device');
  const mnemonic = arg('--mnemonic');
  if (device === 'ledger') {
    const { LedgerEmulator } = await import('./ledger-emulator.ts');
    const v = arg('--app-version')?.split('.').map(Number) as [number, number, number] | undefined;
    return new LedgerEmulator({ mnemonic, version: v, rejectNext: flag('--reject-next'), rejectAll: flag('--reject-all'), hangOnSign: flag('--hang-on-sign') });
  }
  if (device === 'trezor') {
    const spec = './trezor-emulator.ts';
    const mod = (await import(spec)) as { TrezorEmulator: new (o: Record<string, unknown>) => Emulator };
    // The device's screen cannot be read across processes: with a PIN, the matrix shows digits in keypad order.
    const pin = arg('--pin');
    return new mod.TrezorEmulator({
      mnemonic: mnemonic ?? TEST_MNEMONIC,
      pin,
      fixedPinMatrix: pin !== undefined,
      passphrase: arg('--passphrase'),
      rejectNext: flag('--reject-next'),
      model: arg('--model'),
    });
  }
  throw new Error(`--device ledger|trezor required (got ${device})`);
}

const emulator = await build();
process.stdout.write('READY\n');
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.startsWith('OUT ')) continue;
  let out: Uint8Array[] = [];
  try {
    out = emulator.handle(fromHex('0x' + line.slice(4).trim()));
  } catch (e) {
    process.stderr.write(`emulator: ${(e as Error).message}\n`);
  }
  process.stdout.write(out.map((p) => `IN ${toHexRaw(p)}\n`).join('') + 'END\n');
}
