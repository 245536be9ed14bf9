// Issue acceptance: replay what `geth --signer <clef.ipc>` sends (external-api.md §10) against the real daemon,
// approving every prompt on the console UI through a stdin pipe, with the account password stored via setpw.
// Checked by independent peers: @ethereumjs/block recovers the clique sealer, ethers decodes the transactions,
// anvil accepts them on chain and `cast mktx` builds the same bytes from the same fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliqueSigner } from '@ethereumjs/block';
import { Hardfork } from '@ethereumjs/common';
import { Interface, keccak256 as ethersKeccak, Transaction } from 'ethers';
import { concatBytes, fromHex, toHex } from '../../core/bytes.ts';
import type { Header } from '../../core/clique.ts';
import type { Json, JsonObject } from '../../core/gojson.ts';
import { makeCliqueChain } from '../support/clique-chain.ts';
import { cliqueCommon, theirHeader } from '../support/ethereumjs-clique.ts';
import { ACCOUNT_PASSWORD, MASTER_PASSWORD, provision, repoRoot, spawnDaemon, type DaemonProcess, type Provisioned } from '../support/daemon-process.ts';
import { GethIpcClient, gethSendTxArgs, type GethTx } from '../support/ipc-client.ts';

/** Per-test bound: spawning tsx and provisioning takes seconds (bun's default is 5 s). */
const T = 60_000;

// anvil's first dev account (a well-known test key, funded on every anvil chain).
const SEALER_KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const SEALER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const RECIPIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CHAIN_ID = 31337n;
const HEADERS = 50;
const GWEI = 1_000_000_000n;

const anvilBin = join(repoRoot, 'node_modules', '.bin', 'anvil');
const castBin = join(repoRoot, 'node_modules', '.bin', 'cast');
const noAnvil = existsSync(anvilBin) ? false : 'anvil is not installed (optional dependency)';
const noCast = existsSync(castBin) ? false : 'cast is not installed (optional dependency)';

interface Env {
  home: Provisioned;
  daemon: DaemonProcess;
  client: GethIpcClient;
}

let envPromise: Promise<Env> | null = null;
/** Provisions once (init, importraw, setpw) and starts the daemon on chain 31337; shared by the tests below. */
function env(): Promise<Env> {
  envPromise ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clef-e2e-'));
    const home = await provision(dir, { privateKeyHex: SEALER_KEY });
    assert.equal(home.address, SEALER);
    const daemon = spawnDaemon(
      [
        '--suppress-bootwarn',
        '--configdir', './clef',
        '--keystore', './ks',
        '--signersecret', home.masterPasswordFile,
        '--chainid', CHAIN_ID.toString(),
        '--lightkdf',
        '--ipcpath', './ipc',
        '--auditlog', './audit.log',
        '--4bytedb-custom', './4byte-custom.json',
      ],
      { cwd: dir, stdin: 'pipe' },
    );
    daemon.autoApprove();
    const path = await daemon.ipcPath();
    const ready = await daemon.ready();
    assert.match(ready, /seed=unlocked +rules=off accounts=1 stored-passwords=1 /);
    const client = await GethIpcClient.connect(path);
    return { home, daemon, client };
  })();
  return envPromise;
}

test('geth start-up: account_version and account_list, byte-exact on the wire', { timeout: T }, async () => {
  const { client, daemon } = await env();
  assert.equal(await client.call('account_version'), '6.1.0');
  const prompts = daemon.prompts;
  const list = await client.call<string[]>('account_list');
  assert.deepEqual(list, [SEALER.toLowerCase()]);
  assert.equal(daemon.prompts, prompts + 1, 'the listing was approved on the console');
  assert.match(daemon.stdout, /-------- List Account request--------------\n[\s\S]*\[x\] 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n/);
  // What geth writes and what it reads back (external-api.md §10.2).
  assert.deepEqual(client.sent.slice(0, 2), ['{"jsonrpc":"2.0","id":1,"method":"account_version"}', '{"jsonrpc":"2.0","id":2,"method":"account_list"}']);
  assert.deepEqual(client.received.slice(0, 2), [
    '{"jsonrpc":"2.0","id":1,"result":"6.1.0"}',
    '{"jsonrpc":"2.0","id":2,"result":["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"]}',
  ]);
});


const signatures: string[] = [];

