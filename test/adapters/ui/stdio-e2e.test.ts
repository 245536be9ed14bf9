// End to end over real pipes: a child process plays the UI (test/support/stdio-ui-child.ts), StdioUI talks to
// it through the child's stdin/stdout — the self-test, clef_* calls from the UI, and end of input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import type { Address } from '../../../core/bytes.ts';
import type { Account } from '../../../core/ports.ts';
import { StdioUI, type UiServerApi } from '../../../adapters/ui/stdio.ts';
import { runStdioUiTest } from '../../../adapters/ui/stdio-selftest.ts';
import { FakeSigner } from '../../support/fake-signer.ts';

const child = fileURLToPath(new URL('../../support/stdio-ui-child.ts', import.meta.url));

/** How the current runtime runs a TypeScript file. */
function command(): [string, string[]] {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun) return [process.execPath, [child]];
  if (g.Deno) return [process.execPath, ['run', '--quiet', child]];
  return [process.execPath, ['--import', 'tsx', child]];
}

const A: Account = { address: '0xdeadbeef000000000000000000000000deadbeef', url: 'keystore:///tmp/ks/a' };

test('a UI process on real pipes: self-test passes, its clef_* calls are served, EOF ends the channel', async () => {
  const [bin, args] = command();
  const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const ui = new StdioUI({ input: proc.stdout!, output: proc.stdin! });
  let chainId = 1n;
  const daemon: UiServerApi = {
    listAccounts: async () => [A],
    listWallets: async () => [],
    deriveAccount: async () => A,
    openWallet: async () => {},
    importRawKey: async () => A,
    hasKeystore: () => true,
    chainId: () => chainId,
    setChainId: (id) => void (chainId = id),
    exportKey: async () => '{}',
    importKey: async () => A,
    newAccount: async () => A.address as Address,
  };
  ui.enableServer(daemon);

  const { errors } = await runStdioUiTest(ui, new FakeSigner(ui), { sleep: async () => {} });
  assert.deepEqual(errors, []);

  const { text } = await ui.onInputRequired({ title: 'Testing', prompt: 'transcript', isPassword: false });
  const transcript = JSON.parse(text) as { received: string[]; replies: string[] };
  assert.equal(transcript.received.length, 28, 'the 27 script messages and the transcript request');
  assert.equal(transcript.received[27], '{"jsonrpc":"2.0","id":28,"method":"ui_onInputRequired","params":[{"title":"Testing","prompt":"transcript","isPassword":false}]}');
  assert.equal(transcript.received[0], '{"jsonrpc":"2.0","method":"ui_showInfo","params":[{"text":"If you see this message, enter \'yes\' to next question"}]}');
  assert.equal(transcript.received[26], '{"jsonrpc":"2.0","method":"ui_showInfo","params":[{"text":"Tests completed. 0 errors:\\n\\n"}]}');
  assert.match(transcript.received[11], /"raw_data":"GUV0aGVyZXVtIFNpZ25lZCBNZXNzYWdlOgoxMWhlbGxvIHdvcmxk","messages":\[\{"name":"message","value":"\\u0019Ethereum/);
  assert.deepEqual(transcript.replies.sort(), [
    `{"jsonrpc":"2.0","id":"c1","result":[{"address":"${A.address}","url":"${A.url}"}]}`,
    '{"jsonrpc":"2.0","id":"c2","result":"0x5"}',
  ]);
  assert.equal(chainId, 5n);

  proc.stdin!.end();
  assert.equal(await exited, 0);
  await ui.ended;
  await assert.rejects(ui.approveNewAccount({ meta: { remote: 'NA', local: 'NA', scheme: 'NA', 'User-Agent': '', Origin: '' } }), { message: 'EOF' });
});
