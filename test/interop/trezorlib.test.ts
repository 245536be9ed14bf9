// The Trezor emulator and the driver's encodings meet a real peer: trezorlib (Debian's python3-trezor, the
// reference host library) drives the emulator's responder process through PIN, passphrase, streamed calldata,
// signing and a rejection, and its own protobuf encodings of the requests equal the driver's byte for byte.
// Skips with a note when /usr/bin/python3 has no trezorlib (apt-get install python3-trezor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDNodeWallet, Transaction, verifyMessage } from 'ethers';
import { fromHex, toHex } from '../../core/bytes.ts';
import {
  encodeEthereumGetAddress,
  encodeEthereumSignMessage,
  encodeEthereumSignTx,
  encodeEthereumTxAck,
  encodeInitialize,
  encodePassphraseAck,
  encodePinMatrixAck,
} from '../../adapters/usb/trezor/messages.ts';
import { rawSignedTx, type TrezorTx } from '../../adapters/usb/trezor/tx.ts';
import { MessageType } from '../../adapters/usb/trezor/wire.ts';
import { projectRoot } from '../support/vectors.ts';

const PYTHON = '/usr/bin/python3';
const MNEMONIC = 'test test test test test test test test test test test junk';
const H = 0x80000000;
const path = (i: number) => [44 + H, 60 + H, H, 0, i];

function hasTrezorlib(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import trezorlib.client, trezorlib.ethereum'], { stdio: 'pipe', timeout: 30000 });
    return true;
  } catch {
    return false;
  }
}
const skip = hasTrezorlib() ? false : 'trezorlib is not installed for /usr/bin/python3 (apt-get install python3-trezor); skipping';

interface PeerOutput {
  encodings: Record<string, { type: number; hex: string }>;
  features: { vendor: string; version: number[]; pin_protection: boolean; passphrase_protection: boolean; model: string; initialized: boolean };
  address0: string;
  address1: string;
  signTx: Record<string, { v: number; r: string; s: string }>;
  signMessage: { address: string; signature: string };
  rejected: boolean;
  ui: { buttons: number; pins: number; passphrases: number };
}

test('trezorlib drives the emulator, and encodes requests exactly as the driver does', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'trezorlib-peer-'));
  const rejectFlagFile = join(dir, 'reject');
  let out: PeerOutput;
  try {
    const responder = [
      join(projectRoot, 'node_modules', '.bin', 'tsx'),
      join(projectRoot, 'test', 'support', 'usb', 'trezor-responder.ts'),
      JSON.stringify({ pin: '1597', passphrase: '', fixedPinMatrix: true, rejectFlagFile }),
    ];
    const stdout = execFileSync(
      PYTHON,
      [join(projectRoot, 'test', 'support', 'usb', 'trezorlib-peer.py'), JSON.stringify({ responder, pin: '1597', passphrase: 'tr', rejectFlagFile })],
      { encoding: 'utf8', timeout: 150000, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    out = JSON.parse(stdout) as PeerOutput;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Encodings: trezorlib's protobuf vs the driver's.
  const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const ours: Record<string, { type: number; bytes: Uint8Array }> = {
    getAddress: { type: MessageType.EthereumGetAddress, bytes: encodeEthereumGetAddress(path(0)) },
    signTx: {
      type: MessageType.EthereumSignTx,
      bytes: encodeEthereumSignTx({ addressN: path(0), nonce: 7n, gasPrice: 20_000_000_000n, gasLimit: 100_000n, to, value: 10n ** 17n, data, chainId: 1337802n }),
    },
    txAck: { type: MessageType.EthereumTxAck, bytes: encodeEthereumTxAck(data.subarray(1024, 2048)) },
    signMessage: { type: MessageType.EthereumSignMessage, bytes: encodeEthereumSignMessage(path(1), new TextEncoder().encode('hello clef')) },
    pinMatrixAck: { type: MessageType.PinMatrixAck, bytes: encodePinMatrixAck('1597') },
    passphraseAck: { type: MessageType.PassphraseAck, bytes: encodePassphraseAck('tr') },
    initialize: { type: MessageType.Initialize, bytes: encodeInitialize() },
  };
  assert.deepEqual(Object.keys(out.encodings).sort(), Object.keys(ours).sort());
  for (const [name, theirs] of Object.entries(out.encodings)) {
    assert.equal(theirs.type, ours[name].type, `${name} message type`);
    assert.equal(theirs.hex, toHex(ours[name].bytes).slice(2), `${name} bytes`);
  }

  // The emulator as trezorlib sees it.
  assert.deepEqual(out.features, { vendor: 'trezor.io', version: [1, 12, 1], pin_protection: true, passphrase_protection: true, model: '1', initialized: true });
  const hidden = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, 'tr', `m/44'/60'/0'/0/${i}`).address;
  assert.equal(out.address0, hidden(0));
  assert.equal(out.address1, hidden(1));
  for (const [chain, sig] of Object.entries(out.signTx)) {
    const chainId = BigInt(chain);
    const tx: TrezorTx = { type: 0, chainId, nonce: 7n, gasPrice: 20_000_000_000n, gas: 100_000n, to: to.toLowerCase() as `0x${string}`, value: 10n ** 17n, data };
    const yParity = BigInt(sig.v) - (chainId * 2n + 35n);
    assert.ok(yParity === 0n || yParity === 1n, `full EIP-155 V for chain ${chain}`);
    const raw = rawSignedTx(tx, { v: BigInt(sig.v), r: fromHex('0x' + sig.r), s: fromHex('0x' + sig.s), yParity: Number(yParity) as 0 | 1, signature: new Uint8Array(0) });
    const t = Transaction.from(toHex(raw));
    assert.equal(t.from, hidden(0), `chain ${chain}`);
    assert.equal(t.data, toHex(data));
  }
  assert.equal(out.signMessage.address, hidden(1));
  assert.equal(verifyMessage('hello clef', '0x' + out.signMessage.signature), hidden(1));
  assert.equal(out.rejected, true, 'trezorlib saw Failure_ActionCancelled as Cancelled');
  assert.equal(out.ui.pins, 1);
  assert.equal(out.ui.passphrases, 1);
  assert.ok(out.ui.buttons >= 5, `confirmations: ${out.ui.buttons}`);
});
