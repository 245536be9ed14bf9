#!/usr/bin/env node
// `npm run demo`: clef's clique-sealer tutorial (cli.md §9, rules-engine.md scenarios B and C) end to end with the
// built binary, no terminal, in a fresh temp dir. A geth-like client talks to the daemon over IPC exactly as
// `geth --signer clef.ipc` does. Exit status 0 only if every expectation held.
// Usage: node scripts/demo.mjs [--tsx] [--headers N]
//   --tsx      run `tsx cli/main.ts` instead of dist/clef (no build needed)
//   --headers  headers sealed in the rules run (default 100)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const argv = process.argv.slice(2);
const useTsx = argv.includes('--tsx');
const headersArg = argv.includes('--headers') ? Number(argv[argv.indexOf('--headers') + 1]) : 100;
const HEADERS = Number.isInteger(headersArg) && headersArg > 0 ? headersArg : 100;
const MASTER_PASSWORD = 'clefclefclef';
const ACCOUNT_PASSWORD = 'testtesttest';
const CHAIN_ID = 15;

// ------------------------------------------------------------------------------------------------------------
// Reporting
// ------------------------------------------------------------------------------------------------------------

const problems = [];
const say = (text) => console.log(text);
/** Records an expectation; prints ✓ or ✗. */
function expect(ok, text, detail = '') {
  if (ok) say(`  ✓ ${text}`);
  else {
    problems.push(text + (detail ? ` (${detail})` : ''));
    say(`  ✗ ${text}${detail ? `\n      ${detail.split('\n').join('\n      ')}` : ''}`);
  }
  return ok;
}
const step = (title) => say(`\n== ${title}`);

// ------------------------------------------------------------------------------------------------------------
// Running clef
// ------------------------------------------------------------------------------------------------------------

let clef;
if (useTsx) {
  clef = { command: join(root, 'node_modules', '.bin', 'tsx'), prefix: [join(root, 'cli', 'main.ts')], launcher: true, label: 'tsx cli/main.ts' };
} else {
  const bin = join(root, 'dist', 'clef');
  if (!existsSync(bin)) {
    say('dist/clef is missing: building it first (npm run build)…');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(bin)) {
      console.error('build failed; cannot run the demo');
      process.exit(1);
    }
  }
  clef = { command: bin, prefix: [], launcher: false, label: 'dist/clef' };
}

const dir = mkdtempSync(join(tmpdir(), 'clef-demo-'));
const F = ['--keystore', './ks', '--configdir', './clef', '--chainid', String(CHAIN_ID), '--suppress-bootwarn', '--lightkdf'];

/** Runs a one-shot clef command with `input` on stdin; bounded by 60 s. */
function run(args, input = '') {
  const r = spawnSync(clef.command, [...clef.prefix, ...args], { cwd: dir, input, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const daemons = new Set();
process.on('exit', () => {
  for (const d of daemons) killGroup(d.proc, 'SIGKILL');
});

function killGroup(proc, sig) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, sig);
  } catch {
    try {
      proc.kill(sig);
    } catch {
      // gone
    }
  }
}

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // went away
    }
  }
  return out;
}

