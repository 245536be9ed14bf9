import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LedgerDeframer, frameLedger } from '../../../adapters/usb/ledger/hid.ts';
import {
  LedgerEthApp,
  LedgerStatusError,
  apdu,
  checkReply,
  encodePath,
  parseAddressReply,
  txChunks,
  EIP155_TAIL,
} from '../../../adapters/usb/ledger/eth-app.ts';
import { concatBytes, fromHex, keccak256, toHexRaw, utf8 } from '../../../core/bytes.ts';
import { recoverAddress } from '../../../core/secp256k1.ts';
import { LedgerEmulator } from '../../support/usb/ledger-emulator.ts';
import { MemoryPipe } from '../../support/usb/memory-pipe.ts';
import { HARDENED } from '../../support/usb/hd-keys.ts';

const H = HARDENED;
const PATH0 = [44 + H, 60 + H, 0 + H, 0, 0];
const ADDR0 = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const ADDR1 = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'; // m/44'/60'/0'/0/1 of the test mnemonic

describe('Ledger HID framing', () => {
  it('frames a short APDU into one report: channel 0101, tag 05, seq 0, length, data, zero padding', () => {
    const [p, ...rest] = frameLedger(Uint8Array.from([0xe0, 0x06, 0, 0, 0]));
    assert.equal(rest.length, 0);
    assert.equal(toHexRaw(p.subarray(0, 12)), '0101050000' + '0005' + 'e006000000');
    assert.equal(p.length, 64);
    assert.ok(p.subarray(12).every((b) => b === 0));
  });

  it('splits long messages: 57 data bytes in the first report, 59 in each following one, sequence big-endian', () => {
    const msg = Uint8Array.from({ length: 200 }, (_, i) => i & 0xff);
    const ps = frameLedger(msg);
    assert.equal(ps.length, 4); // 57 + 59 + 59 + 25
    assert.deepEqual([...ps[1].subarray(0, 5)], [1, 1, 5, 0, 1]);
    assert.deepEqual([...ps[3].subarray(0, 5)], [1, 1, 5, 0, 3]);
    const d = new LedgerDeframer();
    assert.equal(d.push(ps[0]), null);
    assert.equal(d.push(ps[1]), null);
    assert.equal(d.push(ps[2]), null);
    assert.deepEqual(d.push(ps[3]), msg);
  });

  it('rejects foreign channels, tags and out-of-order reports', () => {
    const [p] = frameLedger(Uint8Array.of(1, 2, 3));
    const bad = p.slice();
    bad[1] = 2;
    assert.throws(() => new LedgerDeframer().push(bad), /unexpected channel 0x0102/);
    const tag = p.slice();
    tag[2] = 2;
    assert.throws(() => new LedgerDeframer().push(tag), /unexpected tag 0x02/);
    const seq = p.slice();
    seq[4] = 1;
    assert.throws(() => new LedgerDeframer().push(seq), /out of order/);
  });
});

describe('Ledger Ethereum app encoding', () => {
  it('encodes paths as count + 4-byte big-endian indices (hardened bit set)', () => {
    assert.equal(toHexRaw(encodePath(PATH0)), '05' + '8000002c' + '8000003c' + '80000000' + '00000000' + '00000000');
    assert.throws(() => encodePath([]), /1 to 10 levels/);
  });

  it('builds APDUs CLA INS P1 P2 Lc data and names status words', () => {
    assert.equal(toHexRaw(apdu(0x02, 0, 0, Uint8Array.of(1, 2))), 'e00200000201' + '02');
    assert.deepEqual(checkReply(Uint8Array.of(7, 0x90, 0)), Uint8Array.of(7));
    assert.throws(() => checkReply(Uint8Array.of(0x69, 0x85)), (e: unknown) => {
      assert.ok(e instanceof LedgerStatusError && e.rejected);
      assert.match((e as Error).message, /request rejected on the device \(status word 0x6985\)/);
      return true;
    });
    assert.throws(() => checkReply(Uint8Array.of(0x6d, 0x00)), /instruction not supported/);
    assert.throws(() => checkReply(Uint8Array.of(0x12, 0x34)), /unknown error \(status word 0x1234\)/);
  });

  it('parses the address reply: pubkey length, pubkey, address length, ASCII hex address', () => {
    const pub = new Uint8Array(65).fill(4);
    const reply = concatBytes(Uint8Array.of(65), pub, Uint8Array.of(40), utf8(ADDR0.slice(2).toUpperCase()));
    assert.deepEqual(parseAddressReply(reply), { publicKey: pub, address: ADDR0 });
    assert.throws(() => parseAddressReply(Uint8Array.of(65, 1, 2)), /malformed/);
  });

  it("keeps clef's work-around: a legacy tx never ends with a chunk of 3 bytes or fewer", () => {
    const path = encodePath(PATH0); // 21 bytes
    for (let len = 200; len < 800; len++) {
      const chunks = txChunks(path, new Uint8Array(len).fill(0xaa), true);
      const last = chunks[chunks.length - 1];
      assert.ok(last[4] > EIP155_TAIL, `length ${len}: last chunk ${last[4]} bytes`);
      assert.equal(chunks.reduce((n, c) => n + c[4], 0), len + path.length);
      assert.ok(chunks.every((c, i) => c[2] === (i === 0 ? 0x00 : 0x80)));
    }
    // typed transactions are cut at 255 as they come
    const typed = txChunks(path, new Uint8Array(255 * 2 + 2 - path.length), false);
    assert.equal(typed[typed.length - 1][4], 2);
  });
});

