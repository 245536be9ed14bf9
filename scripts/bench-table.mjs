// The benchmark's table (markdown, printed and stored in the JSON): one row per figure, with the reference it is
// measured against in the same run, the ratio and the issue's goal where there is one.
import { fmt } from './bench-lib.mjs';

const goalText = (ok) => (ok ? 'met' : 'MISSED');
const range = (r, unit = '') => (r && r.rounds?.length > 1 ? ` (${fmt(r.min)}–${fmt(r.max)}${unit})` : '');
const cell = (s) => String(s).replace(/\|/g, '\\|');

/** Markdown table of a results object written by bench.mjs. */
export function markdownTable(results) {
  const rows = [];
  const add = (part, what, result, ref = '', ratio = '', goal = '') => rows.push([part, what, result, ref, ratio, goal].map(cell));
  const p = results.parts;

  if (p.sign) {
    if (p.sign.failed) add('1–2', 'signing over IPC', `failed: ${p.sign.failed.split('\n')[0]}`);
    for (const r of p.sign.runners ?? []) {
      if (r.notMeasured) {
        add('1–2', `signing over IPC — ${r.runner}`, `not measured: ${r.notMeasured}`);
        continue;
      }
      const lim = `noble sign (${r.limitRuntime}) ${fmt(r.limit.median)}/s${range(r.limit)}`;
      if (r.limitP99OverP50) add('1–2', `noise floor: p99/p50 of single raw signatures — ${r.runner}`, fmt(r.limitP99OverP50.median, 2) + range(r.limitP99OverP50));
      const names = {
        clique_c1: ['1', 'clique seal, c=1'],
        clique_c16: ['1', 'clique seal, c=16'],
        clique_c1_rule_storage: ['1', 'clique seal, c=1, slashing-protection rule (storage)'],
        clique_c1_clique_protect: ['1', 'clique seal, c=1, --clique-protect'],
        clique_c1_bignumber_file: ['1', 'clique seal, c=1, rule file that uses BigNumber'],
        tx_c1: ['2', '1559 tx, c=1'],
        tx_c16: ['2', '1559 tx, c=16'],
        tx_c1_bignumber_cap: ['2', '1559 tx, c=1, BigNumber value cap'],
      };
      const unit = (k) => (k.startsWith('tx') ? 'tx/s' : 'seals/s');
      for (const [k, [part, label]] of Object.entries(names)) {
        const x = r.rows[k];
        if (!x) continue;
        const what = `${label} — ${r.runner}`;
        if (x.notMeasured) {
          add(part, what, `not measured: ${x.notMeasured}`);
          continue;
        }
        const main = k === 'clique_c1' || k === 'clique_c16' || k === 'tx_c1' || k === 'tx_c16';
        const err = x.errors ? `; ${x.errors} errors (${x.firstError})` : '';
        const goal = main
          ? `≥ 0.5: ${goalText(x.ratioToLimit >= 0.5)}; p99 ≤ 3×p50: ${goalText(x.p99OverP50 <= 3)}`
          : '';
        add(
          part,
          what,
          `${fmt(x.rate.median)} ${unit(k)}${range(x.rate)}; p50 ${fmt(x.latencyMs.p50)} ms, p99 ${fmt(x.latencyMs.p99)} ms${err}`,
          lim,
          fmt(x.ratioToLimit, 2),
          goal,
        );
      }
      add('1', `first seal after start (one scrypt N=2^18, then cached) — ${r.runner}`, `${fmt(r.coldFirstSealMs)} ms`, 'clef: ~800–1,300 ms on every seal');
      const c = r.checks;
      if (c) add('1–2', `answers checked — ${r.runner}`, `${c.clique} seals byte-equal, ${c.tx} tx senders recovered, ${c.wrong} wrong${c.firstWrong ? ` (${c.firstWrong})` : ''}`);
    }
  }

  if (p.decrypt) {
    const d = p.decrypt;
    if (d.failed) add('3', 'keystore decrypt', `failed: ${d.failed.split('\n')[0]}`);
    else {
      const t = (x) => (x?.notMeasured ? `not measured: ${x.notMeasured}` : x ? `${fmt(x.median)} ms${range(x, ' ms')}` : '–');
      const castRef = `cast ${t(d.cast)}; ratio = median of per-round ratios`;
      add('3', 'keystore decrypt (scrypt 2^18,8,1), whole process — ours, bun --compile like dist/clef', t(d.oursProcessBun), castRef, fmt(d.ratios.oursProcessBunOverCast, 2), d.ratios.oursProcessBunOverCast !== null ? `≤ 1.0: ${goalText(d.ratios.oursProcessBunOverCast <= 1)}` : '');
      add('3', 'keystore decrypt, whole process — ours on node (bundled)', t(d.oursProcessNode), castRef, fmt(d.ratios.oursProcessNodeOverCast, 2), d.ratios.oursProcessNodeOverCast !== null ? `≤ 1.0: ${goalText(d.ratios.oursProcessNodeOverCast <= 1)}` : '');
      add('3', 'keystore decrypt, in-process — ours on node', t(d.oursInProcess), `ethers ${d.ethersVersion ?? ''} in-process ${t(d.ethersInProcess)}`, fmt(d.ratios.oursInProcessOverEthers, 2));
    }
  }

  if (p.startup) {
    const s = p.startup;
    if (s.failed) add('4', 'start-up', `failed: ${s.failed.split('\n')[0]}`);
    for (const r of s.runners ?? []) {
      if (r.notMeasured) {
        add('4', `start-up — ${r.runner}`, `not measured: ${r.notMeasured}`);
        continue;
      }
      for (const z of r.sizes) {
        const big = z.keys >= 10000;
        const goal = big
          ? `< 2 s to IPC: ${goalText(z.ipcOpenedMs.median < 2000)} (to first list: ${goalText(z.firstListMs.median < 2000)}); settled RSS < 150 MB: ${goalText(z.rssMiB.median * 1.048576 < 150)} (peak: ${goalText(z.peakRssMiB.median * 1.048576 < 150)})`
          : '';
        add(
          '4',
          `start-up, ${z.keys.toLocaleString('en-US')} key files — ${r.runner}`,
          `IPC open ${fmt(z.ipcOpenedMs.median)} ms; first account_list ${fmt(z.firstListMs.median)} ms; ready ${fmt(z.readyMs.median)} ms; RSS ${fmt(z.rssMiB.median)} MiB settled (${fmt(z.rssReadyMiB?.median)} at ready, peak ${fmt(z.peakRssMiB.median)}); account_list p50 ${fmt(z.listLatencyMs.p50)} ms`,
          big ? 'Web3Signer: ~19 min (decrypts every key)' : '',
          '',
          goal,
        );
      }
    }
  }

  if (p.rules) {
    const r = p.rules;
    if (r.failed || r.notMeasured) add('5', 'rule evaluation', r.failed ? `failed: ${r.failed.split('\n')[0]}` : `not measured: ${r.notMeasured}`);
    for (const [rt, x] of Object.entries(r.runtimes ?? {})) {
      if (x.notMeasured) {
        add('5', `rule evaluation — ${rt}`, `not measured: ${x.notMeasured}`);
        continue;
      }
      const ref = x.signatureMs ? `one noble signature (${rt}): ${fmt(x.signatureMs)} ms` : '';
      for (const [k, st] of Object.entries(x.perCall)) {
        add('5', `rule eval per call, fresh sandbox — ${k} — ${rt}`, `p50 ${fmt(st.medianMs)} ms, p99 ${fmt(st.p99Ms)} ms (n=${st.n})`, ref, x.signatureMs ? fmt(st.medianMs / x.signatureMs, 2) : '');
      }
      if (x.coldStartMs !== undefined) add('5', `QuickJS start-up (once per process) — ${rt}`, `${fmt(x.coldStartMs)} ms`);
    }
  }

  if (p.binary) {
    const b = p.binary;
    if (b.failed) add('6', 'binary', `failed: ${b.failed.split('\n')[0]}`);
    else {
      const v = (x) => (x.notMeasured ? `not measured: ${x.notMeasured}` : `first ${fmt(x.version.first)} ms, then median ${fmt(x.version.median)} ms${range(x.version, ' ms')}`);
      if (b.binary.notMeasured) add('6', 'dist/clef', `not measured: ${b.binary.notMeasured}`);
      else {
        add('6', 'dist/clef size', `${fmt(b.binary.MiB)} MiB`);
        add('6', 'dist/clef --version, process start to exit', v(b.binary), `cast --version: ${b.cast.notMeasured ? 'not measured' : `${fmt(b.cast.version.median)} ms`}`);
      }
      add('6', `--version — ${b.nodeSource.label}`, v(b.nodeSource));
    }
  }

  const head = ['#', 'measurement', 'result', 'reference (same run)', 'ratio', 'goal'];
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
