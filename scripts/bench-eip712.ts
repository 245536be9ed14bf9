// EIP-712 type-chain cost (issue 8 item 1): a typed-data request whose struct types form an N-deep chain
// T0 → T1 → … → TN, with the message nested N deep, decoded, formatted and hashed the way account_signTypedData
// does it (core only, in-process: this is the event-loop time one such request costs every other client).
// Usage: node --import tsx scripts/bench-eip712.ts [N …]   (default 1000 3000 4000). Prints one JSON line per N:
// {n, bytes, ms, outcome} where outcome is the digest or the -32000 error the request gets. Measures only.
import { parseTypedData, formatTypedData, hashTypedData } from '../core/eip712.ts';
import { toHex } from '../core/bytes.ts';
import { errorMessage } from '../core/errors.ts';
import type { Json } from '../core/gojson.ts';

/** The chain request: types T0..TN (each `{uint256 x, T(i+1) next}`, the last only `x`) and a nested message. */
export function chainTypedData(n: number): Json {
  const types: Record<string, Json> = {
    EIP712Domain: [{ name: 'name', type: 'string' }],
  };
  for (let i = 0; i <= n; i++) {
    const fields: Json[] = [{ name: 'x', type: 'uint256' }];
    if (i < n) fields.push({ name: 'next', type: `T${i + 1}` });
    types[`T${i}`] = fields;
  }
  let message: Json = { x: String(n) };
  for (let i = n - 1; i >= 0; i--) message = { x: String(i), next: message };
  return { types, primaryType: 'T0', domain: { name: 'chain' }, message };
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [1000, 3000, 4000]) {
  const req = chainTypedData(n);
  const bytes = JSON.stringify(req).length;
  const t0 = performance.now();
  let outcome: string;
  try {
    const td = parseTypedData(JSON.parse(JSON.stringify(req)) as Json);
    formatTypedData(td);
    outcome = toHex(hashTypedData(td).digest);
  } catch (e) {
    outcome = `error: ${errorMessage(e).slice(0, 120)}`;
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ n, bytes, ms: Math.round(ms), outcome }) + '\n');
}