/** Starts the daemon with stdin </dev/null; its output also goes to <dir>/<name>.log. */
function startDaemon(name, extra) {
  const logFile = join(dir, `${name}.log`);
  writeFileSync(logFile, '');
  const proc = spawn(clef.command, [...clef.prefix, ...F, '--signersecret', './masterpw.txt', '--auditlog', './audit.log', ...extra], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const d = { name, proc, output: '', logFile, waiters: new Set(), exit: null };
  const onData = (t) => {
    d.output += t;
    appendFileSync(logFile, t);
    for (const w of [...d.waiters]) w();
  };
  proc.stdout.setEncoding('utf8').on('data', onData);
  proc.stderr.setEncoding('utf8').on('data', onData);
  d.exited = new Promise((done) =>
    proc.on('close', (code, signal) => {
      d.exit = { code, signal };
      daemons.delete(d);
      for (const w of [...d.waiters]) w();
      done(d.exit);
    }),
  );
  daemons.add(d);
  return d;
}

/** Waits until `re` matches the daemon's output (bounded). */
function waitFor(d, re, timeoutMs = 30000) {
  return new Promise((done, fail) => {
    const check = () => {
      const m = d.output.match(re);
      if (m) return finish(() => done(m));
      if (d.exit) return finish(() => fail(new Error(`daemon exited (${JSON.stringify(d.exit)}) before ${re}`)));
    };
    const timer = setTimeout(() => finish(() => fail(new Error(`timed out waiting for ${re}`))), timeoutMs);
    const finish = (f) => {
      clearTimeout(timer);
      d.waiters.delete(check);
      f();
    };
    d.waiters.add(check);
    check();
  });
}

/** Stops the daemon with SIGINT (to the process running clef) and waits, bounded. */
async function stopDaemon(d) {
  if (d.exit) return d.exit;
  const target = clef.launcher ? (childrenOf(d.proc.pid)[0] ?? -d.proc.pid) : d.proc.pid;
  try {
    process.kill(target, 'SIGINT');
  } catch {
    killGroup(d.proc, 'SIGINT');
  }
  const timeout = new Promise((r) => setTimeout(() => r(null), 15000));
  const exit = await Promise.race([d.exited, timeout]);
  if (!exit) {
    killGroup(d.proc, 'SIGKILL');
    return { code: null, signal: 'timeout' };
  }
  return exit;
}

// ------------------------------------------------------------------------------------------------------------
// A geth-like IPC client (external-api.md §10.1): compact JSON + "\n", ids 1, 2, 3 …, no params when none
// ------------------------------------------------------------------------------------------------------------

function ipcConnect(path) {
  return new Promise((done, fail) => {
    const sock = connect(path);
    const timer = setTimeout(() => {
      sock.destroy();
      fail(new Error(`connect ${path}: timed out`));
    }, 5000);
    sock.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.on('error', () => undefined);
      let buf = '';
      let nextId = 1;
      const pending = new Map();
      sock.setEncoding('utf8').on('data', (t) => {
        buf += t;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const msg = JSON.parse(line);
          pending.get(msg.id)?.(msg);
          pending.delete(msg.id);
        }
      });
      const request = (method, params, timeoutMs = 30000) =>
        new Promise((ok, ko) => {
          const id = nextId++;
          const msg = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
          const t = setTimeout(() => {
            pending.delete(id);
            ko(new Error(`${method}: no answer within ${timeoutMs} ms`));
          }, timeoutMs);
          pending.set(id, (m) => {
            clearTimeout(t);
            ok(m);
          });
          sock.write(`${JSON.stringify(msg)}\n`);
        });
      done({ request, close: () => sock.destroy() });
    });
  });
}

// ------------------------------------------------------------------------------------------------------------
// Clique headers as geth hands them to the signer (signing RLP: extra without the 65-byte seal)
// ------------------------------------------------------------------------------------------------------------

const hex = (b) => `0x${Buffer.from(b).toString('hex')}`;
const unhex = (s) => new Uint8Array(Buffer.from(s.replace(/^0x/, ''), 'hex'));
const intBytes = (n) => {
  let h = BigInt(n).toString(16);
  if (h === '0') return new Uint8Array(0);
  if (h.length % 2) h = `0${h}`;
  return unhex(h);
};
function rlpLength(len, offset) {
  if (len < 56) return Uint8Array.of(offset + len);
  const l = intBytes(len);
  return Uint8Array.of(offset + 55 + l.length, ...l);
}
function rlp(item) {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0] < 0x80) return item;
    return concat(rlpLength(item.length, 0x80), item);
  }
  const body = concat(...item.map(rlp));
  return concat(rlpLength(body.length, 0xc0), body);
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const keccak = (b) => keccak_256(b);
const EMPTY_UNCLES = keccak(Uint8Array.of(0xc0));
const EMPTY_ROOT = keccak(Uint8Array.of(0x80));
const VANITY = concat(new TextEncoder().encode('clef-ts demo sealer'), new Uint8Array(13));

