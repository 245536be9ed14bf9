// Transactions signed by core/tx.ts meet real peers: a local anvil node accepts them (same hash, mined,
// same fields back), and Foundry's cast builds byte-identical raw transactions from the same inputs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../core/bytes.ts';
import type { Json, JsonObject } from '../../core/gojson.ts';
import { signDigest } from '../../core/secp256k1.ts';
import { decodeSendTxArgs, signTransaction } from '../../core/tx.ts';
import { projectRoot } from '../support/vectors.ts';
import { freePort } from '../support/free-port.ts';

const bin = (name: string) => join(projectRoot, 'node_modules', '.bin', name);
const anvilBin = bin('anvil');
const castBin = bin('cast');

/** anvil's first prefunded development key (public test key). */
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const DEV_ADDR = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CHAIN = 31337n;

function runs(path: string): boolean {
  try {
    execFileSync(path, ['--version'], { stdio: 'pipe', timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}

const anvilSkip = existsSync(anvilBin) && runs(anvilBin) ? false : 'anvil is not installed (optional dependency @foundry-rs/anvil); skipping';
const castSkip = existsSync(castBin) && runs(castBin) ? false : 'cast is not installed (optional dependency @foundry-rs/cast); skipping';

let anvil: ChildProcess | null = null;
let url = '';

let rpcId = 0;
async function rpc(method: string, params: Json[] = []): Promise<Json> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  const body = (await res.json()) as { result?: Json; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result ?? null;
}

/** anvil mines right after accepting, but the receipt can trail the send by a moment. */
async function minedReceipt(hash: string): Promise<JsonObject> {
  for (let i = 0; i < 200; i++) {
    const r = await rpc('eth_getTransactionReceipt', [hash]);
    if (r !== null) return r as JsonObject;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`transaction ${hash} was not mined`);
}

before(async () => {
  if (anvilSkip) return;
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  anvil = spawn(anvilBin, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(CHAIN)], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      await rpc('eth_chainId');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('anvil did not start');
});

after(() => {
  anvil?.kill();
  anvil = null;
});

const sign = (json: JsonObject) => signTransaction(decodeSendTxArgs(json), CHAIN, async (d) => signDigest(fromHex(DEV_KEY), d));

test('anvil accepts legacy, EIP-2930 and EIP-1559 transactions with our hash and fields', { skip: anvilSkip }, async () => {
  assert.equal(await rpc('eth_chainId'), '0x7a69');
  let nonce = BigInt((await rpc('eth_getTransactionCount', [DEV_ADDR, 'latest'])) as string);
  const n = () => '0x' + (nonce++).toString(16);
  const transferData = '0xa9059cbb' + '00'.repeat(12) + '35'.repeat(20) + (10).toString(16).padStart(64, '0');
  const requests: JsonObject[] = [
    { from: DEV_ADDR, to: TO, gas: '0x5208', gasPrice: '0x77359400', value: '0x1', nonce: n() },
    {
      from: DEV_ADDR, to: TO, gas: '0x7530', gasPrice: '0x77359400', value: '0x2', nonce: n(), chainId: '0x7a69',
      accessList: [{ address: TO, storageKeys: ['0x' + '00'.repeat(31) + '01'] }],
    },
    { from: DEV_ADDR, to: TO, gas: '0x5208', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00', value: '0x3', nonce: n() },
    // calldata to an EOA, via `input`
    { from: DEV_ADDR, to: TO, gas: '0xea60', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x1', value: '0x0', nonce: n(), input: transferData },
    // contract creation (init code returning empty runtime code)
    { from: DEV_ADDR, to: null, gas: '0x186a0', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x1', value: '0x0', nonce: n(), data: '0x60006000f3' },
  ];
  for (const req of requests) {
    const res = await sign(req);
    const hash = await rpc('eth_sendRawTransaction', [res.raw]);
    assert.equal(hash, res.tx.hash);
    const receipt = await minedReceipt(hash as string);
    assert.equal(receipt.status, '0x1');
    assert.equal(String(receipt.from).toLowerCase(), DEV_ADDR.toLowerCase());
    const mined = (await rpc('eth_getTransactionByHash', [hash])) as JsonObject;
    for (const k of ['hash', 'type', 'chainId', 'nonce', 'to', 'gas', 'value', 'input', 'v', 'r', 's', 'maxFeePerGas', 'maxPriorityFeePerGas', 'yParity', 'accessList']) {
      // geth-style JSON writes unused fee fields as null where anvil leaves them out
      if (k in res.tx) assert.deepEqual(mined[k] ?? null, res.tx[k], `${k} of type ${res.tx.type}`);
    }
    if (res.tx.type !== '0x2') assert.equal(mined.gasPrice, res.tx.gasPrice);
  }
});

function cast(args: string[]): string {
  return execFileSync(castBin, args, { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 }).trim();
}

test('cast mktx builds the same raw transactions offline', { skip: castSkip }, async () => {
  const common = ['mktx', '--private-key', DEV_KEY, '--chain', String(CHAIN)];
  const key1 = '0x' + '00'.repeat(31) + '01';
  const cases: [string[], JsonObject][] = [
    [
      [...common, '--nonce', '0', '--gas-limit', '21000', '--gas-price', '1000000000', '--legacy', '--value', '1', TO],
      { from: DEV_ADDR, to: TO, gas: '0x5208', gasPrice: '0x3b9aca00', value: '0x1', nonce: '0x0' },
    ],
    [
      [...common, '--nonce', '1', '--gas-limit', '30000', '--gas-price', '2000000000', '--legacy', '--value', '1',
        '--access-list', JSON.stringify([{ address: TO.toLowerCase(), storageKeys: [key1] }]), TO],
      { from: DEV_ADDR, to: TO, gas: '0x7530', gasPrice: '0x77359400', value: '0x1', nonce: '0x1', accessList: [{ address: TO, storageKeys: [key1] }] },
    ],
    [
      [...common, '--nonce', '7', '--gas-limit', '60000', '--gas-price', '2000000000', '--priority-gas-price', '1', TO,
        'transfer(address,uint256)', '0x3535353535353535353535353535353535353535', '10'],
      {
        from: DEV_ADDR, to: TO, gas: '0xea60', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x1', value: '0x0', nonce: '0x7',
        data: '0xa9059cbb' + '00'.repeat(12) + '35'.repeat(20) + (10).toString(16).padStart(64, '0'),
      },
    ],
  ];
  for (const [args, req] of cases) {
    assert.equal((await sign(req)).raw, cast(args), args.join(' '));
  }
});