describe('Ledger Ethereum app against the emulator (in-process pipe)', () => {
  const app = (opts = {}) => {
    const emu = new LedgerEmulator(opts);
    return { emu, app: new LedgerEthApp(new MemoryPipe(emu)) };
  };

  it('reads the configuration and derives the test mnemonic addresses', async () => {
    const { app: a } = app({ version: [1, 9, 19] });
    assert.deepEqual((await a.configuration()).version, [1, 9, 19]);
    assert.equal((await a.address(PATH0)).address, ADDR0);
    assert.equal((await a.address([44 + H, 60 + H, 0 + H, 0, 1])).address, ADDR1);
  });

  it('signs a long legacy transaction in chunks; the signature recovers to the account', async () => {
    const { emu, app: a } = app();
    // a legacy EIP-155 unsigned tx with 600 bytes of calldata (chain id 1337)
    const { rlpEncode } = await import('../../../core/rlp.ts');
    const unsigned = rlpEncode([1n, 10n ** 9n, 100000n, fromHex('0x' + '11'.repeat(20)), 0n, new Uint8Array(600).fill(7), 1337n, 0n, 0n]);
    const sig = await a.signTransaction(PATH0, unsigned, true);
    assert.ok(emu.apdus.length >= 3);
    const digest = keccak256(unsigned);
    const parity = [0, 1].find((p) => recoverAddress(digest, concatBytes(sig.r, sig.s, Uint8Array.of(p))) === ADDR0);
    assert.notEqual(parity, undefined);
    assert.equal(sig.v, (1337 * 2 + 35 + parity!) & 0xff); // one byte, as the app sends it
  });

  it('signs a personal message and an EIP-712 hash pair', async () => {
    const { app: a } = app();
    const msg = utf8('hello ledger');
    const s1 = await a.signPersonal(PATH0, msg);
    const d1 = keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${msg.length}`), msg));
    assert.equal(recoverAddress(d1, concatBytes(s1.r, s1.s, Uint8Array.of(s1.v - 27))), ADDR0);
    const dom = keccak256(utf8('domain')), m = keccak256(utf8('message'));
    const s2 = await a.signTypedHash(PATH0, dom, m);
    assert.equal(recoverAddress(keccak256(concatBytes(Uint8Array.of(0x19, 1), dom, m)), concatBytes(s2.r, s2.s, Uint8Array.of(s2.v - 27))), ADDR0);
  });

  it('reports a rejection on the device as a named error and keeps working', async () => {
    const { app: a } = app({ rejectNext: true });
    await assert.rejects(a.signPersonal(PATH0, utf8('x')), /request rejected on the device/);
    const s = await a.signPersonal(PATH0, utf8('x'));
    assert.equal(s.r.length, 32);
  });

  it('an app that is not open is named', async () => {
    const { app: a } = app({ appClosed: true });
    await assert.rejects(a.configuration(), /no application open/);
  });

  it('an unplug while the device waits for the user fails the request with a clear error', async () => {
    const emu = new LedgerEmulator({ hangOnSign: true });
    const pipe = new MemoryPipe(emu);
    const pending = new LedgerEthApp(pipe).signPersonal(PATH0, utf8('x'));
    await new Promise((r) => setTimeout(r, 10));
    pipe.unplug();
    await assert.rejects(pending, /disconnected/);
  });
});
