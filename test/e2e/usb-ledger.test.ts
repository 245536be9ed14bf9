// Ledger end to end without hardware: umockdev presents fake USB devices to the real libusb inside clef (usb@2), the
// device side is the Ledger emulator (real BIP-32 keys of public test mnemonics, real signatures), and everything the
// daemon returns is checked by real peers: ethers recovers signers, anvil accepts and mines the transactions.
// Covers list-wallets, --nousb, account_list, legacy and 1559 transactions, text/plain, EIP-712, a rejection on the
// device, hot-plug of a second device, two devices at once and an unplug in the middle of a request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction, TypedDataEncoder, recoverAddress, verifyMessage } from 'ethers';
import { toChecksumAddress, toHex, utf8 } from '../../core/bytes.ts';
import type { Json, JsonObject } from '../../core/gojson.ts';
import { repoRoot, runClefOk, spawnDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { GethIpcClient, RpcError, gethSendTxArgs } from '../support/ipc-client.ts';
import { HdKeys, HARDENED } from '../support/usb/hd-keys.ts';
import { UmockdevBus, emulatorCommand, umockdevSkip } from '../support/usb/umockdev-bus.ts';
import { freePort } from '../support/free-port.ts';

const T = 300_000;
const skip = umockdevSkip();
const PATH0 = [44 + HARDENED, 60 + HARDENED, HARDENED, 0, 0];
const ADDR_A = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'; // "test … junk", anvil's first funded account
const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const MNEMONIC_B = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const MNEMONIC_C = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const MNEMONIC_D = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above';
const addrOf = (m: string) => new HdKeys(m).key(PATH0).address;

const anvilBin = join(repoRoot, 'node_modules', '.bin', 'anvil');
function anvilRuns(): boolean {
  try {
    execFileSync(anvilBin, ['--version'], { stdio: 'pipe', timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}

async function startAnvil(): Promise<{ rpc: (m: string, p?: Json[]) => Promise<Json>; stop: () => void } | null> {
  if (!existsSync(anvilBin) || !anvilRuns()) return null;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(anvilBin, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', '31337'], { stdio: 'ignore' });
  let id = 0;
  const rpc = async (method: string, params: Json[] = []): Promise<Json> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
    const body = (await res.json()) as { result?: Json; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result ?? null;
  };
  for (let i = 0; i < 200; i++) {
    try {
      await rpc('eth_chainId');
      return { rpc, stop: () => child.kill() };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  throw new Error('anvil did not start');
}

/** Polls account_list until `want` holds (devices are enumerated per request and by a 1 s poll). */
async function listUntil(c: GethIpcClient, want: (l: string[]) => boolean, what: string): Promise<string[]> {
  let last: string[] = [];
  for (let i = 0; i < 120; i++) {
    last = (await c.call<string[]>('account_list')).map((a) => a.toLowerCase());
    if (want(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`account_list never showed ${what}: ${last.join(' ')}`);
}

test('Ledger through libusb and umockdev: list-wallets, --nousb, signing checked by ethers and anvil, rejection, hot-plug, unplug', { skip, timeout: T }, async () => {
  const bus = await UmockdevBus.start();
  const dir = mkdtempSync(join(tmpdir(), 'clef-usb-'));
  let d: DaemonProcess | null = null;
  let c: GethIpcClient | null = null;
  const anvil = await startAnvil();
  try {
    await bus.plug('a', 'ledger', 1, 5, emulatorCommand('ledger'));

    // list-wallets opens the device: app version and derived accounts, in clef's format.
    const lw = await runClefOk(['--suppress-bootwarn', '--keystore', './ks', 'list-wallets'], { cwd: dir, env: bus.env(), timeoutMs: 90000 });
    assert.match(lw.stdout, /- Wallet 0 at ledger:\/\/0001:0005:00 \(Ethereum app v1\.10\.3 online \)\n {2}-Account 0: 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 \(ledger:\/\/0001:0005:00\/m\/44'\/60'\/0'\/0\/0\)\n/);
    assert.match(lw.stdout, /\(ledger:\/\/0001:0005:00\/m\/44'\/60'\/0'\/9\)\n/, 'legacy Ledger paths derived too');
    const nousb = await runClefOk(['--suppress-bootwarn', '--keystore', './ks', '--nousb', 'list-wallets'], { cwd: dir, env: bus.env(), timeoutMs: 90000 });
    assert.match(nousb.stdout, /There are no wallets\./);

    d = spawnDaemon(['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--lightkdf', '--ipcpath', './ipc', '--auditlog', '', '--chainid', '31337'], {
      cwd: dir,
      stdin: 'pipe',
      env: bus.env(),
    });
    d.autoApprove();
    const path = await d.ipcPath(90000);
    await d.ready(90000);
    c = await GethIpcClient.connect(path, { callTimeoutMs: 120000 });
    assert.ok((await c.call<string[]>('account_list')).map((a) => a.toLowerCase()).includes(ADDR_A));
    await d.waitFor((o) => /------- Hardware wallets -------\n\* ledger:\/\/0001:0005:00 : Ethereum app v1\.10\.3 online\n/.test(o), 60000, 'the console listing devices');

    // Transactions: legacy (EIP-155, chain id 31337: the app's one-byte V is wrong) and 1559; anvil mines both.
    let nonce = anvil ? BigInt((await anvil.rpc('eth_getTransactionCount', [ADDR_A, 'latest'])) as string) : 0n;
    const from = toChecksumAddress(ADDR_A);
    const legacy = await c.call<JsonObject>('account_signTransaction', [gethSendTxArgs({ type: 0, from, to: TO, gas: 21000n, gasPrice: 2_000_000_000n, value: 1n, nonce: nonce++ })]);
    const dyn = await c.call<JsonObject>('account_signTransaction', [
      gethSendTxArgs({ type: 2, from, to: TO, gas: 21000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, value: 2n, nonce: nonce++, chainId: 31337n }),
    ]);
    for (const [res, type] of [[legacy, 0], [dyn, 2]] as const) {
      const tx = Transaction.from(res.raw as string);
      assert.equal(tx.type, type);
      assert.equal(tx.from!.toLowerCase(), ADDR_A);
      assert.equal(tx.chainId, 31337n);
      if (anvil) {
        const hash = await anvil.rpc('eth_sendRawTransaction', [res.raw as string]);
        assert.equal(hash, tx.hash);
        let receipt: JsonObject | null = null;
        for (let i = 0; i < 200 && !receipt; i++) {
          receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as JsonObject | null;
          if (!receipt) await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(receipt?.status, '0x1', 'anvil mined the device-signed transaction');
      }
    }

    // text/plain (personal message, new for Ledger) and EIP-712.
    const sig = await c.call<string>('account_signData', ['text/plain', from, toHex(utf8('hello from a fake ledger'))]);
    assert.equal(verifyMessage('hello from a fake ledger', sig).toLowerCase(), ADDR_A);
    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Mail: [{ name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      domain: { name: 'Ether Mail', chainId: 31337 },
      message: { contents: 'Hello, Bob!' },
    };
    const tsig = await c.call<string>('account_signTypedData', [from, typed]);
    assert.equal(recoverAddress(TypedDataEncoder.hash(typed.domain, { Mail: typed.types.Mail }, typed.message), tsig).toLowerCase(), ADDR_A);

    // Hot-plug: two more devices appear while the daemon runs; one signs, one rejects on the device.
    const addrB = addrOf(MNEMONIC_B);
    const addrC = addrOf(MNEMONIC_C);
    await bus.plug('b', 'ledger', 1, 6, emulatorCommand('ledger', ['--mnemonic', MNEMONIC_B]));
    await bus.plug('c', 'ledger', 1, 7, emulatorCommand('ledger', ['--mnemonic', MNEMONIC_C, '--reject-all']));
    await listUntil(c, (l) => l.includes(addrB) && l.includes(addrC) && l.includes(ADDR_A), 'devices b and c');
    // two devices signing at the same time
    const [sigB, sigA] = await Promise.all([
      c.call<string>('account_signData', ['text/plain', toChecksumAddress(addrB), '0x0102']),
      c.call<string>('account_signData', ['text/plain', from, '0x0304']),
    ]);
    assert.equal(verifyMessage(Uint8Array.of(1, 2), sigB).toLowerCase(), addrB);
    assert.equal(verifyMessage(Uint8Array.of(3, 4), sigA).toLowerCase(), ADDR_A);
    await assert.rejects(c.call('account_signData', ['text/plain', toChecksumAddress(addrC), '0x01']), (e: unknown) => {
      assert.ok(e instanceof RpcError);
      assert.equal(e.code, -32000);
      assert.match(e.message, /request rejected on the device \(status word 0x6985\)/);
      return true;
    });

    // Unplug while the device waits for the user: that request fails clearly, the daemon keeps serving.
    const addrD = addrOf(MNEMONIC_D);
    await bus.plug('d', 'ledger', 1, 8, emulatorCommand('ledger', ['--mnemonic', MNEMONIC_D, '--hang-on-sign']));
    await listUntil(c, (l) => l.includes(addrD), 'device d');
    const before = d.answers.length;
    const pending = c.call('account_signData', ['text/plain', toChecksumAddress(addrD), '0x01']).then(
      () => null,
      (e: unknown) => e,
    );
    await d.waitFor(() => d!.answers.length > before, 60000, 'the approval of the hanging request');
    await new Promise((r) => setTimeout(r, 1000));
    await bus.unplug('d');
    const err = await pending;
    assert.ok(err instanceof RpcError, `the request failed (${String(err)})`);
    assert.match(err.message, /disconnected/);
    assert.equal(await c.call('account_version'), '6.1.0');
    await listUntil(c, (l) => !l.includes(addrD) && l.includes(ADDR_A), 'device d gone');
    const after = await c.call<string>('account_signData', ['text/plain', from, '0x03']);
    assert.equal(verifyMessage(Uint8Array.of(3), after).toLowerCase(), ADDR_A);
    assert.ok(d.alive);
  } catch (e) {
    const usbLines = (d?.output ?? '').split('\n').filter((l) => /USB|wallet|rror/i.test(l));
    throw new Error(`${(e as Error).message}\n--- daemon USB log ---\n${usbLines.join('\n')}`);
  } finally {
    c?.close();
    if (d) {
      await d.stop('SIGTERM').catch(() => d!.kill());
    }
    anvil?.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