test(`clique sealing: ${HEADERS} consecutive headers, each seal recovers to the sealer in @ethereumjs/block`, { timeout: T }, async () => {
  const { client, daemon } = await env();
  const chain = makeCliqueChain(HEADERS, fromHex(`0x${SEALER_KEY}`), 15, { baseFee: 7n });
  const promptsBefore = daemon.prompts;
  let parent: string | null = null;
  for (const link of chain) {
    const sigHex = await client.call<string>('account_signData', ['application/x-clique-header', SEALER, link.payloadHex]);
    signatures.push(sigHex);
    const sig = fromHex(sigHex);
    assert.equal(sig.length, 65, `block ${link.header.number}: 65-byte signature`);
    assert.ok(sig[64] === 0 || sig[64] === 1, `block ${link.header.number}: V is ${sig[64]}, want 0/1`);
    // Seal the header as geth does (vanity ‖ signature) and let @ethereumjs/block recover the signer.
    const sealed: Header = { ...link.header, extra: concatBytes(link.header.extra, sig) };
    const theirs = theirHeader(sealed, cliqueCommon(Hardfork.London, 15));
    assert.equal(cliqueSigner(theirs).toString(), SEALER.toLowerCase(), `block ${link.header.number}: sealer`);
    if (parent !== null) assert.equal(toHex(link.header.parentHash), parent, `block ${link.header.number}: parent hash links`);
    parent = toHex(theirs.hash());
    // The console showed the header as clef does: `clique header <n> [0x…]`.
    assert.ok(daemon.stdout.includes(`${link.message}`), `block ${link.header.number}: prompt shows ${link.message}`);
  }
  assert.equal(daemon.prompts - promptsBefore, HEADERS, 'one approval per header');
  assert.equal(new Set(signatures).size, HEADERS, 'all seals differ');
  // Every request went out as geth writes it: compact JSON, ids counting up, the checksummed address.
  const first = client.sent.findIndex((s) => s.includes('account_signData'));
  assert.equal(client.sent[first], `{"jsonrpc":"2.0","id":${first + 1},"method":"account_signData","params":["application/x-clique-header","${SEALER}","${chain[0].payloadHex}"]}`);
});

test('personal_sign as geth sends it (text/plain): V 27/28, recovered by account_ecRecover', { timeout: T }, async () => {
  const { client } = await env();
  const data = '0x68656c6c6f20776f726c64';
  const sig = await client.call<string>('account_signData', ['text/plain', SEALER, data]);
  signatures.push(sig);
  assert.equal(fromHex(sig).length, 65);
  assert.ok(['1b', '1c'].includes(sig.slice(-2)), `V ${sig.slice(-2)}`);
  assert.equal(await client.call('account_ecRecover', [data, sig]), SEALER.toLowerCase());
});

const q = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const KEY_ORDER = [
  'type', 'chainId', 'nonce', 'to', 'gas', 'gasPrice', 'maxPriorityFeePerGas', 'maxFeePerGas', 'maxFeePerBlobGas',
  'value', 'input', 'accessList', 'blobVersionedHashes', 'authorizationList', 'v', 'r', 's', 'yParity', 'blobs',
  'commitments', 'proofs', 'hash',
];

/** What go-ethereum's transaction JSON decoder needs (external-api.md §10.4), plus clef's key order (§6.6). */
function assertGethDecodable(tx: JsonObject, type: number): void {
  const keys = Object.keys(tx);
  assert.deepEqual(keys, KEY_ORDER.filter((k) => keys.includes(k)), 'key order');
  const quantity = (k: string) => {
    assert.equal(typeof tx[k], 'string', `${k} present`);
    assert.match(tx[k] as string, q, `${k} is a quantity`);
  };
  quantity('type');
  assert.equal(BigInt(tx.type as string), BigInt(type));
  for (const k of ['nonce', 'gas', 'value', 'r', 's', 'v']) quantity(k);
  assert.match(tx.input as string, /^0x([0-9a-f]{2})*$/);
  assert.match(tx.hash as string, /^0x[0-9a-f]{64}$/);
  if (type === 0) {
    quantity('gasPrice');
    assert.equal(tx.maxFeePerGas, null);
    assert.equal(tx.maxPriorityFeePerGas, null);
    assert.ok(!('yParity' in tx) && !('accessList' in tx));
  } else {
    quantity('chainId');
    assert.equal(BigInt(tx.chainId as string), CHAIN_ID);
    assert.ok(tx.yParity === '0x0' || tx.yParity === '0x1', 'yParity 0/1');
    assert.equal(tx.yParity, tx.v, 'v and yParity agree');
    assert.ok(Array.isArray(tx.accessList));
  }
  if (type === 1) quantity('gasPrice');
  if (type >= 2) {
    quantity('maxFeePerGas');
    quantity('maxPriorityFeePerGas');
    assert.equal(tx.gasPrice, null);
  }
  if (type === 3) {
    assert.match(tx.to as string, /^0x[0-9a-f]{40}$/);
    quantity('maxFeePerBlobGas');
    assert.ok(Array.isArray(tx.blobVersionedHashes) && tx.blobVersionedHashes.length > 0);
  } else {
    assert.ok(!('blobVersionedHashes' in tx) && !('maxFeePerBlobGas' in tx));
  }
  assert.ok(!('authorizationList' in tx) && !('blobs' in tx));
}

