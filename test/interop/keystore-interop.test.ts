// Key files cross the boundary both ways with real peers: Foundry's cast (Rust eth-keystore) and ethers v6.
// Light scrypt parameters (geth's --lightkdf n=4096 p=6) keep this fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Wallet, encryptKeystoreJson } from 'ethers';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { systemRandom } from '../../adapters/crypto/system.ts';
import { DirKeyStore } from '../../adapters/keystore/dir-keystore.ts';
import { toChecksumAddress, toHex, type Address } from '../../core/bytes.ts';
import { decryptKeyFile, encryptKeyFile } from '../../core/keyfile.ts';
import { addressOfPrivateKey } from '../../core/secp256k1.ts';
import { projectRoot } from '../support/vectors.ts';
import { tempDirMaker } from '../support/temp-dirs.ts';

const kdf = new NodeKdf();
const LIGHT = { n: 4096, p: 6 };
const castBin = join(projectRoot, 'node_modules', '.bin', process.platform === 'win32' ? 'cast.cmd' : 'cast');
const noCast: string | false = (() => {
  try {
    execFileSync(castBin, ['--version'], { stdio: 'pipe' });
    return false;
  } catch {
    return 'cast is not installed (optional dependency @foundry-rs/cast); skipping';
  }
})();

function cast(args: string[]): string {
  return execFileSync(castBin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const tempDir = tempDirMaker('clef-interop-');

/** A random valid private key and its address. */
function freshKey(): { key: Uint8Array; address: Address } {
  const key = systemRandom.bytes(32);
  key[0] &= 0x7f; // below the curve order
  key[31] |= 1; // non-zero
  return { key, address: addressOfPrivateKey(key) };
}

test('a key file we write decrypts with cast wallet decrypt-keystore', { skip: noCast }, async () => {
  const dir = tempDir();
  const { key, address } = freshKey();
  const password = 'interop pässword 🔑';
  const ks = new DirKeyStore(dir, { watch: false });
  const json = await encryptKeyFile(key, password, LIGHT, kdf, systemRandom);
  const entry = await ks.write(address, json, async (text) => {
    await decryptKeyFile(text, password, kdf, address);
  });
  ks.close();
  const name = entry.path.slice(dir.length + 1);
  const out = cast(['wallet', 'decrypt-keystore', name, '--keystore-dir', dir, '--unsafe-password', password]);
  assert.equal(out.match(/0x[0-9a-fA-F]{64}/)?.[0].toLowerCase(), toHex(key));
});

test('a key file we write decrypts with ethers Wallet.fromEncryptedJson', async () => {
  const { key, address } = freshKey();
  const json = await encryptKeyFile(key, 'ethers password', LIGHT, kdf, systemRandom);
  const wallet = await Wallet.fromEncryptedJson(json, 'ethers password');
  assert.equal(wallet.privateKey, toHex(key));
  assert.equal(wallet.address, toChecksumAddress(address));
  await assert.rejects(Wallet.fromEncryptedJson(json, 'ethers passworD'));
});

test('files made by cast (import and new) decrypt with ours, and setAddress makes them listable', { skip: noCast }, async () => {
  const dir = tempDir();
  const password = 'cast password';
  const imported = '0x0102030405060708090a0102030405060708090a0102030405060708090a0102';
  const importOut = cast(['wallet', 'import', 'imported', '--private-key', imported, '--keystore-dir', dir, '--unsafe-password', password]);
  assert.match(importOut, /0x9160dc9105f7de5dc5e7f3d97ef11da47269bda6/i);
  const newOut = cast(['wallet', 'new', dir, 'fresh', '--unsafe-password', password]);
  const freshAddress = newOut.match(/Address:\s+(0x[0-9a-fA-F]{40})/)?.[1].toLowerCase() as Address;
  assert.ok(freshAddress, newOut);

  const importedKey = await decryptKeyFile(fs.readFileSync(join(dir, 'imported'), 'utf8'), password, kdf);
  assert.equal(toHex(importedKey), imported);
  const freshKeyBytes = await decryptKeyFile(fs.readFileSync(join(dir, 'fresh'), 'utf8'), password, kdf);
  assert.equal(addressOfPrivateKey(freshKeyBytes), freshAddress);
  await assert.rejects(decryptKeyFile(fs.readFileSync(join(dir, 'fresh'), 'utf8'), 'wrong', kdf), {
    message: 'could not decrypt key with given password',
  });

  // clef skipped these silently; we list them as unaddressed until `addaddress` adds the address.
  const ks = new DirKeyStore(dir, { watch: false });
  assert.deepEqual(await ks.accounts(), []);
  assert.deepEqual((await ks.unaddressed()).map((u) => u.path), [join(dir, 'fresh'), join(dir, 'imported')]);
  await ks.setAddress(join(dir, 'fresh'), freshAddress);
  assert.deepEqual((await ks.accounts()).map((a) => a.address), [freshAddress]);
  const found = await ks.find(freshAddress);
  assert.deepEqual(await decryptKeyFile(await ks.read(found.path), password, kdf, freshAddress), freshKeyBytes);
  ks.close();
  // cast still reads the rewritten file.
  const out = cast(['wallet', 'decrypt-keystore', 'fresh', '--keystore-dir', dir, '--unsafe-password', password]);
  assert.equal(out.match(/0x[0-9a-fA-F]{64}/)?.[0].toLowerCase(), toHex(freshKeyBytes));
});

test('a file made by ethers (light scrypt, Crypto member) decrypts with ours and is scanned', async () => {
  const dir = tempDir();
  const { key, address } = freshKey();
  const json = await encryptKeystoreJson({ address: toChecksumAddress(address), privateKey: toHex(key) }, 'from ethers', {
    scrypt: { N: 4096, r: 8, p: 6 },
  });
  assert.deepEqual(await decryptKeyFile(json, 'from ethers', kdf, address), key);
  fs.writeFileSync(join(dir, 'ethers.json'), json);
  const ks = new DirKeyStore(dir, { watch: false });
  assert.deepEqual((await ks.accounts()).map((a) => a.address), [address]);
  ks.close();
});
