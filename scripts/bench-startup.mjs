// Part 4: start-up with many keys. Key sets of 0 / 1,000 / 10,000 light-KDF keystore files are generated once
// into .bench-cache/ (one scrypt for the whole set: every file shares the salt and password, each has its own
// key, IV and MAC, so each is a valid, separately decryptable geth key file). For each set the daemon is
// started with rules on and timed from spawn to "IPC endpoint opened", to the first account_list answer (sent
// the moment the socket opens, so it waits for the key scan) and to the readiness line; then RSS and the
// latency of further account_list calls; RSS at the readiness line, after the calls and a short idle pause
// (settled: what a long-running signer keeps), and the peak.
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpcClient, cacheDir, clefRunner, memoryMiB, ms, now, rounds, runClef, say, size, startProcess, stats } from './bench-lib.mjs';

const { keccak256, toHexRaw, utf8, concatBytes } = await import('../core/bytes.ts');
const { addressOfPrivateKey, privateKeyError } = await import('../core/secp256k1.ts');
const { decryptKeyFile } = await import('../core/keyfile.ts');
const { NodeKdf } = await import('../adapters/crypto/kdf.ts');

const KEY_PW = 'bench-many-keys';
const LIGHT = { n: 4096, r: 8, p: 6 };
const MASTER_PW = 'bench-master-password';

/** The directory holding the first `n` generated key files (made once; hard links into the largest set). */
function keySet(n, largest) {
  const dir = join(cacheDir, `keys-${n}`);
  const done = join(cacheDir, `keys-${n}.done`);
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (n === 0) {
    writeFileSync(done, '0\n');
    return dir;
  }
  if (n < largest) {
    const src = keySet(largest, largest);
    const names = readdirSync(src).sort().slice(0, n);
    for (const name of names) {
      try {
        linkSync(join(src, name), join(dir, name));
      } catch {
        copyFileSync(join(src, name), join(dir, name));
      }
    }
    writeFileSync(done, `${n}\n`);
    return dir;
  }
  const t = now();
  const salt = randomBytes(32);
  const dk = scryptSync(KEY_PW, salt, 32, { N: LIGHT.n, r: LIGHT.r, p: LIGHT.p, maxmem: 256 << 20 });
  for (let i = 0; i < n; i++) {
    let priv = keccak256(utf8(`clef-ts bench key ${i}`));
    while (privateKeyError(priv)) priv = keccak256(priv);
    const address = addressOfPrivateKey(priv).slice(2);
    const iv = randomBytes(16);
    const c = createCipheriv('aes-128-ctr', dk.subarray(0, 16), iv);
    const ct = Buffer.concat([c.update(priv), c.final()]);
    const mac = keccak256(concatBytes(dk.subarray(16, 32), ct));
    const json = {
      address,
      crypto: {
        cipher: 'aes-128-ctr',
        ciphertext: ct.toString('hex'),
        cipherparams: { iv: iv.toString('hex') },
        kdf: 'scrypt',
        kdfparams: { dklen: 32, n: LIGHT.n, p: LIGHT.p, r: LIGHT.r, salt: salt.toString('hex') },
        mac: toHexRaw(mac),
      },
      id: randomUUID(),
      version: 3,
    };
    const name = `UTC--2026-01-01T00-00-00.${String(i).padStart(9, '0')}Z--${address}`;
    writeFileSync(join(dir, name), JSON.stringify(json), { mode: 0o600 });
  }
  writeFileSync(done, `${n}\n`);
  say(`generated ${n} key files in ${(ms(now() - t) / 1000).toFixed(1)} s (cached in ${dir})`);
  return dir;
}

/** Spot check: the first and last file of a set decrypt to their named address. */
async function checkKeySet(dir) {
  const names = readdirSync(dir).sort();
  for (const name of [names[0], names[names.length - 1]]) {
    if (!name) continue;
    const key = await decryptKeyFile(readFileSync(join(dir, name), 'utf8'), KEY_PW, new NodeKdf());
    if (addressOfPrivateKey(key).slice(2) !== name.slice(-40)) throw new Error(`key set ${dir}: ${name} does not decrypt to its address`);
  }
}