const transfer = new Interface(['function transfer(address,uint256)']);
const accessList = [{ address: RECIPIENT.toLowerCase(), storageKeys: [`0x${'00'.repeat(31)}01`] }];
const blobHashes = [`0x01${'ab'.repeat(31)}`, `0x01${'cd'.repeat(31)}`];
const TXS: GethTx[] = [
  { type: 0, from: SEALER, to: RECIPIENT, gas: 100_000n, gasPrice: 2n * GWEI, value: 1000n, nonce: 0n, chainId: CHAIN_ID },
  { type: 1, from: SEALER, to: RECIPIENT, gas: 100_000n, gasPrice: 2n * GWEI, value: 1000n, nonce: 1n, accessList, chainId: CHAIN_ID },
  {
    type: 2,
    from: SEALER,
    to: RECIPIENT,
    gas: 100_000n,
    maxFeePerGas: 3n * GWEI,
    maxPriorityFeePerGas: GWEI,
    value: 0n,
    nonce: 2n,
    input: transfer.encodeFunctionData('transfer', [RECIPIENT, 5n]),
    chainId: CHAIN_ID,
  },
  {
    type: 3,
    from: SEALER,
    to: RECIPIENT,
    gas: 100_000n,
    maxFeePerGas: 3n * GWEI,
    maxPriorityFeePerGas: GWEI,
    value: 0n,
    nonce: 3n,
    chainId: CHAIN_ID,
    maxFeePerBlobGas: 10n * GWEI,
    blobVersionedHashes: blobHashes,
  },
];
const signed: { raw: string; tx: JsonObject }[] = [];