/** The 15 header fields (plus baseFee) with the given extra. */
function headerFields(h, extra) {
  return [
    h.parentHash, EMPTY_UNCLES, new Uint8Array(20), h.root, EMPTY_ROOT, EMPTY_ROOT, new Uint8Array(256),
    intBytes(2), intBytes(h.number), intBytes(30_000_000), intBytes(0), intBytes(h.time), extra,
    new Uint8Array(32), new Uint8Array(8), intBytes(7),
  ];
}
/** Header `number` on top of `parentHash`; `variant` changes the state root (a competing block). */
function makeHeader(parentHash, number, variant = 0) {
  return { parentHash, number, time: 1_700_000_000 + 15 * number, root: keccak(new TextEncoder().encode(`demo state ${number} ${variant}`)) };
}
/** What geth sends: rlp of the header with extra = vanity only. */
const signingPayload = (h) => rlp(headerFields(h, VANITY));
/** The sealed block's hash (next block's parent). */
const blockHash = (h, sig) => keccak(rlp(headerFields(h, concat(VANITY, sig))));
/** The address that made a 65-byte R‖S‖V (V 0/1) seal over keccak(payload). */
function sealer(payload, sig) {
  const recovered = concat(Uint8Array.of(sig[64]), sig.subarray(0, 64));
  const pub = secp256k1.Point.fromBytes(secp256k1.recoverPublicKey(recovered, keccak(payload), { prehash: false })).toBytes(false);
  return hex(keccak(pub.subarray(1)).subarray(12));
}

/** Asks the daemon to seal `h`; returns { sig } or { error }. */
async function seal(client, address, h) {
  const payload = signingPayload(h);
  const r = await client.request('account_signData', ['application/x-clique-header', address, hex(payload)]);
  if (r.error) return { error: r.error };
  const sig = unhex(r.result);
  return { sig, payload, sigHex: r.result };
}

// ------------------------------------------------------------------------------------------------------------
// The tutorial
// ------------------------------------------------------------------------------------------------------------

const RULES_B = `// Clique sealer: approve account listing and clique headers only (rules-engine.md scenario B).
function OnSignerStartup(info) {}

function ApproveListing() {
  return "Approve"
}

function ApproveSignData(r) {
  if (r.content_type == "application/x-clique-header") {
    for (var i = 0; i < r.messages.length; i++) {
      var msg = r.messages[i]
      if (msg.name == "Clique header" && msg.type == "clique") {
        return "Approve"
      }
    }
  }
  return "Reject"
}
`;

const RULES_C = `// Clique sealer with slashing protection: never sign the same or a lower height twice (scenario C).
function OnSignerStartup(info) {}

function ApproveListing() {
  return "Approve"
}

function ApproveSignData(r) {
  if (r.content_type != "application/x-clique-header") {
    return "Reject"
  }
  for (var i = 0; i < r.messages.length; i++) {
    var msg = r.messages[i]
    if (msg.name == "Clique header" && msg.type == "clique") {
      var number = parseInt(msg.value.split(" ")[2])
      var latest = storage.get("lastblock") || 0
      console.log("number", number, "latest", latest)
      if (number > latest) {
        storage.put("lastblock", number)
        return "Approve"
      }
    }
  }
  return "Reject"
}
`;

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const attest = (label) => {
  const h = sha256(join(dir, 'rules.js'));
  const r = run([...F, '--signersecret', './masterpw.txt', 'attest', h]);
  expect(r.code === 0 && r.out.includes(`Ruleset attestation updated`) && r.out.includes(h), `attest ${label} rules (sha256 ${h.slice(0, 16)}…)`, r.out);
  return h;
};
const isDenied = (res) => res.error?.code === -32000 && res.error?.message === 'request denied';

const stats = { sealed: 0, refused: 0, sealSeconds: 0, starts: 0 };

