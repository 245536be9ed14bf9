// The Trezor integration point: adapters/usb/trezor-wallet.ts over the Trezor protocol driver (adapters/usb/trezor/,
// written on the `trezor` branch) and its emulator, in-process. Skips until both are merged into this tree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Transaction, verifyMessage } from 'ethers';
import { TrezorWallet, type TrezorDriverLike } from '../../../adapters/usb/trezor-wallet.ts';
import type { PacketPipe } from '../../../adapters/usb/packet-pipe.ts';
import { Signer } from '../../../core/signer.ts';
import { FourByteDb } from '../../../core/fourbyte.ts';
import { MixedcaseAddress } from '../../../core/gojson.ts';
import { toChecksumAddress, toHex, utf8, type Address } from '../../../core/bytes.ts';
import { decodeSendTxArgs } from '../../../core/tx.ts';
import { defaultMeta } from '../../../core/rpc.ts';
import { CounterRandom, CountingKdf, ScriptedApprover, silentLogger } from '../../support/fakes.ts';
import { MemoryPipe, type PacketDevice } from '../../support/usb/memory-pipe.ts';
import { TEST_MNEMONIC } from '../../support/usb/hd-keys.ts';

const driverFile = fileURLToPath(new URL('../../../adapters/usb/trezor/driver.ts', import.meta.url));
const emulatorFile = fileURLToPath(new URL('../../support/usb/trezor-emulator.ts', import.meta.url));
const skip = existsSync(driverFile) && existsSync(emulatorFile) ? false : 'adapters/usb/trezor (branch trezor) not merged here yet';
const ADDR0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const meta = { ...defaultMeta(), scheme: 'ipc' };

async function trezorSigner() {
  const { TrezorDriver } = (await import(driverFile)) as { TrezorDriver: new (p: PacketPipe, ui: { pin(): Promise<string>; passphrase(): Promise<string> }) => TrezorDriverLike };
  const { TrezorEmulator } = (await import(emulatorFile)) as { TrezorEmulator: new (o: Record<string, unknown>) => PacketDevice };
  const pipe = new MemoryPipe(new TrezorEmulator({ mnemonic: TEST_MNEMONIC }));
  const wallet = new TrezorWallet('trezor://0001:0009:00', new TrezorDriver(pipe, { pin: async () => '', passphrase: async () => '' }));
  await wallet.open();
  const approver = new ScriptedApprover();
  const signer = new Signer(
    { keystore: null, kdf: new CountingKdf(), random: new CounterRandom(), approver, credentials: null, fourByte: FourByteDb.builtin(), logger: silentLogger, hardware: { wallets: async () => [wallet] } },
    { chainId: 1337n, advanced: false, keyParams: { n: 1024, p: 1 }, cacheKeys: true },
  );
  return { wallet, signer };
}

describe('Trezor through the wallet port', () => {
  it('opens, derives the default accounts and signs text/plain, legacy and 1559 transactions', { skip }, async () => {
    const { wallet, signer } = await trezorSigner();
    assert.equal(wallet.accounts().length, 10);
    assert.deepEqual(wallet.accounts()[0], { address: ADDR0, url: "trezor://0001:0009:00/m/44'/60'/0'/0/0" });
    const from = new MixedcaseAddress(ADDR0, toChecksumAddress(ADDR0));
    const sig = await signer.signData(meta, 'text/plain', from, toHex(utf8('hello trezor')));
    assert.equal(verifyMessage('hello trezor', toHex(sig)).toLowerCase(), ADDR0);
    const base = { from: toChecksumAddress(ADDR0), to: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', gas: '0x5208', value: '0x1', nonce: '0x0', input: '0x' };
    for (const extra of [{ gasPrice: '0x3b9aca00' }, { maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00' }] as Record<string, string>[]) {
      const res = await signer.signTransaction(meta, decodeSendTxArgs({ ...base, ...extra }), null);
      const tx = Transaction.from(res.raw);
      assert.equal(tx.from!.toLowerCase(), ADDR0);
      assert.equal(tx.chainId, 1337n);
    }
  });
});
