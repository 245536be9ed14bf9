// `clef gendoc` (cli.md §5.9): the Markdown layout, and every example being valid — requests consistent with
// themselves, responses accepted by the stdio UI's own decoders, the signed transaction checked with ethers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'ethers';
import { keccak256, toHex, utf8 } from '../../core/bytes.ts';
import { goStringify, type Json, type JsonObject } from '../../core/gojson.ts';
import { addressOfPrivateKey } from '../../core/secp256k1.ts';
import { decodeSendTxArgs } from '../../core/tx.ts';
import { StdioUI } from '../../adapters/ui/stdio.ts';
import {
  decodeListResponse,
  decodeNewAccountResponse,
  decodeSignDataResponse,
  decodeSignTxResponse,
  decodeUserInputResponse,
  parseAccountUrl,
} from '../../adapters/ui/stdio-wire.ts';
import { gendocEntries, runGendoc } from '../../cli/gendoc.ts';
import { LineCollector, Pipe } from '../support/scripted-ui.ts';

async function output(): Promise<string> {
  let text = '';
  await runGendoc({ stdout: (s) => (text += s) });
  return text;
}

async function examples(): Promise<Map<string, JsonObject>> {
  return new Map((await gendocEntries()).map((e) => [e.name, e.example as JsonObject]));
}

test('layout: heading, then one "### <Name>" section per type with a JSON example', async () => {
  const text = await output();
  assert.ok(text.startsWith('## UI Client interface\n\nThese data types are defined in the channel between clef and the UI\n### SignDataRequest\n\n'));
  const names = [...text.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(names, [
    'SignDataRequest',
    'SignDataResponse - approve',
    'SignDataResponse - deny',
    'SignTxRequest',
    'SignTxResponse - approve',
    'SignTxResponse - deny',
    'OnApproved - SignTransactionResult',
    'UserInputRequest',
    'UserInputResponse',
    'ListRequest',
    'ListResponse',
    'NewAccountRequest',
    'NewAccountResponse',
    'StartupInfo',
    'Message',
  ]);
  const blocks = [...text.matchAll(/\nExample:\n```json\n([\s\S]*?)\n```\n/g)].map((m) => m[1]);
  assert.equal(blocks.length, names.length);
  const entries = await gendocEntries();
  blocks.forEach((block, i) => {
    assert.deepEqual(JSON.parse(block), entries[i].example, names[i]);
    // Go's MarshalIndent: two-space indent, HTML-escaped, same bytes as the compact form once whitespace is gone
    assert.equal(block.replace(/\n */g, '').replace(/": /g, '":'), goStringify(entries[i].example));
  });
  assert.match(text, /"value": "\\u0019Ethereum Signed Message:\\n11hello world"/);
});

test('every example response decodes with the stdio UI decoders (clef\'s own examples did not)', async () => {
  const ex = await examples();
  assert.deepEqual(decodeSignDataResponse(ex.get('SignDataResponse - approve')!), { approved: true });
  assert.deepEqual(decodeSignDataResponse(ex.get('SignDataResponse - deny')!), { approved: false });
  const approve = decodeSignTxResponse(ex.get('SignTxResponse - approve')!);
  assert.equal(approve.approved, true);
  const tx = decodeSendTxArgs(approve.transaction!);
  assert.equal(tx.nonce, 2n);
  assert.equal(tx.from.checksummed(), '0xDEADbEeF000000000000000000000000DeaDbeEf');
  assert.deepEqual(decodeSignTxResponse(ex.get('SignTxResponse - deny')!), { approved: false }, 'a denial that stays a denial');
  assert.deepEqual(decodeUserInputResponse(ex.get('UserInputResponse')!), { text: 'the text the user typed' });
  const list = decodeListResponse(ex.get('ListResponse')!);
  assert.equal(list.accounts!.length, 1);
  assert.deepEqual(decodeNewAccountResponse(ex.get('NewAccountResponse')!), { approved: true });
  // what clef printed instead: a denial whose transaction does not decode, list URLs without a scheme
  assert.throws(() => decodeSendTxArgs({ from: '0x', to: null, gas: '0x3e8', gasPrice: '0x5', value: '0x6', nonce: '0x4', data: '0x01020304' }), {
    message: 'hex string has length 0, want 40 for common.Address',
  });
  assert.throws(() => decodeListResponse({ accounts: [{ address: '0x' + 'ff'.repeat(20), url: '.. ignored ..' }] }), { message: 'protocol scheme missing' });
});

test('the example responses travel through a real StdioUI unchanged', async () => {
  const ex = await examples();
  const pipe = new Pipe();
  const out = new LineCollector();
  const ui = new StdioUI({ input: pipe, output: out.write });
  const meta = { remote: 'NA', local: 'NA', scheme: 'NA', 'User-Agent': '', Origin: '' };
  const answer = async (result: Json) => {
    const { id } = await out.nextJson();
    pipe.push(goStringify({ jsonrpc: '2.0', id, result }) + '\n');
  };
  const pairs: [Promise<unknown>, string][] = [
    [ui.approveSignData(ex.get('SignDataRequest') as never), 'SignDataResponse - deny'],
    [ui.approveTx({ transaction: {}, call_info: null, meta }), 'SignTxResponse - approve'],
    [ui.approveListing({ accounts: [], meta }), 'ListResponse'],
    [ui.approveNewAccount({ meta }), 'NewAccountResponse'],
    [ui.onInputRequired({ title: 't', prompt: 'p', isPassword: true }), 'UserInputResponse'],
  ];
  for (const [, name] of pairs) await answer(ex.get(name)!);
  const results = await Promise.all(pairs.map(([p]) => p));
  assert.deepEqual(results[0], { approved: false });
  assert.deepEqual(results[1], { approved: true, transaction: ex.get('SignTxResponse - approve')!.transaction });
  assert.deepEqual(results[2], ex.get('ListResponse'));
  assert.deepEqual(results[3], { approved: true });
  assert.deepEqual(results[4], { text: 'the text the user typed' });
  pipe.end();
});

test('example requests are self-consistent and the signed transaction verifies with ethers', async () => {
  const ex = await examples();
  const sd = ex.get('SignDataRequest')!;
  const raw = Uint8Array.from(Buffer.from(sd.raw_data as string, 'base64'));
  assert.equal(toHex(keccak256(raw)), sd.hash);
  assert.equal(((sd.messages as JsonObject[])[0].value as string), new TextDecoder().decode(raw));
  const req = ex.get('SignTxRequest')!;
  const args = decodeSendTxArgs(req.transaction);
  assert.equal(args.value, 10n ** 18n);
  for (const info of req.call_info as JsonObject[]) assert.ok(['Info', 'WARNING', 'CRITICAL'].includes(info.type as string));
  for (const a of (ex.get('ListRequest')!.accounts as JsonObject[])) parseAccountUrl(a.url as string);
  assert.deepEqual(Object.keys(ex.get('StartupInfo')!.info as JsonObject), ['extapi_http', 'extapi_ipc', 'extapi_version', 'intapi_version']);

  const result = ex.get('OnApproved - SignTransactionResult')!;
  const parsed = Transaction.from(result.raw as string);
  const txJson = result.tx as JsonObject;
  assert.equal(parsed.hash, txJson.hash);
  assert.equal(parsed.from!.toLowerCase(), addressOfPrivateKey(keccak256(utf8('clef gendoc example key'))));
  assert.equal(parsed.to!.toLowerCase(), '0x1111111122222222222233333333334444444444');
  assert.equal(parsed.value, 10n ** 18n);
  assert.equal(parsed.chainId, 1n);
  assert.equal(parsed.nonce, 1);
});
