// The limit: raw in-process secp256k1 signing (RFC 6979, low-S, recoverable) of given 32-byte digests with
// @noble/curves, the same call the signer makes, on one thread. Runs under node or bun (the daemon's runtime).
// Usage: <runtime> scripts/bench-limit.mjs <key-hex> <digests.json> <seconds> <rounds>
// Prints {"runtime": …, "rates": [signatures/s per round], "latencyUs": {p50, p99} of single signatures (the
// machine's noise floor for the daemon's p99/p50), "check": <hex of the first signature>}.
import { readFileSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hexToBytes, bytesToHex } from '@noble/hashes/utils.js';

const [keyHex, digestsFile, secondsArg, roundsArg] = process.argv.slice(2);
const key = hexToBytes(keyHex.replace(/^0x/, ''));
const digests = JSON.parse(readFileSync(digestsFile, 'utf8')).map((h) => hexToBytes(h.replace(/^0x/, '')));
const seconds = Number(secondsArg ?? 1);
const roundCount = Number(roundsArg ?? 3);
const opts = { prehash: false, lowS: true, format: 'recovered' };
const now = () => process.hrtime.bigint();

// Warm-up: JIT and noble's precomputed base-point tables.
for (let i = 0; i < 200; i++) secp256k1.sign(digests[i % digests.length], key, opts);

const rates = [];
const lat = [];
let j = 0;
for (let r = 0; r < roundCount; r++) {
  const t0 = now();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  let n = 0;
  let t = t0;
  while (t < deadline) {
    // one clock read per signature (~0.1 µs against hundreds): the rate and each signature's latency
    secp256k1.sign(digests[j++ % digests.length], key, opts);
    const t2 = now();
    lat.push(Number(t2 - t));
    t = t2;
    n++;
  }
  rates.push(n / (Number(t - t0) / 1e9));
}
lat.sort((a, b) => a - b);
const q = (x) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(x * lat.length) - 1))] / 1000;
const runtime = typeof globalThis.Bun !== 'undefined' ? `bun ${globalThis.Bun.version}` : `node ${process.version}`;
const check = bytesToHex(secp256k1.sign(digests[0], key, opts));
process.stdout.write(JSON.stringify({ runtime, rates, latencyUs: { p50: q(0.5), p99: q(0.99) }, check }) + '\n');
