#!/usr/bin/env node
// The embedded 4byte database as the binary pays for it: the daemon is started in an empty directory, then two
// account_signTransaction calls with a selector only the full database knows (mint()) are timed from request to the
// console prompt (the first includes decoding the database), with the daemon's RSS before and after.
// Usage: node scripts/bench-fourbyte-binary.mjs [dist/clef] [rounds]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(process.argv[2] ?? 'dist/clef');
const rounds = Number(process.argv[3] ?? 3);
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const tx = { from: '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192', to: '0x1111111111111111111111111111111111111111', gas: '0x5208', gasPrice: '0x1', data: '0x1249c58b' };

async function once() {
  const dir = mkdtempSync(join(tmpdir(), 'clef-4b-bench-'));
  const child = spawn(bin, ['--suppress-bootwarn', '--configdir', './clef', '--keystore', './ks', '--ipcpath', './ipc', '--auditlog', ''], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters = [];
  child.stdout.setEncoding('utf8').on('data', (t) => {
    out += t;
    for (const w of [...waiters]) w();
  });
  const waitFor = (test) =>
    new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`timeout\n${out}`)), 60000);
      const check = () => {
        if (!test(out)) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        done();
      };
      waiters.push(check);
      check();
    });
  try {
    await waitFor((o) => o.includes('Signer status'));
    await new Promise((r) => setTimeout(r, 500));
    const rssReady = rssMiB(child.pid);
    const sock = connect(join(dir, 'ipc', 'clef.ipc'));
    await new Promise((r) => sock.once('connect', r));
    const times = [];
    for (let i = 1; i <= 2; i++) {
      const t0 = performance.now();
      sock.write(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'account_signTransaction', params: [tx] }) + '\n');
      await waitFor((o) => o.split('Approve? [y/N]:').length - 1 === i);
      times.push(performance.now() - t0);
      child.stdin.write('n\n');
    }
    const rssAfter = rssMiB(child.pid);
    sock.destroy();
    return { firstPromptMs: times[0], secondPromptMs: times[1], rssReadyMiB: rssReady, rssAfterMiB: rssAfter };
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let i = 0; i < rounds; i++) results.push(await once());
const med = (k) => results.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)].toFixed(1);
console.log(`binary ${bin}: median of ${rounds}`);
console.log(`  request → prompt, first (decodes the database): ${med('firstPromptMs')} ms; second: ${med('secondPromptMs')} ms`);
console.log(`  RSS at readiness ${med('rssReadyMiB')} MiB, after the first lookups ${med('rssAfterMiB')} MiB`);