async function main() {
  say(`clef-ts demo: the clique-sealer tutorial with ${clef.label}, no terminal`);
  say(`working directory: ${dir}`);
  const version = run(['--version']);
  expect(version.code === 0 && /^Clef version /.test(version.out), `clef --version: ${version.out.trim()}`);

  step('1. init, newaccount, setpw (secrets from pipes and files, no terminal)');
  writeFileSync(join(dir, 'masterpw.txt'), `${MASTER_PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'pw.txt'), `${ACCOUNT_PASSWORD}\n`, { mode: 0o600 });
  const init = run([...F, 'init'], `${MASTER_PASSWORD}\n${MASTER_PASSWORD}\n`);
  const seedPath = join(dir, 'clef', 'masterseed.json');
  expect(init.code === 0 && existsSync(seedPath), 'init: master seed generated', init.out);
  if (existsSync(seedPath)) expect((statSync(seedPath).mode & 0o777) === 0o400, `masterseed.json mode 0400 (${statSync(seedPath).size} bytes)`);
  const newacc = run([...F, 'newaccount', '--password', './pw.txt']);
  const address = /Generated account (0x[0-9a-fA-F]{40})/.exec(newacc.out)?.[1];
  if (!expect(newacc.code === 0 && address, `newaccount: ${address ?? '?'}`, newacc.out)) return;
  const setpw = run([...F, '--signersecret', './masterpw.txt', 'setpw', '--password', './pw.txt', address]);
  expect(setpw.code === 0 && setpw.out.includes(`Credential store updated`) && setpw.out.includes(`set=${address}`), 'setpw: account password stored in the vault', setpw.out);

  step(`2. rules (scenario B), attest, run with --rules and stdin </dev/null: seal ${HEADERS} headers without a prompt`);
  writeFileSync(join(dir, 'rules.js'), RULES_B);
  const hashB = attest('B');
  let d = startDaemon('daemon-1-rules', ['--rules', './rules.js']);
  stats.starts++;
  let client;
  try {
    const ipc = resolve(dir, (await waitFor(d, /IPC endpoint opened\s+url=(\S+)/))[1]);
    const ready = (await waitFor(d, /Signer status[^\n]*/))[0];
    expect(d.output.includes('Rule engine configured'), 'log: Rule engine configured');
    expect(/rules=active/.test(ready) && /seed=unlocked/.test(ready) && /stored-passwords=1/.test(ready), `readiness: ${ready.replace(/\s+/g, ' ')}`);
    client = await ipcConnect(ipc);
    const v = await client.request('account_version');
    expect(v.result === '6.1.0', `account_version → ${v.result}`);
    const list = await client.request('account_list');
    expect(JSON.stringify(list.result) === JSON.stringify([address.toLowerCase()]), `account_list approved by the rules → ${JSON.stringify(list.result)}`);
    let parent = keccak(new TextEncoder().encode('demo genesis'));
    let good = 0;
    const t0 = performance.now();
    for (let n = 1; n <= HEADERS; n++) {
      const h = makeHeader(parent, n);
      const r = await seal(client, address, h);
      if (r.error) {
        expect(false, `header ${n} sealed`, JSON.stringify(r.error));
        break;
      }
      if (r.sig.length === 65 && r.sig[64] <= 1 && sealer(r.payload, r.sig) === address.toLowerCase()) good++;
      parent = blockHash(h, r.sig);
    }
    const seconds = (performance.now() - t0) / 1000;
    stats.sealed += good;
    stats.sealSeconds = seconds;
    expect(good === HEADERS, `${good}/${HEADERS} headers sealed, each 65 bytes, V 0/1, recovering to ${address} (${(HEADERS / seconds).toFixed(0)} seals/s)`);
    expect(!d.output.includes('Approve? [y/N]'), 'no approval prompt was shown');
    const text = await client.request('account_signData', ['text/plain', address, '0x68656c6c6f']);
    expect(isDenied(text), `text/plain request refused: ${JSON.stringify(text.error ?? text.result)}`);
    if (isDenied(text)) stats.refused++;
    expect(/Op approved/.test(d.output), 'log: Op approved');
  } catch (e) {
    expect(false, 'rules run', `${e.message}\n${d.output.slice(-1500)}`);
  } finally {
    client?.close();
    const exit = await stopDaemon(d);
    expect(exit.code === 0, `SIGINT: exit status ${exit.code ?? exit.signal}`);
  }

  step('3. stateful rules (scenario C), attest, restart: a second header at a sealed height is refused');
  writeFileSync(join(dir, 'rules.js'), RULES_C);
  attest('C');
  d = startDaemon('daemon-2-stateful', ['--rules', './rules.js']);
  stats.starts++;
  try {
    const ipc = resolve(dir, (await waitFor(d, /IPC endpoint opened\s+url=(\S+)/))[1]);
    const ready = (await waitFor(d, /Signer status[^\n]*/))[0];
    expect(/rules=active/.test(ready), 'stateful rules active');
    client = await ipcConnect(ipc);
    let parent = keccak(new TextEncoder().encode('demo genesis C'));
    let ok = 0;
    let h10;
    let sig10;
    for (let n = 1; n <= 10; n++) {
      const h = makeHeader(parent, n);
      const r = await seal(client, address, h);
      if (!r.error && sealer(r.payload, r.sig) === address.toLowerCase()) ok++;
      if (r.error) break;
      parent = blockHash(h, r.sig);
      h10 = h;
      sig10 = r.sig;
    }
    stats.sealed += ok;
    expect(ok === 10, `headers 1..10 sealed (${ok})`);
    const fork = await seal(client, address, makeHeader(h10.parentHash, 10, 1));
    expect(isDenied(fork), `a different header at height 10 → ${JSON.stringify(fork.error ?? 'signed!')}`);
    const again = await seal(client, address, h10);
    expect(isDenied(again), `the same header 10 again → ${JSON.stringify(again.error ?? 'signed!')} (the rule refuses any height ≤ lastblock)`);
    stats.refused += Number(isDenied(fork)) + Number(isDenied(again));
    const next = await seal(client, address, makeHeader(blockHash(h10, sig10), 11));
    expect(!next.error, 'header 11 sealed: the chain goes on');
    if (!next.error) stats.sealed++;
    expect(/number,? 11,? latest,? 10/.test(d.output.replace(/\s+/g, ' ')) || d.output.includes('number 11 latest 10'), 'rule log: number 11 latest 10');
    const vaultDir = readdirSync(join(dir, 'clef')).find((n) => /^[0-9a-f]{20}$/.test(n));
    expect(vaultDir && existsSync(join(dir, 'clef', vaultDir, 'jsstorage.json')), 'jsstorage.json written in the vault (holds lastblock, encrypted)');
  } catch (e) {
    expect(false, 'stateful run', `${e.message}\n${d.output.slice(-1500)}`);
  } finally {
    client?.close();
    const exit = await stopDaemon(d);
    expect(exit.code === 0, `SIGINT: exit status ${exit.code ?? exit.signal}`);
  }

  step('4. --clique-protect with the scenario B rules: built-in double-sign protection');
  writeFileSync(join(dir, 'rules.js'), RULES_B);
  const hashB2 = attest('B');
  expect(hashB2 === hashB, 'same rules, same hash');
  d = startDaemon('daemon-3-clique-protect', ['--rules', './rules.js', '--clique-protect']);
  stats.starts++;
  try {
    const ipc = resolve(dir, (await waitFor(d, /IPC endpoint opened\s+url=(\S+)/))[1]);
    const ready = (await waitFor(d, /Signer status[^\n]*/))[0];
    expect(/rules=active/.test(ready) && /clique-protect=on/.test(ready), `readiness: rules=active clique-protect=on`);
    client = await ipcConnect(ipc);
    let parent = keccak(new TextEncoder().encode('demo genesis P'));
    const sealed = [];
    for (let n = 1; n <= 10; n++) {
      const h = makeHeader(parent, n);
      const r = await seal(client, address, h);
      if (r.error) break;
      sealed.push({ h, sigHex: r.sigHex });
      parent = blockHash(h, r.sig);
    }
    stats.sealed += sealed.length;
    expect(sealed.length === 10, `headers 1..10 sealed (${sealed.length})`);
    const last = sealed[sealed.length - 1];
    const fork = await seal(client, address, makeHeader(last.h.parentHash, last.h.number, 1));
    expect(fork.error && /clique protection: refusing to sign header 10/.test(fork.error.message), `a different header at height 10 refused: ${fork.error?.message ?? 'signed!'}`);
    const same = await seal(client, address, last.h);
    expect(!same.error && same.sigHex === last.sigHex, 'the identical header 10 is re-signed (geth retries), same signature');
    const lower = await seal(client, address, sealed[4].h);
    expect(lower.error && /clique protection/.test(lower.error.message), `a lower height (5) refused: ${lower.error?.message ?? 'signed!'}`);
    stats.refused += Number(Boolean(fork.error)) + Number(Boolean(lower.error));
  } catch (e) {
    expect(false, 'clique-protect run', `${e.message}\n${d.output.slice(-1500)}`);
  } finally {
    client?.close();
    const exit = await stopDaemon(d);
    expect(exit.code === 0, `SIGINT: exit status ${exit.code ?? exit.signal}`);
  }

  step('5. tamper with rules.js after attesting: rules off, loudly');
  appendFileSync(join(dir, 'rules.js'), '\n// edited after attestation\n');
  d = startDaemon('daemon-4-tampered', ['--rules', './rules.js']);
  stats.starts++;
  try {
    const ipc = resolve(dir, (await waitFor(d, /IPC endpoint opened\s+url=(\S+)/))[1]);
    const ready = (await waitFor(d, /Signer status[^\n]*/))[0];
    expect(/Rule hash not attested, disabling\s+hash=[0-9a-f]{64}\s+attested=[0-9a-f]{64}/.test(d.output), 'warning: Rule hash not attested, disabling hash=… attested=…');
    expect(d.output.includes('RULES ARE OFF'), 'loud warning: RULES ARE OFF …');
    expect(/rules=("not attested"|not attested|not-attested)/.test(ready), `readiness: ${ready.replace(/\s+/g, ' ')}`);
    client = await ipcConnect(ipc);
    const r = await seal(client, address, makeHeader(keccak(new TextEncoder().encode('demo genesis T')), 1));
    expect(Boolean(r.error), `with rules off and no terminal, a header is not signed: ${r.error?.message ?? 'signed!'}`);
    const v = await client.request('account_version');
    expect(v.result === '6.1.0' && !d.exit, 'the daemon keeps running and answering');
  } catch (e) {
    expect(false, 'tampered run', `${e.message}\n${d.output.slice(-1500)}`);
  } finally {
    client?.close();
    const exit = await stopDaemon(d);
    expect(exit.code === 0, `SIGINT: exit status ${exit.code ?? exit.signal}`);
  }

  step('6. the audit log');
  const auditPath = join(dir, 'audit.log');
  const audit = existsSync(auditPath) ? readFileSync(auditPath, 'utf8') : '';
  const lines = audit.split('\n').filter(Boolean);
  const count = (re) => lines.filter((l) => re.test(l)).length;
  const configured = count(/ msg=Configured api=signer /);
  const req = count(/ msg=SignData api=signer type=request /);
  const resp = count(/ msg=SignData api=signer type=response /);
  const denied = count(/ msg=SignData api=signer type=response .*error="request denied"$/);
  const protect = count(/ msg=SignData api=signer type=response .*error="clique protection/);
  expect(configured === stats.starts, `${configured} daemon starts recorded`);
  expect(req === resp && req > 0, `${req} SignData requests, ${resp} responses`);
  expect(denied === 3, `${denied} rule denials (text/plain, fork at 10, same 10)`);
  expect(protect === 2, `${protect} clique-protection refusals`);
  expect(!audit.includes(MASTER_PASSWORD) && !audit.includes(ACCOUNT_PASSWORD), 'no password in the audit log');
  const logs = readdirSync(dir).filter((n) => n.endsWith('.log') && n !== 'audit.log');
  expect(logs.every((n) => !readFileSync(join(dir, n), 'utf8').includes(ACCOUNT_PASSWORD)), 'no account password in any daemon log');
}

main()
  .catch((e) => expect(false, 'demo', e.stack ?? String(e)))
  .finally(() => {
    say('\n== summary');
    say(`  binary:        ${clef.label}`);
    say(`  headers sealed: ${stats.sealed}  (rules run: ${HEADERS} in ${stats.sealSeconds.toFixed(2)} s = ${(HEADERS / (stats.sealSeconds || Infinity)).toFixed(0)} seals/s)`);
    say(`  refused:        ${stats.refused} by rules or --clique-protect`);
    say(`  daemon starts:  ${stats.starts}`);
    say(`  files:          ${dir}`);
    say(`                  clef/ (masterseed.json, vault: credentials.json, config.json, jsstorage.json), ks/, rules.js,`);
    say(`                  audit.log, daemon-*.log (each daemon's output)`);
    if (problems.length === 0) say('\nall expectations held ✓');
    else {
      say(`\n${problems.length} expectation(s) failed:`);
      for (const p of problems) say(`  - ${p.split('\n')[0]}`);
    }
    for (const d of daemons) killGroup(d.proc, 'SIGKILL');
    process.exitCode = problems.length === 0 ? 0 : 1;
  });
