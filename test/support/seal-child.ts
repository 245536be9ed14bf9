// A sealing client in its own process for the race tests: connects to a daemon's socket and sends, for heights
// from..to in turn, its own variant (chain id `variant`) of each header; prints one JSON line of results.
import { makeCliqueChain } from './clique-chain.ts';
import { GethIpcClient } from './ipc-client.ts';
import { seal, SEALER_KEY } from './sealer-fixture.ts';

const [socket, variant, from, to] = process.argv.slice(2);
const chain = makeCliqueChain(Number(to), SEALER_KEY, Number(variant));
const client = await GethIpcClient.connect(socket);
const results = [];
for (const link of chain.slice(Number(from) - 1)) results.push(await seal(client, link));
client.close();
process.stdout.write(JSON.stringify(results.map((r, i) => ({ height: Number(from) + i, ok: r.ok, sig: r.ok ? r.sig : null }))) + '\n');
