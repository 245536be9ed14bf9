// Part 3: decrypting one standard-scrypt keystore (N=2^18, r=8, p=1). Ours in-process (core/keyfile.ts with
// node:crypto's scrypt) and as a whole process (scripts/bench-decrypt-one.ts compiled with `bun build --compile`
// like dist/clef, and bundled for node), against `cast wallet decrypt-keystore` (whole process) and ethers'
// Wallet.fromEncryptedJson (in-process). Interleaved round by round; ratios are medians of per-round ratios
// (paired, so machine-load drift cancels); every decryption's result is checked against the known key.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, median, ms, now, packageVersion, root, rounds, say, size } from './bench-lib.mjs';

const { decryptKeyFile } = await import('../core/keyfile.ts');
const { toHex, wipe } = await import('../core/bytes.ts');
const { NodeKdf } = await import('../adapters/crypto/kdf.ts');

/** Times a child process to exit; returns ms and its stdout, or throws with its output. */
function timeProcess(cmd, args, env) {
  const t = now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const elapsed = ms(now() - t);
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return { ms: elapsed, out: r.stdout };
}

/**
 * Runs part 3 with the sealer's standard-KDF key file `keyFile` (password `password`, private key `key`,
 * address `address`).
 */
export async function benchDecrypt({ keyFile, password, key, address }) {
  const R = size('DECRYPT_ROUNDS', 5, 2);
  const RE = size('ETHERS_ROUNDS', 3, 1);
  const work = mkdtempSync(join(tmpdir(), 'clefd-'));
  const json = readFileSync(keyFile, 'utf8');
  const pwFile = join(work, 'pw.txt');
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  copyFileSync(keyFile, join(work, 'sealer')); // cast looks the file up by name in --keystore-dir
  const wantKey = toHex(key);

  const cast = join(root, 'node_modules', '.bin', 'cast');
  const bun = join(root, 'node_modules', '.bin', 'bun');
  const haveCast = existsSync(cast) && spawnSync(cast, ['--version']).status === 0;
  const haveBun = existsSync(bun);
  let ethers = null;
  try {
    ethers = await import('ethers');
  } catch {
    ethers = null;
  }
  // The one-shot decryptor compiled like dist/clef and bundled for node, rebuilt each run (current code).
  let bundle = null;
  let compiled = null;
  if (haveBun) {
    const entry = join(root, 'scripts', 'bench-decrypt-one.ts');
    bundle = join(cacheDir, 'decrypt-one.mjs');
    if (spawnSync(bun, ['build', entry, '--target=node', '--outfile', bundle], { cwd: root, encoding: 'utf8' }).status !== 0) bundle = null;
    compiled = join(cacheDir, 'decrypt-one');
    if (spawnSync(bun, ['build', '--compile', '--minify', entry, '--outfile', compiled], { cwd: root, encoding: 'utf8' }).status !== 0) compiled = null;
  }

  const series = { oursInProcess: [], oursProcessBun: [], oursProcessNode: [], cast: [], ethersInProcess: [] };
  const kdf = new NodeKdf();
  const check = (what, ok) => {
    if (!ok) throw new Error(`${what}: wrong result`);
  };
  try {
    for (let r = 0; r < R; r++) {
      if (haveCast) {
        const c = timeProcess(cast, ['wallet', 'decrypt-keystore', 'sealer', '--keystore-dir', work, '--unsafe-password', password]);
        check('cast', c.out.includes(wantKey.slice(2)));
        series.cast.push(c.ms);
      }
      let t = now();
      const k = await decryptKeyFile(json, password, kdf, address);
      series.oursInProcess.push(ms(now() - t));
      check('ours', toHex(k) === wantKey);
      wipe(k);
      if (compiled) {
        const c = timeProcess(compiled, [keyFile, pwFile]);
        check('ours (bun --compile)', c.out.trim() === address);
        series.oursProcessBun.push(c.ms);
      }
      if (bundle) {
        const c = timeProcess(process.execPath, [bundle, keyFile, pwFile]);
        check('ours (node)', c.out.trim() === address);
        series.oursProcessNode.push(c.ms);
      }
      if (ethers && r < RE) {
        t = now();
        const w = await ethers.Wallet.fromEncryptedJson(json, password);
        series.ethersInProcess.push(ms(now() - t));
        check('ethers', w.privateKey === wantKey);
      }
      say(`  decrypt round ${r + 1}/${R}: ` + Object.entries(series).map(([n, s]) => `${n} ${s.length > r ? s[r].toFixed(0) : '–'} ms`).join(', '));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const sum = (s) => (s.length ? rounds(s) : null);
  const res = {
    kdf: { n: 262144, r: 8, p: 1 },
    oursInProcess: sum(series.oursInProcess),
    oursProcessBun: compiled ? sum(series.oursProcessBun) : { notMeasured: 'not compiled (bun missing)' },
    oursProcessNode: bundle ? sum(series.oursProcessNode) : { notMeasured: 'bundle not built (bun missing)' },
    cast: haveCast ? sum(series.cast) : { notMeasured: 'cast missing (optional dependency)' },
    castVersion: haveCast ? spawnSync(cast, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : null,
    ethersInProcess: ethers ? sum(series.ethersInProcess) : { notMeasured: 'ethers missing' },
    ethersVersion: packageVersion('ethers'),
  };
  // Median of per-round ratios: both sides of a pair ran back to back.
  const ratio = (a, b) => {
    const n = Math.min(a.length, b.length);
    return n ? median(Array.from({ length: n }, (_, i) => a[i] / b[i])) : null;
  };
  res.ratios = {
    oursProcessBunOverCast: ratio(series.oursProcessBun, series.cast),
    oursProcessNodeOverCast: ratio(series.oursProcessNode, series.cast),
    oursInProcessOverCast: ratio(series.oursInProcess, series.cast),
    oursInProcessOverEthers: ratio(series.oursInProcess, series.ethersInProcess),
  };
  return res;
}