/** Part 4 for each runner. */
export async function benchStartup(runnerKinds) {
  const sizes = String(process.env.BENCH_KEYS ?? '0,1000,10000')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0);
  const largest = Math.max(...sizes);
  const reps = size('STARTUP_REPS', 3, 1);
  const lists = size('LIST_CALLS', 10, 5);
  const settleMs = size('SETTLE_MS', 1500, 1000);
  const sets = new Map();
  for (const n of sizes) {
    const dir = keySet(n, largest);
    if (n > 0) await checkKeySet(dir);
    sets.set(n, dir);
  }
  const work = mkdtempSync(join(tmpdir(), 'clefs-'));
  const out = { keyKdf: LIGHT, runners: [] };
  try {
    for (const kind of runnerKinds) {
      const runner = clefRunner(kind);
      if (!runner.available) {
        out.runners.push({ runner: runner.label, notMeasured: 'dist/clef missing: run `npm run build`' });
        continue;
      }
      const label = runner.label;
      say(`start-up: ${label}`);
      const dir = mkdtempSync(join(work, `${kind}-`));
      const cfg = join(dir, 'cfg');
      const cli = runner;
      writeFileSync(join(dir, 'master.txt'), MASTER_PW + '\n', { mode: 0o600 });
      const rules = join(dir, 'rules.js');
      writeFileSync(rules, 'function OnSignerStartup(info) {}\nfunction ApproveListing() { return "Approve"; }\n');
      runClef(cli, ['--suppress-bootwarn', '--configdir', cfg, '--lightkdf', 'init'], `${MASTER_PW}\n${MASTER_PW}\n`);
      const sha = spawnSync('sha256sum', [rules], { encoding: 'utf8' }).stdout.split(' ')[0];
      runClef(cli, ['--suppress-bootwarn', '--configdir', cfg, '--signersecret', join(dir, 'master.txt'), 'attest', sha]);
      const perSize = [];
      for (const n of sizes) {
        const runs = [];
        for (let r = 0; r < reps; r++) runs.push(await startOnce({ runner, cfg, dir, ks: sets.get(n), rules, n, lists, settleMs }));
        const pick = (f) => rounds(runs.map(f));
        const row = {
          keys: n,
          ipcOpenedMs: pick((x) => x.ipcOpenedMs),
          firstListMs: pick((x) => x.firstListMs),
          readyMs: pick((x) => x.readyMs),
          rssReadyMiB: pick((x) => x.rssReadyMiB),
          rssMiB: pick((x) => x.rssMiB),
          peakRssMiB: pick((x) => x.peakRssMiB),
          listLatencyMs: stats(runs.flatMap((x) => x.listMs)),
        };
        say(`  ${n} keys: IPC ${row.ipcOpenedMs.median.toFixed(0)} ms, first account_list ${row.firstListMs.median.toFixed(0)} ms, ready ${row.readyMs.median.toFixed(0)} ms, RSS ${row.rssReadyMiB.median.toFixed(0)} MiB at ready, ${row.rssMiB.median.toFixed(0)} MiB settled, peak ${row.peakRssMiB.median.toFixed(0)} MiB, account_list p50 ${row.listLatencyMs.p50.toFixed(1)} ms`);
        perSize.push(row);
      }
      out.runners.push({ runner: label, reps, sizes: perSize });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

async function startOnce({ runner, cfg, dir, ks, rules, n, lists, settleMs }) {
  const args = ['--suppress-bootwarn', '--configdir', cfg, '--keystore', ks, '--signersecret', join(dir, 'master.txt'), '--rules', rules, '--auditlog', ''];
  const proc = startProcess(runner.cmd, [...runner.pre, ...args]);
  try {
    const opened = await proc.waitFor(/IPC endpoint opened/, 120_000);
    const client = await IpcClient.connect(join(cfg, 'clef.ipc'));
    const first = await client.call('account_list');
    const firstListMs = ms(now() - proc.t0);
    if (first.msg.error || first.msg.result.length !== n) throw new Error(`account_list: ${JSON.stringify(first.msg).slice(0, 300)}`);
    const ready = await proc.waitFor(/Signer status/, 120_000);
    const mem = memoryMiB(proc.pid);
    const listMs = [];
    for (let i = 0; i < lists; i++) {
      const r = await client.call('account_list');
      if (r.msg.error) throw new Error(`account_list: ${r.msg.error.message}`);
      listMs.push(ms(r.ns));
    }
    // Garbage of the scan is returned lazily: the resident size once the daemon sat idle for a moment is what
    // a long-running signer keeps; the peak is the transient high-water mark of the start.
    await new Promise((r) => setTimeout(r, settleMs));
    const after = memoryMiB(proc.pid);
    client.close();
    return {
      ipcOpenedMs: ms(opened.ns),
      firstListMs,
      readyMs: ms(ready.ns),
      rssReadyMiB: mem?.rss ?? NaN,
      rssMiB: after?.rss ?? NaN,
      peakRssMiB: after?.peak ?? NaN,
      listMs,
    };
  } finally {
    await proc.stop();
  }
}