test('account_signTransaction with geth SendTxArgs: legacy, 2930, 1559, 4844 (hashes only); tx JSON decodable, ethers agrees', { timeout: T }, async () => {
  const { client, daemon } = await env();
  for (const want of TXS) {
    const args = gethSendTxArgs(want);
    const prompts = daemon.prompts;
    const res = await client.call<JsonObject>('account_signTransaction', [args]);
    assert.equal(daemon.prompts, prompts + 1, `type ${want.type}: one approval`);
    assert.deepEqual(Object.keys(res), ['raw', 'tx']);
    const raw = res.raw as string;
    const tx = res.tx as JsonObject;
    signed.push({ raw, tx });
    assertGethDecodable(tx, want.type);
    // An independent decoder reads the same transaction back from the raw bytes.
    const theirs = Transaction.from(raw);
    assert.equal(theirs.type, want.type);
    assert.equal(theirs.from, SEALER, `type ${want.type}: sender recovered by ethers`);
    assert.equal(theirs.hash, tx.hash);
    assert.equal(ethersKeccak(raw), tx.hash);
    assert.equal(theirs.chainId, CHAIN_ID);
    assert.equal(theirs.nonce, Number(want.nonce));
    assert.equal(theirs.to, want.to);
    assert.equal(theirs.gasLimit, want.gas);
    assert.equal(theirs.value, want.value);
    assert.equal(theirs.data, want.input ?? '0x');
    assert.equal(tx.input, want.input ?? '0x');
    assert.equal(tx.to, RECIPIENT.toLowerCase());
    assert.equal(BigInt(tx.nonce as string), want.nonce);
    assert.equal(BigInt(tx.gas as string), want.gas);
    assert.equal(BigInt(tx.value as string), want.value);
    assert.equal(BigInt(tx.r as string), BigInt(theirs.signature!.r));
    assert.equal(BigInt(tx.s as string), BigInt(theirs.signature!.s));
    if (want.type === 0) {
      assert.equal(theirs.gasPrice, want.gasPrice);
      assert.equal(BigInt(tx.v as string), BigInt(theirs.signature!.v - 27) + 35n + 2n * CHAIN_ID, 'EIP-155 v');
    } else {
      assert.equal(BigInt(tx.v as string), BigInt(theirs.signature!.yParity));
    }
    if (want.type === 1) {
      assert.equal(theirs.gasPrice, want.gasPrice);
      assert.deepEqual(theirs.accessList, [{ address: RECIPIENT, storageKeys: accessList[0].storageKeys }]);
      assert.deepEqual(tx.accessList, accessList);
    }
    if (want.type >= 2) {
      assert.equal(theirs.maxFeePerGas, want.maxFeePerGas);
      assert.equal(theirs.maxPriorityFeePerGas, want.maxPriorityFeePerGas);
      assert.equal(BigInt(tx.maxFeePerGas as string), want.maxFeePerGas);
    }
    if (want.type === 3) {
      assert.equal(theirs.maxFeePerBlobGas, want.maxFeePerBlobGas);
      assert.deepEqual(theirs.blobVersionedHashes, blobHashes);
      assert.deepEqual(tx.blobVersionedHashes, blobHashes);
      assert.equal(theirs.blobs, null, 'no sidecar');
    }
  }
  // The request went out in geth's exact SendTxArgs shape (external-api.md §10.3).
  const legacyReq = client.sent.find((s) => s.includes('account_signTransaction'))!;
  assert.match(
    legacyReq,
    new RegExp(
      `^\\{"jsonrpc":"2.0","id":\\d+,"method":"account_signTransaction","params":\\[\\{"from":"${SEALER}","to":"${RECIPIENT}","gas":"0x186a0","gasPrice":"0x77359400","maxFeePerGas":null,"maxPriorityFeePerGas":null,"value":"0x3e8","nonce":"0x0","input":"0x","chainId":"0x7a69"\\}\\]\\}$`,
    ),
  );
  assert.match(daemon.stdout, /Transaction signed:\n/);
});

test('cast mktx builds byte-identical raws for the same fields', { skip: noCast, timeout: T }, async () => {
  await env();
  assert.equal(signed.length, 4, 'the signing test ran');
  const common = ['mktx', '--private-key', `0x${SEALER_KEY}`, '--chain', CHAIN_ID.toString(), '--gas-limit', '100000'];
  const runs: string[][] = [
    [...common, '--nonce', '0', '--legacy', '--gas-price', (2n * GWEI).toString(), '--value', '1000', RECIPIENT],
    [...common, '--nonce', '1', '--legacy', '--gas-price', (2n * GWEI).toString(), '--access-list', JSON.stringify(accessList), '--value', '1000', RECIPIENT],
    [...common, '--nonce', '2', '--gas-price', (3n * GWEI).toString(), '--priority-gas-price', GWEI.toString(), '--value', '0', RECIPIENT, 'transfer(address,uint256)', RECIPIENT, '5'],
  ];
  for (let i = 0; i < runs.length; i++) {
    const r = spawnSync(castBin, runs[i], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(signed[i].raw, r.stdout.trim(), `type ${i}: clef raw equals cast mktx`);
  }
});

/** Starts anvil on a free port; resolves with its URL and the process (killed by the caller). */
async function startAnvil(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(anvilBin, ['--port', '0', '--chain-id', CHAIN_ID.toString()], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.on('exit', () => proc.kill('SIGKILL'));
  let out = '';
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`anvil did not start within 20 s:\n${out}`)), 20000);
    const onData = (t: Buffer) => {
      out += t.toString();
      const m = /Listening on (\d+\.\d+\.\d+\.\d+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(`http://${m[1]}`);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`anvil exited ${code}:\n${out}`));
    });
  });
  return { url, proc };
}

async function rpc(url: string, method: string, params: Json[]): Promise<Json> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10000),
  });
  const body = (await res.json()) as { result?: Json; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result ?? null;
}

