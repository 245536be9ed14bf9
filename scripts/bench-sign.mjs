// Parts 1 and 2: clique sealing (account_signData, application/x-clique-header) and EIP-1559 transactions
// (account_signTransaction) over IPC, rules on, sealer password in the vault; closed-loop clients at concurrency 1
// and 16. Reported against the limit measured in the same run, interleaved round by round: raw @noble/curves
// signing of the same seal hashes in a separate process of the daemon's runtime. Every sampled answer is checked
// (clique: byte-equal to an in-process RFC 6979 signature; tx: recovered sender and nonce via ethers).
// Needs tsx registered (bench.mjs does it): it imports the core modules to build the requests and check answers.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Transaction } from 'ethers';
import { IpcClient, cacheDir, closedLoop, clefRunner, median, ms, now, quick, root, rounds, runClef, say, size, startProcess, stats } from './bench-lib.mjs';

const { keccak256, toHex, toChecksumAddress, utf8 } = await import('../core/bytes.ts');
const { cliqueSealPayload } = await import('../core/clique.ts');
const { signDigest, addressOfPrivateKey } = await import('../core/secp256k1.ts');
const { encryptKeyFile } = await import('../core/keyfile.ts');
const { NodeKdf } = await import('../adapters/crypto/kdf.ts');
const { systemRandom } = await import('../adapters/crypto/system.ts');

const CHAIN_ID = 1337n;
const MASTER_PW = 'bench-master-password';
export const ACCOUNT_PW = 'bench-account-password';
/** The sealer's key: fixed, so seal hashes and expected signatures are the same in every run. */
export const SEALER_KEY = keccak256(utf8('clef-ts benchmark sealer key'));
export const SEALER = addressOfPrivateKey(SEALER_KEY);
const RECIPIENT = toChecksumAddress('0x' + '42'.repeat(20));

/** Scenario B (approve clique headers only, rules-engine.md §9) + scenario D's ApproveTx (the sealer may send). */
const RULES_MAIN = `// clef-ts benchmark rules
function OnSignerStartup(info) {}
function ApproveListing() { return "Approve"; }
function ApproveSignData(r) {
  if (r.content_type == "application/x-clique-header") {
    for (var i = 0; i < r.messages.length; i++) {
      if (r.messages[i].name == "Clique header" && r.messages[i].type == "clique") return "Approve";
    }
  }
  return "Reject";
}
function ApproveTx(r) {
  if (r.transaction.from.toLowerCase() == "${SEALER}") return "Approve";
  return "Reject";
}
`;

/** As RULES_MAIN, but ApproveTx also caps the value with BigNumber (scenario F written correctly). */
const RULES_BIGNUMBER = RULES_MAIN.replace(
  /function ApproveTx[\s\S]*$/,
  `function ApproveTx(r) {
  var limit = new BigNumber("de0b6b3a7640000", 16);
  var value = new BigNumber((r.transaction.value || "0x0").slice(2) || "0", 16);
  if (r.transaction.from.toLowerCase() == "${SEALER}" && value.lt(limit)) return "Approve";
  return "Reject";
}
`,
);

/** Scenario C: scenario B plus per-height bookkeeping in the rules' storage (slashing protection). */
const RULES_STATEFUL = `// clef-ts benchmark rules, stateful
function OnSignerStartup(info) {}
function ApproveListing() { return "Approve"; }
function ApproveSignData(r) {
  if (r.content_type != "application/x-clique-header") return "Reject";
  for (var i = 0; i < r.messages.length; i++) {
    var m = r.messages[i];
    if (m.name == "Clique header" && m.type == "clique") {
      var number = parseInt(m.value.split(" ")[2]);
      var latest = storage.get("lastblock") || 0;
      if (number > latest) { storage.put("lastblock", number); return "Approve"; }
      return "Reject";
    }
  }
  return "Reject";
}
`;

/**
 * Consecutive clique headers as geth hands them to the sealer (signing RLP, seal room stripped), made on demand
 * and kept: `at(i)` is block i+1. Making one costs two RLP encodings and three keccaks, so callers prefill.
 */
