// Races against a real --clique-protect daemon and the real CLI (issue 8 items 2, 3): different headers for one
// height from several connections and from two client processes → never more than one signature per height (exactly
// one when they race for the same new height); two daemons started at once on one configdir → exactly one runs;
// concurrent setpw/attest from several processes, also while the daemon seals → every acknowledged update survives.
// RACE_ROUNDS raises the number of setpw rounds (default 2).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { toChecksumAddress, toHex, type Address } from '../../core/bytes.ts';
import { cliqueRecordKey } from '../../core/clique-guard.ts';
import { openVault } from '../../adapters/vault/masterseed-file.ts';
import { spawnDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { clefArgv, nodeClef, nodeTsArgv, run } from '../support/clef-node.ts';
import { repoRoot } from '../support/daemon-process.ts';
import { GethIpcClient } from '../support/ipc-client.ts';
import { makeCliqueChain } from '../support/clique-chain.ts';
import { CHAIN_ID, provisionSealer, seal, SEALER_ADDRESS, SEALER_KEY, sealerArgs, type SealerHome } from '../support/sealer-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'clef-races-'));
const daemons: DaemonProcess[] = [];
after(() => {
  for (const d of daemons) d.kill();
  rmSync(dir, { recursive: true, force: true });
});
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 2);
let home: SealerHome;

const daemon = (args: string[]) => {
  const d = spawnDaemon(args, { cwd: dir, stdin: 'null', clef: nodeClef() });
  daemons.push(d);
  return d;
};
const randomAddress = () => toChecksumAddress(toHex(randomBytes(20)) as Address);
const cli = (args: string[]) => run(clefArgv(['--suppress-bootwarn', '--configdir', home.configdir, '--signersecret', home.passwordFile, ...args]), { cwd: dir, timeoutMs: 120_000 });

test('races: one signature per height, one daemon per configdir, no lost vault update', async () => {
  home = await provisionSealer(dir);
  const pwFile = join(dir, 'pw.txt');
  writeFileSync(pwFile, 'stored-password\n');

  // Two daemons at once on one configdir: exactly one gets to serve.
  const pair = [daemon(sealerArgs(home)), daemon(sealerArgs(home))];
  const outcome = await Promise.all(
    pair.map((d) => Promise.race([d.exited.then(() => 'exited'), d.waitForText('Signer status', 90_000).then(() => 'serving', () => 'exited')])),
  );
  assert.deepEqual([...outcome].sort(), ['exited', 'serving'], pair.map((d) => d.tail(1500)).join('\n'));
  const d = pair[outcome.indexOf('serving')];
  const loser = pair[outcome.indexOf('exited')];
  assert.equal((await loser.exited).code, 1);
  assert.match(loser.output, /another clef daemon .* is running on configdir/);
  const socket = await d.ipcPath();

  // Several connections, one new height at a time, four different headers each: exactly one is signed.
  const HEIGHTS = 8;
  const variants = [CHAIN_ID, 101, 102, 103].map((v) => makeCliqueChain(HEIGHTS, SEALER_KEY, v));
  const clients = await Promise.all(variants.map(() => GethIpcClient.connect(socket)));
  let races = 0;
  let doubleSigns = 0;
  for (let h = 0; h < HEIGHTS; h++) {
    const r = await Promise.all(clients.map((c, i) => seal(c, variants[i][h])));
    races++;
    const signed = r.filter((x) => x.ok).length;
    if (signed > 1) doubleSigns++;
    assert.equal(signed, 1, `height ${h + 1}: ${JSON.stringify(r)}`);
  }

  // Two client processes sealing their own chains over heights 9..20, while setpw and attest run against the vault.
  const child = join(repoRoot, 'test', 'support', 'seal-child.ts');
  const attested = toHex(randomBytes(32)).slice(2);
  const duringAddrs = [randomAddress(), randomAddress()];
  const [a, b, ...cliResults] = await Promise.all([
    run(nodeTsArgv(child, [socket, '201', '9', '20']), { timeoutMs: 120_000 }),
    run(nodeTsArgv(child, [socket, '202', '9', '20']), { timeoutMs: 120_000 }),
    cli(['attest', attested]),
    ...duringAddrs.map((addr) => cli(['setpw', '--password', pwFile, addr])),
  ]);
  for (const r of [a, b, ...cliResults]) assert.equal(r.code, 0, r.out);
  const ra = JSON.parse(a.out.trim().split('\n').pop()!) as { height: number; ok: boolean }[];
  const rb = JSON.parse(b.out.trim().split('\n').pop()!) as { height: number; ok: boolean }[];
  for (let h = 9; h <= 20; h++) {
    races++;
    const signed = [...ra, ...rb].filter((x) => x.height === h && x.ok).length;
    if (signed > 1) doubleSigns++;
    assert.ok(signed <= 1, `height ${h} signed ${signed} times`);
  }
  assert.ok([...ra, ...rb].some((x) => x.ok), 'the processes sealed something');
  for (const c of clients) c.close();

  // Concurrent setpw from several processes (and an attest), ROUNDS times.
  const acked: string[] = [...duringAddrs];
  let setpwRuns = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const addrs = [randomAddress(), randomAddress(), randomAddress()];
    const results = await Promise.all([...addrs.map((addr) => cli(['setpw', '--password', pwFile, addr])), cli(['attest', attested])]);
    for (const r of results) assert.equal(r.code, 0, r.out);
    acked.push(...addrs);
    setpwRuns++;
  }
  assert.equal((await d.stop('SIGINT', 20_000)).code, 0, d.tail());

  const vault = await openVault(home.configdir, home.seed);
  const names = new Set(await vault.credentials.keys());
  const lost = acked.filter((addr) => !names.has(addr) && !names.has(addr.toLowerCase()));
  assert.deepEqual(lost, [], 'every acknowledged setpw survived');
  assert.equal(await vault.credentials.get(SEALER_ADDRESS), 'sealer-password');
  assert.equal(await vault.config.get('ruleset_sha256'), attested, 'attest survived the sealing daemon');
  assert.match(await vault.config.get(cliqueRecordKey(SEALER_ADDRESS as Address)), /^(1\d|20):0x/);
  console.log(`# races: ${races} heights raced, ${doubleSigns} double-signs; setpw: ${setpwRuns} rounds × 3 processes + 2 while sealing, ${lost.length} lost`);
});