test('anvil (chain 31337) accepts the legacy, 2930 and 1559 raws and mines them from the sealer', { skip: noAnvil, timeout: T }, async () => {
  await env();
  assert.equal(signed.length, 4, 'the signing test ran');
  const { url, proc } = await startAnvil();
  try {
    assert.equal(await rpc(url, 'eth_chainId', []), '0x7a69');
    assert.equal(await rpc(url, 'eth_getTransactionCount', [SEALER, 'latest']), '0x0');
    for (const [i, { raw, tx }] of signed.slice(0, 3).entries()) {
      const hash = await rpc(url, 'eth_sendRawTransaction', [raw]);
      assert.equal(hash, tx.hash, `type ${i}: anvil's hash`);
      let receipt: JsonObject | null = null;
      // anvil mines each transaction on arrival, but the receipt may trail the send by a moment.
      for (let tries = 0; tries < 100 && receipt === null; tries++) {
        receipt = (await rpc(url, 'eth_getTransactionReceipt', [hash])) as JsonObject | null;
        if (receipt === null) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(receipt, `type ${i}: mined within 5 s`);
      assert.equal(receipt.status, '0x1', `type ${i}: mined successfully`);
      assert.equal(receipt.from, SEALER.toLowerCase());
      assert.equal(receipt.type, `0x${i}`);
    }
    assert.equal(await rpc(url, 'eth_getTransactionCount', [SEALER, 'latest']), '0x3', 'three transactions mined');
  } finally {
    proc.kill('SIGKILL');
  }
});

test('audit log: one request/response pair per call, results logged, no password anywhere; clean stop', { timeout: T }, async () => {
  const { client, daemon, home } = await env();
  client.close();
  assert.deepEqual(await daemon.stop('SIGINT'), { code: 0, signal: null });
  const audit = readFileSync(join(home.dir, 'audit.log'), 'utf8');
  const lines = audit.trimEnd().split('\n');
  assert.match(lines[0], /^time=\S+ level=INFO msg=Configured api=signer "audit log"=\.\/audit\.log$/);
  const records = lines.slice(1).map((l) => {
    const m = /^time=\S+ level=INFO msg=(\w+) api=signer type=(request|response)(?: |$)/.exec(l);
    assert.ok(m, `audit line shape: ${l.slice(0, 120)}`);
    return { msg: m[1], type: m[2], line: l };
  });
  // Calls are sequential, so requests and responses strictly alternate with the same method.
  for (let i = 0; i < records.length; i += 2) {
    assert.equal(records[i].type, 'request', records[i].line.slice(0, 120));
    assert.equal(records[i + 1]?.type, 'response', `response after ${records[i].line.slice(0, 120)}`);
    assert.equal(records[i + 1].msg, records[i].msg);
  }
  const count = (msg: string) => records.filter((r) => r.msg === msg && r.type === 'request').length;
  assert.equal(count('Version'), 1);
  assert.equal(count('List'), 1);
  assert.equal(count('SignData'), HEADERS + 1);
  assert.equal(count('EcRecover'), 1);
  assert.equal(count('SignTransaction'), TXS.length);
  assert.equal(records.length, 2 * (3 + HEADERS + 1 + TXS.length));
  // Each SignData response records the signature clef returned, and no call failed.
  const sigResponses = records.filter((r) => r.msg === 'SignData' && r.type === 'response').map((r) => r.line);
  assert.equal(sigResponses.length, signatures.length);
  sigResponses.forEach((l, i) => {
    assert.ok(l.includes(` data=${signatures[i].slice(2)} `), `SignData response ${i} logs the signature`);
    assert.ok(l.endsWith(' error=<nil>'));
  });
  const txResponses = records.filter((r) => r.msg === 'SignTransaction' && r.type === 'response').map((r) => r.line);
  txResponses.forEach((l, i) => { assert.ok(l.includes(` data=${signed[i].raw.slice(2)} `), `SignTransaction response ${i} logs the raw`); });
  assert.ok(records.every((r) => r.type === 'response' || r.line.includes(' metadata="{\\"remote\\":\\"NA\\",\\"local\\":\\"NA\\",\\"scheme\\":\\"ipc\\"')), 'IPC metadata');
  for (const secret of [ACCOUNT_PASSWORD, MASTER_PASSWORD, SEALER_KEY]) {
    assert.ok(!audit.includes(secret), 'no secret in the audit log');
    assert.ok(!daemon.output.includes(secret), 'no secret in the daemon output');
  }
  assert.equal(daemon.answers.length, 1 + HEADERS + 1 + TXS.length, 'every prompt was answered once');
  rmSync(home.dir, { recursive: true, force: true });
});