export function headerSource() {
  const vanity = new Uint8Array(32);
  vanity.set(utf8('clef-ts bench chain'));
  const zero = (k) => new Uint8Array(k);
  const emptyUncle = keccak256(Uint8Array.of(0xc0));
  const emptyRoot = keccak256(Uint8Array.of(0x80));
  let parentHash = keccak256(utf8('clef-ts bench genesis'));
  const list = [];
  const make = () => {
    const number = BigInt(list.length + 1);
    const header = {
      parentHash,
      uncleHash: emptyUncle,
      coinbase: zero(20),
      root: keccak256(utf8(`state ${number}`)),
      txHash: emptyRoot,
      receiptHash: emptyRoot,
      bloom: zero(256),
      difficulty: 2n,
      number,
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      time: 1_700_000_000n + 5n * number,
      extra: vanity,
      mixDigest: zero(32),
      nonce: zero(8),
    };
    const { rawData, sealHash } = cliqueSealPayload(header);
    // The sealed block's hash is not needed by the signer; the parent link only has to differ per block.
    parentHash = keccak256(rawData);
    list.push({ number, params: `["application/x-clique-header","${SEALER}","${toHex(rawData)}"]`, sealHash });
  };
  return {
    at(i) {
      while (list.length <= i) make();
      return list[i];
    },
    fill(n) {
      while (list.length < n) make();
    },
    get length() {
      return list.length;
    },
  };
}

/** The sealer's key file with the standard scrypt KDF (N=2^18), generated once. */
export async function sealerKeyFile() {
  mkdirSync(cacheDir, { recursive: true });
  const p = join(cacheDir, `sealer-standard-${SEALER.slice(2, 10)}.json`);
  if (!existsSync(p)) {
    writeFileSync(p, await encryptKeyFile(SEALER_KEY, ACCOUNT_PW, { n: 262144, p: 1 }, new NodeKdf(), systemRandom));
  }
  return p;
}

