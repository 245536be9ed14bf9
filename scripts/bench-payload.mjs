// Large account_signData payloads through the real daemon (issue 8 item 6): one text/plain request of S MiB over
// IPC to a daemon with the console UI (answered `y`), the account's password in the vault and the audit log on,
// while a bystander client keeps calling account_version. Per size, a fresh daemon; reported: the request's time,
// the bystander's longest wait (how long everyone else was blocked), the daemon's CPU time during the request
// (user + system; wall times swing with the machine's load, this does less) and its RSS before and its peak.
// Usage: node --import tsx scripts/bench-payload.mjs            sizes from BENCH_PAYLOAD_MIB (default "1,4,16")
//        BENCH_PAYLOAD_KIND=text|binary (default text: 'aaa…'; binary: pseudo-random bytes)
//        BENCH_RUNNER=node-tsx|node|bun-src|binary (default node-tsx); BENCH_PROF_DIR=<dir>: CPU profiles (node). Measures only; asserts nothing but the answer.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpcClient, clefRunner, memoryMiB, ms, now, prepareNodeBundle, runClef, say, startProcess } from './bench-lib.mjs';

const { toChecksumAddress, toHex, utf8 } = await import('../core/bytes.ts');
const { textHash } = await import('../core/signdata.ts');
const { recoverAddress } = await import('../core/secp256k1.ts');
const { encryptKeyFile } = await import('../core/keyfile.ts');
const { addressOfPrivateKey } = await import('../core/secp256k1.ts');
const { keccak256 } = await import('../core/bytes.ts');
const { NodeKdf } = await import('../adapters/crypto/kdf.ts');
const { systemRandom } = await import('../adapters/crypto/system.ts');

const MASTER_PW = 'bench-master-password';
const ACCOUNT_PW = 'bench-account-password';
const KEY = keccak256(utf8('clef-ts payload benchmark key'));
const ADDR = toChecksumAddress(addressOfPrivateKey(KEY));

const sizes = (process.env.BENCH_PAYLOAD_MIB ?? '1,4,16').split(',').map(Number);
const kind = process.env.BENCH_RUNNER ?? 'node-tsx';
const payloadKind = process.env.BENCH_PAYLOAD_KIND ?? 'text';
if (kind === 'node') prepareNodeBundle();
const runner = clefRunner(kind);

/** CPU time (user + system, all threads) the process has used, in ms (Linux /proc); NaN elsewhere. */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

async function provision(dir) {
  const cfg = join(dir, 'cfg');
  const ks = join(dir, 'ks');
  mkdirSync(ks, { recursive: true, mode: 0o700 });
  const json = await encryptKeyFile(KEY, ACCOUNT_PW, { n: 4096, p: 6 }, new NodeKdf(), systemRandom);
  writeFileSync(join(ks, `UTC--2026-01-01T00-00-00.000000000Z--${ADDR.slice(2).toLowerCase()}`), json, { mode: 0o600 });
  writeFileSync(join(dir, 'master.txt'), MASTER_PW + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'pw.txt'), ACCOUNT_PW + '\n', { mode: 0o600 });
  runClef(runner, ['--suppress-bootwarn', '--configdir', cfg, '--lightkdf', 'init'], `${MASTER_PW}\n${MASTER_PW}\n`);
  runClef(runner, ['--suppress-bootwarn', '--configdir', cfg, '--signersecret', join(dir, 'master.txt'), 'setpw', '--password', join(dir, 'pw.txt'), ADDR]);
  return { cfg, ks };
}

async function one(mib) {
  const dir = mkdtempSync(join(tmpdir(), 'clef-bench-payload-'));
  try {
    const { cfg, ks } = await provision(dir);
    const args = ['--suppress-bootwarn', '--configdir', cfg, '--keystore', ks, '--signersecret', join(dir, 'master.txt'), '--auditlog', join(dir, 'audit.log')];
    const prof = process.env.BENCH_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF_DIR] : [];
    const proc = startProcess(runner.cmd, [...(runner.kind === 'node' ? prof : []), ...runner.pre, ...args]);
    await proc.waitFor(/Signer status/);
    await proc.waitFor(/IPC endpoint opened/);
    // from here on only the console UI's prompts matter: drop the line splitter (it would cost this process
    // time quadratic in the size of the printed request) and answer every approval prompt with `y`
    proc.child.stdout.removeAllListeners('data');
    let prompts = 0;
    let seen = '';
    proc.child.stdout.on('data', (t) => {
      seen = (seen + t).slice(-64);
      const c = seen.split('Approve? [y/N]:').length - 1;
      if (c > 0) {
        seen = '';
        for (let i = 0; i < c; i++) proc.child.stdin.write('y\n');
        prompts += c;
      }
    });
    const ipc = join(cfg, 'clef.ipc');
    const bystander = await IpcClient.connect(ipc);
    const client = await IpcClient.connect(ipc);
    for (let i = 0; i < 20; i++) await bystander.call('account_version');
    const before = memoryMiB(proc.pid);

    const payload = new Uint8Array(mib << 20);
    if (payloadKind === 'binary') {
      let x = 0x9e3779b9; // xorshift32: bytes that are mostly invalid UTF-8 (escaped one by one in the UI and audit log)
      for (let i = 0; i < payload.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        payload[i] = x & 0xff;
      }
    } else payload.fill(0x61); // 'a' …
    const hex = toHex(payload);
    let stop = false;
    let maxWaitNs = 0;
    let calls = 0;
    const loop = (async () => {
      while (!stop) {
        const { ns } = await bystander.call('account_version');
        calls++;
        if (ns > maxWaitNs) maxWaitNs = ns;
      }
    })();
    const cpu0 = cpuMs(proc.pid);
    const t0 = now();
    const { msg } = await client.callRaw('account_signData', JSON.stringify(['text/plain', ADDR, hex]));
    const took = now() - t0;
    const cpu = cpuMs(proc.pid) - cpu0;
    stop = true;
    await loop;
    const after = memoryMiB(proc.pid);
    if (msg.error) throw new Error(`signData failed: ${msg.error.code} ${msg.error.message}`);
    const sig = Uint8Array.from(Buffer.from(msg.result.slice(2), 'hex'));
    sig[64] -= 27;
    const ok = recoverAddress(textHash(payload), sig).toLowerCase() === ADDR.toLowerCase();
    bystander.close();
    client.close();
    await proc.stop();
    return {
      mib,
      kind: payloadKind,
      requestMs: Math.round(ms(took)),
      daemonCpuMs: Math.round(cpu),
      bystanderMaxWaitMs: Math.round(Number(maxWaitNs) / 1e6),
      bystanderCalls: calls,
      rssBeforeMiB: Math.round(before?.rss ?? NaN),
      peakRssMiB: Math.round(after?.peak ?? NaN),
      signatureOk: ok,
      prompts,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

say(`payload benchmark under ${runner.label}: ${sizes.join(', ')} MiB`);
for (const mib of sizes) process.stdout.write(JSON.stringify(await one(mib)) + '\n');
