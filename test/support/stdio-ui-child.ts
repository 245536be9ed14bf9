// A tiny external UI process for end-to-end tests: reads clef's JSON-RPC lines on stdin, answers them like the
// scripted UI, calls `clef_listAccounts` and `clef_setChainId` once the self-test reports, and hands its
// transcript back when asked (a ui_onInputRequired with the prompt `transcript`).
import process from 'node:process';
import { createInterface } from 'node:readline';
import type { Json, JsonObject } from '../../core/gojson.ts';
import { ScriptedUi } from './scripted-ui.ts';

const ui = new ScriptedUi();
const received: string[] = [];
const replies: string[] = [];
let transcriptId: Json | undefined;

function write(msg: unknown): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function sendTranscript(): void {
  if (transcriptId === undefined || replies.length < 2) return;
  write({ jsonrpc: '2.0', id: transcriptId, result: { text: JSON.stringify({ received, replies }) } });
  transcriptId = undefined;
}

createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  const msg = JSON.parse(line) as JsonObject;
  if (typeof msg.method !== 'string') {
    replies.push(line); // clef's answers to our clef_* calls
    sendTranscript();
    return;
  }
  received.push(line);
  const param = (msg.params as JsonObject[])[0];
  if (msg.method === 'ui_onInputRequired' && param.prompt === 'transcript') {
    transcriptId = msg.id;
    sendTranscript();
    return;
  }
  const result = ui.handle(msg);
  if (msg.id !== undefined) write({ jsonrpc: '2.0', id: msg.id, result: result ?? null });
  if (msg.method === 'ui_showInfo' && String(param.text).startsWith('Tests completed.')) {
    // two calls in one write, the second one split over two lines
    process.stdout.write('{"jsonrpc":"2.0","id":"c1","method":"clef_listAccounts","params":[]}\n{"jsonrpc":"2.0",\n"id":"c2","method":"clef_setChainId","params":["5"]}\n');
  }
});