function sha256File(p) {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

/** Runs the limit process once for `seconds`; returns its rate. */
function limitRound(runtime, digestsFile, seconds) {
  const [cmd, args] =
    runtime === 'bun' ? [join(root, 'node_modules', '.bin', 'bun'), []] : [process.execPath, []];
  const r = spawnSync(cmd, [...args, join(root, 'scripts', 'bench-limit.mjs'), toHex(SEALER_KEY), digestsFile, String(seconds), '1'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`limit under ${runtime} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  return { rate: out.rates[0], p99OverP50: out.latencyUs.p99 / out.latencyUs.p50 };
}

/** A provisioned config dir + keystore with the sealer's password stored and `rules` attested. */
export function provision(runner, dir, keyFile) {
  const cfg = join(dir, 'cfg');
  const ks = join(dir, 'ks');
  mkdirSync(ks, { recursive: true, mode: 0o700 });
  copyFileSync(keyFile, join(ks, `UTC--2026-01-01T00-00-00.000000000Z--${SEALER.slice(2)}`));
  writeFileSync(join(dir, 'master.txt'), MASTER_PW + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'pw.txt'), ACCOUNT_PW + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'rules-main.js'), RULES_MAIN);
  writeFileSync(join(dir, 'rules-stateful.js'), RULES_STATEFUL);
  writeFileSync(join(dir, 'rules-bignumber.js'), RULES_BIGNUMBER);
  runClef(runner, ['--suppress-bootwarn', '--configdir', cfg, '--lightkdf', 'init'], `${MASTER_PW}\n${MASTER_PW}\n`);
  runClef(runner, ['--suppress-bootwarn', '--configdir', cfg, '--signersecret', join(dir, 'master.txt'), 'setpw', '--password', join(dir, 'pw.txt'), toChecksumAddress(SEALER)]);
  return { cfg, ks };
}

export function attest(runner, dir, cfg, rulesFile) {
  runClef(runner, ['--suppress-bootwarn', '--configdir', cfg, '--signersecret', join(dir, 'master.txt'), 'attest', sha256File(rulesFile)]);
}

/** Starts the daemon under test; resolves once it reported its readiness line. */
export async function startDaemon(runner, dir, cfg, ks, { rulesFile, extra = [], profFlags = [] }) {
  const audit = process.env.BENCH_AUDIT === '0' ? '' : join(dir, 'audit.log');
  const args = ['--suppress-bootwarn', '--configdir', cfg, '--keystore', ks, '--signersecret', join(dir, 'master.txt'), '--rules', rulesFile, '--chainid', String(CHAIN_ID), '--auditlog', audit, ...extra];
  const proc = startProcess(runner.cmd, [...profFlags, ...runner.pre, ...args], { env: runner.env });
  const ready = await proc.waitFor(/Signer status/);
  if (!/rules=active/.test(ready.line)) {
    await proc.stop();
    throw new Error(`rules are not active: ${ready.line}`);
  }
  const opened = await proc.waitFor(/IPC endpoint opened/);
  return { proc, ipc: join(cfg, 'clef.ipc'), openedMs: ms(opened.ns) };
}

async function connectN(path, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await IpcClient.connect(path));
  return out;
}

/**
 * Runs parts 1 and 2 for each runner. `runnerKinds` ⊂ {'node','binary'}; a runner that is missing is reported
 * as not measured.
 */
export async function benchSigning(runnerKinds) {
  const D = size('SECONDS', 2.5, 1.5);
  const R = size('ROUNDS', 3, 1);
  const L = size('LIMIT_SECONDS', 1, 0.7);
  const keyFile = await sealerKeyFile();
  const t = now();
  const pool = size('HEADERS', 3000, 1500);
  const headers = headerSource();
  headers.fill(pool);
  say(`made ${pool} clique headers in ${ms(now() - t).toFixed(0)} ms`);
  const work = mkdtempSync(join(tmpdir(), 'clefb-'));
  const digestsFile = join(work, 'digests.json');
  writeFileSync(digestsFile, JSON.stringify(Array.from({ length: Math.min(1024, pool) }, (_, i) => toHex(headers.at(i).sealHash))));

  const results = { runners: [] };
  try {
    for (const kind of runnerKinds) {
      const runner = clefRunner(kind);
      if (!runner.available) {
        results.runners.push({ runner: runner.label, notMeasured: 'dist/clef missing: run `npm run build`' });
        continue;
      }
      const limitRuntime = kind === 'binary' ? 'bun' : 'node';
      say(`signing over IPC: ${runner.label}`);
      results.runners.push(await benchRunner(runner, limitRuntime, { work, keyFile, headers, pool, digestsFile, D, R, L }));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

async function benchRunner(runner, limitRuntime, { work, keyFile, headers, pool, digestsFile, D, R, L }) {
  const dir = mkdtempSync(join(work, `${runner.kind}-`));
  const cli = runner;
  const { cfg, ks } = provision(cli, dir, keyFile);
  const mainRules = join(dir, 'rules-main.js');
  attest(cli, dir, cfg, mainRules);

  // The main runs cycle through the prefilled pool (the scenario-B rule does not track heights); the stateful
  // variants continue above it, so their heights only ever increase.
  let next = 0;
  let variantNext = pool;
  const checks = { clique: 0, tx: 0, wrong: 0, firstWrong: null };
  const samples = [];
  const clique = (increasing = false) => (i) => {
    const h = increasing ? headers.at(variantNext++) : headers.at(next++ % pool);
    return ['account_signData', h.params, i % 97 === 0 ? (res) => samples.push(['clique', h, res]) : undefined];
  };
  let nonce = 0;
  const txReq = () => (i) => {
    const n = nonce++;
    const params = `[{"from":"${SEALER}","to":"${RECIPIENT}","gas":"0x5208","maxFeePerGas":"0x77359400","maxPriorityFeePerGas":"0x3b9aca00","value":"0x1","nonce":"0x${n.toString(16)}","chainId":"0x${CHAIN_ID.toString(16)}"}]`;
    return ['account_signTransaction', params, i % 97 === 0 ? (res) => samples.push(['tx', n, res]) : undefined];
  };
  const verify = () => {
    for (const [kind, a, res] of samples.splice(0)) {
      try {
        if (kind === 'clique') {
          const want = toHex(signDigest(SEALER_KEY, a.sealHash));
          if (res !== want) throw new Error(`clique seal ${res} != ${want}`);
          checks.clique++;
        } else {
          const tx = Transaction.from(res.raw);
          if (tx.from.toLowerCase() !== SEALER || tx.nonce !== a || tx.type !== 2) throw new Error(`tx from ${tx.from} nonce ${tx.nonce} type ${tx.type}`);
          checks.tx++;
        }
      } catch (e) {
        checks.wrong++;
        checks.firstWrong ??= e.message;
      }
    }
  };

  const out = { runner: runner.label, limitRuntime, seconds: D, rounds: R, rows: {} };
  let d = await startDaemon(runner, dir, cfg, ks, { rulesFile: mainRules });
  out.ipcOpenedMs = d.openedMs;
  try {
    const c1 = await connectN(d.ipc, 1);
    const c16 = await connectN(d.ipc, 16);
    // Cold first seal: key file scan, vault password, one standard scrypt (then cached), first rule run.
    const t = now();
    const first = await c1[0].callRaw(...clique()(0).slice(0, 2));
    out.coldFirstSealMs = ms(now() - t);
    if (first.msg.error) throw new Error(`first seal failed: ${JSON.stringify(first.msg.error)}`);
    const cases = [
      ['clique_c1', c1, clique],
      ['clique_c16', c16, clique],
      ['tx_c1', c1, txReq],
      ['tx_c16', c16, txReq],
    ];
    const acc = Object.fromEntries(cases.map(([k]) => [k, { rates: [], lat: [], errors: 0, firstError: null }]));
    const limits = [];
    const limitJitter = [];
    for (let r = 0; r < R; r++) {
      const lr = limitRound(limitRuntime, digestsFile, L);
      limits.push(lr.rate);
      limitJitter.push(lr.p99OverP50);
      for (const [k, clients, make] of cases) {
        const res = await closedLoop(clients, { seconds: D, warmup: r === 0 ? 20 : 2, next: make() });
        acc[k].rates.push(res.rate);
        for (const x of res.latencyNs) acc[k].lat.push(x);
        acc[k].errors += res.errors;
        acc[k].firstError ??= res.firstError;
        verify();
      }
      say(`  round ${r + 1}/${R}: limit ${limits.at(-1).toFixed(0)}/s, ` + cases.map(([k]) => `${k} ${acc[k].rates.at(-1).toFixed(0)}/s`).join(', '));
    }
    out.limit = rounds(limits);
    // The machine's noise floor: p99/p50 of single raw signatures in the limit process.
    out.limitP99OverP50 = rounds(limitJitter);
    for (const [k] of cases) out.rows[k] = summarize(acc[k], out.limit.median);
    for (const c of [...c1, ...c16]) c.close();
  } finally {
    await d.proc.stop();
  }

  // Variants at concurrency 1, each on a restarted daemon: slashing protection in the rules' storage (scenario C),
  // the built-in guard, and a rule file that uses BigNumber in ApproveTx (which the sandbox then loads eagerly).
  const variants = [
    ['rules-stateful.js', [], [['clique_c1_rule_storage', () => clique(true)]]],
    ['rules-main.js', ['--clique-protect'], [['clique_c1_clique_protect', () => clique(true)]]],
    ['rules-bignumber.js', [], [['clique_c1_bignumber_file', () => clique()], ['tx_c1_bignumber_cap', txReq]]],
  ];
  for (const [file, extra, rows] of variants) {
    const rulesFile = join(dir, file);
    attest(cli, dir, cfg, rulesFile);
    const seconds = D * Math.max(1, R / 2);
    headers.fill(variantNext + Math.ceil(out.rows.clique_c1.rate.max * seconds * 1.5) + 100);
    d = await startDaemon(runner, dir, cfg, ks, { rulesFile, extra });
    try {
      const [c] = await connectN(d.ipc, 1);
      for (const [k, make] of rows) {
        const res = await closedLoop([c], { seconds, warmup: 5, next: make() });
        verify();
        out.rows[k] = summarize({ rates: [res.rate], lat: res.latencyNs, errors: res.errors, firstError: res.firstError }, out.limit.median);
      }
      c.close();
    } finally {
      await d.proc.stop();
    }
  }
  out.checks = checks;

  // BENCH_PROFILE=1: where the daemon's time goes, one CPU profile per request kind at concurrency 16. The
  // daemon runs from source (node: tsx; the binary's runtime: bun) so the profile keeps file names.
  if (process.env.BENCH_PROFILE === '1') {
    attest(cli, dir, cfg, mainRules);
    const { summarise, report } = await import('./bench-profile.mjs');
    out.profiles = {};
    for (const [k, make] of [['clique_c16', clique], ['tx_c16', txReq]]) {
      const profDir = join(root, 'bench-results', 'profiles', `${runner.kind === 'node' ? 'node' : 'bun'}-${k}-${Date.now()}`);
      const src = clefRunner(runner.kind === 'node' ? 'node-tsx' : 'bun-src');
      d = await startDaemon(src, dir, cfg, ks, { rulesFile: mainRules, profFlags: ['--cpu-prof', '--cpu-prof-dir', profDir] });
      try {
        const cs = await connectN(d.ipc, 16);
        await closedLoop(cs, { seconds: D * 2, warmup: 5, next: make() });
        for (const c of cs) c.close();
      } finally {
        await d.proc.stop();
      }
      const { readdirSync } = await import('node:fs');
      // One profile per thread (tsx runs its loader in a worker): the main thread is the busiest.
      let file = null;
      let summary = null;
      for (const f of readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
        const s = summarise(JSON.parse(readFileSync(join(profDir, f), 'utf8')));
        if (!summary || s.busyMs > summary.busyMs) [file, summary] = [f, s];
      }
      if (!file) continue;
      out.profiles[k] = { file: join(profDir, file), areas: summary.areas, topFunctions: summary.topFunctions.slice(0, 15) };
      say(`profile of ${k} (${join(profDir, file)}):\n${report(summary)}`);
    }
  }
  return out;
}

function summarize(a, limit) {
  const r = rounds(a.rates);
  const l = stats(a.lat);
  return {
    rate: r,
    ratioToLimit: r.median / limit,
    latencyMs: { p50: l.p50 / 1e6, p99: l.p99 / 1e6, max: l.max / 1e6, n: l.n },
    p99OverP50: l.p99 / l.p50,
    errors: a.errors,
    firstError: a.firstError,
  };
}

export { median, quick };
