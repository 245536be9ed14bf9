// One daemon per configdir (issue 8 item 2): two daemons on one vault double-signed under --clique-protect and the
// second silently took over clef.ipc (and removed it on exit). Now the second refuses to start, exit 1, and a
// socket a live server answers on is never taken; a daemon killed with -9 does not block the next one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { binaryClef, spawnDaemon, type DaemonProcess } from '../support/daemon-process.ts';
import { nodeClef } from '../support/clef-node.ts';
import { GethIpcClient } from '../support/ipc-client.ts';
import { makeCliqueChain } from '../support/clique-chain.ts';
import { CHAIN_ID, provisionSealer, seal, SEALER_KEY, sealerArgs } from '../support/sealer-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'clef-dlock-'));
const daemons: DaemonProcess[] = [];
after(() => {
  for (const d of daemons) d.kill();
  rmSync(dir, { recursive: true, force: true });
});
// CLEF_BINARY=dist/clef runs the same checks against the bun-compiled binary.
const clef = process.env.CLEF_BINARY ? binaryClef(resolve(process.env.CLEF_BINARY)) : nodeClef();
const daemon = (args: string[]) => {
  const d = spawnDaemon(args, { cwd: dir, stdin: 'null', clef });
  daemons.push(d);
  return d;
};

test('a second daemon on the same configdir refuses to start and leaves the first one serving', async () => {
  const home = await provisionSealer(dir);
  const first = daemon(sealerArgs(home));
  const socket = await first.ipcPath(60_000);
  await first.ready(60_000);
  const chain = makeCliqueChain(2, SEALER_KEY, CHAIN_ID);

  const second = daemon(sealerArgs(home));
  const started = second.waitForText('IPC endpoint opened', 60_000).then(() => 'started as well', () => null);
  const status = await Promise.race([second.exited, started]);
  assert.deepEqual(status, { code: 1, signal: null }, second.tail());
  assert.match(second.output, /Fatal: another clef daemon \(pid \d+\) is running on configdir .*clef \(lock .*daemon\.lock\): stop it first/);
  assert.doesNotMatch(second.output, /IPC endpoint opened/);

  // A daemon on another configdir pointed at the same socket does not take it over either.
  const otherConfig = join(dir, 'other');
  mkdirSync(otherConfig);
  const third = daemon(['--suppress-bootwarn', '--configdir', otherConfig, '--keystore', home.keystore, '--ipcpath', home.configdir]); // --ipcpath is the socket's directory
  assert.notEqual((await third.exited).code, 0, third.tail());
  assert.match(third.output, /listen unix .*clef\.ipc: bind: address already in use \(another process is serving it\)/);

  assert.ok(existsSync(socket), 'the first daemon still has its socket');
  const client = await GethIpcClient.connect(socket);
  const r = await seal(client, chain[0]);
  assert.ok(r.ok, JSON.stringify(r));
  client.close();

  // kill -9: the lock is left behind but its owner is gone, so the next daemon starts and knows what was sealed.
  first.kill();
  await first.exited;
  assert.ok(existsSync(join(home.configdir, 'daemon.lock')));
  const next = daemon(sealerArgs(home));
  const socket2 = await next.ipcPath(60_000);
  await next.ready(60_000);
  const c2 = await GethIpcClient.connect(socket2);
  const fork = makeCliqueChain(2, SEALER_KEY, 99);
  const refused = await seal(c2, fork[0]);
  assert.ok(!refused.ok && /clique protection: refusing to sign header 1/.test(refused.error), JSON.stringify(refused));
  assert.ok((await seal(c2, chain[1])).ok);
  c2.close();
  assert.equal((await next.stop('SIGINT', 20_000)).code, 0, next.tail());
  assert.equal(existsSync(join(home.configdir, 'daemon.lock')), false, 'a clean exit releases the lock');
  assert.equal(existsSync(socket2), false, 'and removes its own socket');
});
