// Vault stores shared between writers: every read-modify-write runs under the store's inter-process lock on a
// fresh read (no update lost between two store objects — as between two processes), and temp files left by a
// killed writer are removed at the next open, never another file and never while a writer holds the lock.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveVault } from '../../core/vault.ts';
import { FileSecretStore } from '../../adapters/vault/file-store.ts';
import { openVault } from '../../adapters/vault/masterseed-file.ts';
import { EncryptedRuleStorage } from '../../adapters/rules/storage.ts';
import { lockPathFor } from '../../adapters/fs/lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'clef-vault-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const seed = Uint8Array.from({ length: 256 }, (_, i) => (i * 7) & 0xff);
const keys = deriveVault(seed);

test('two store objects on one file (two processes) lose no update', async () => {
  const path = join(dir, 'credentials.json');
  const a = new FileSecretStore(path, keys.credentialsKey);
  const b = new FileSecretStore(path, keys.credentialsKey);
  await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).put(`k${i}`, `v${i}`)));
  const reader = new FileSecretStore(path, keys.credentialsKey);
  for (let i = 0; i < 30; i++) assert.equal(await reader.get(`k${i}`), `v${i}`);
});

test("the rules' synchronous storage honours the vault store's lock and sees its writes", async () => {
  const path = join(dir, 'jsstorage.json');
  const vaultSide = new FileSecretStore(path, keys.jsStorageKey);
  const warnings: string[] = [];
  const logger = { crit() {}, error() {}, info() {}, debug() {}, trace() {}, warn: (m: string, a?: object) => void warnings.push(`${m} ${JSON.stringify(a)}`) };
  const rulesSide = new EncryptedRuleStorage(path, keys.jsStorageKey, { logger });
  for (let i = 0; i < 5; i++) {
    await vaultSide.put(`async${i}`, `${i}`);
    rulesSide.put(`sync${i}`, `${i}`);
  }
  for (let i = 0; i < 5; i++) {
    assert.equal(await vaultSide.get(`async${i}`), `${i}`);
    assert.equal(rulesSide.get(`sync${i}`), `${i}`);
  }
  const lock = lockPathFor(path);
  writeFileSync(lock, JSON.stringify({ pid: process.ppid, start: '', token: 'other' })); // another live process writes
  rulesSide.put('blocked', 'x'); // gives up after its bounded wait, with a warning, writing nothing
  rmSync(lock);
  assert.equal(rulesSide.get('blocked'), '');
  assert.ok(warnings.some((w) => /Failed to write entry .*timed out after 2 s waiting for the lock/.test(w)), warnings.join('\n'));
});

test('opening the vault removes temp files a killed writer left, and nothing else', async () => {
  const configdir = join(dir, 'cfg');
  mkdirSync(configdir);
  const vault = await openVault(configdir, seed); // creates the vault directory
  await vault.credentials.put('a', 'b');
  const vdir = join(configdir, vault.name);
  const leftovers = ['.credentials.json.tmp123', '.config.json.tmp4294967295', '.jsstorage.json.tmp0'];
  const keep = ['.credentials.json.tmpx1', 'credentials.json.tmp1', '.credentials.json.tmp', '.other.json.tmp1', 'notes.txt'];
  for (const f of [...leftovers, ...keep]) writeFileSync(join(vdir, f), 'x');
  await openVault(configdir, seed);
  const names = readdirSync(vdir);
  for (const f of leftovers) assert.ok(!names.includes(f), `${f} removed`);
  for (const f of [...keep, 'credentials.json']) assert.ok(names.includes(f), `${f} kept`);
  assert.equal(await vault.credentials.get('a'), 'b');
});

test("a temp file is left alone while another process holds the store's lock (a live writer's)", async () => {
  const configdir = join(dir, 'cfg2');
  mkdirSync(configdir);
  const vault = await openVault(configdir, seed);
  const vdir = join(configdir, vault.name);
  const tmp = join(vdir, '.credentials.json.tmp77');
  writeFileSync(tmp, 'partial');
  const lock = lockPathFor(join(vdir, 'credentials.json'));
  writeFileSync(lock, JSON.stringify({ pid: process.ppid, start: '', token: 'writer' })); // a live process
  await openVault(configdir, seed);
  assert.ok(existsSync(tmp), 'kept while locked');
  rmSync(lock);
  await openVault(configdir, seed);
  assert.ok(!existsSync(tmp), 'removed once free');
});
