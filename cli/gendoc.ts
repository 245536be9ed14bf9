// `clef gendoc` (cli.md §5.9): Markdown documentation of the UI channel's data types. Every example is a value
// typed with the interfaces the stdio UI actually sends and decodes, built by the same core functions, so a
// type change breaks the build and every example response is valid input (clef's own examples were not:
// a denial with `"from":"0x"`, list URLs without a scheme).
import { base64 } from '@scure/base';
import { keccak256, toHex, utf8, type Address } from '../core/bytes.ts';
import { MixedcaseAddress, type Json } from '../core/gojson.ts';
import type {
  ListRequest,
  ListResponse,
  Meta,
  NewAccountRequest,
  NewAccountResponse,
  SignDataRequest,
  SignDataResponse,
  SignTransactionResult,
  SignTxRequest,
  SignTxResponse,
  StartupInfo,
  UserInputRequest,
  UserInputResponse,
  ValidationInfo,
} from '../core/ports.ts';
import { signDigest } from '../core/secp256k1.ts';
import { EXTERNAL_API_VERSION, INTERNAL_API_VERSION } from '../core/signer.ts';
import { textMessage } from '../core/signdata.ts';
import { decodeSendTxArgs, encodeSendTxArgs, signTransaction } from '../core/tx.ts';
import { goIndentJson } from '../adapters/ui/console.ts';
import { rejectExtraArgs } from './args.ts';
import {
  listRequestJson,
  messageJson,
  newAccountRequestJson,
  signDataRequestJson,
  signTransactionResultJson,
  signTxRequestJson,
  startupInfoJson,
  userInputRequestJson,
} from '../adapters/ui/stdio-wire.ts';

/** One documented type: heading, prose, the example as it travels on the wire. */
export interface DocEntry {
  name: string;
  description: string;
  example: Json;
  /** What the example is on the wire: a call's parameter, a call's result, or a notification's parameter. */
  kind: 'request' | 'response' | 'notification';
}

const ALICE = '0xDEADbEeF000000000000000000000000DeaDbeEf';
const BOB = '0x1111111122222222222233333333334444444444';
/** A throw-away key used only to produce a well-formed signed example (never a real account). */
const EXAMPLE_KEY = keccak256(utf8('clef gendoc example key'));

const meta: Meta = {
  remote: '127.0.0.1:51234',
  local: 'localhost:8550',
  scheme: 'HTTP/1.1',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Example/1.0',
  Origin: 'https://dapp.example.org',
};

/** Builds every example from typed values; responses are exactly what a UI may send back. */
export async function gendocEntries(): Promise<DocEntry[]> {
  const entries: DocEntry[] = [];
  const add = (name: string, kind: DocEntry['kind'], description: string, example: Json) => entries.push({ name, kind, description, example });

  // --- ui_approveSignData
  const message = textMessage(utf8('hello world'));
  const signData: SignDataRequest = {
    content_type: 'text/plain',
    address: MixedcaseAddress.fromJson(ALICE).toJSON(),
    raw_data: base64.encode(message),
    messages: [{ name: 'message', value: new TextDecoder().decode(message), type: 'text/plain' }],
    call_info: null,
    hash: toHex(keccak256(message)),
    meta,
  };
  add(
    'SignDataRequest',
    'request',
    'Parameter of `ui_approveSignData`: clef asks whether data may be signed. `content_type` says what kind of data it is ' +
      '(`text/plain`, `data/validator`, `application/x-clique-header`, `data/typed`); `messages` is clef\'s human-readable ' +
      'breakdown of it, `raw_data` (standard base64) the exact bytes whose keccak256 `hash` gets signed. Everything in ' +
      '`meta` except `remote` is supplied by the untrusted caller.',
    signDataRequestJson(signData),
  );
  const signDataApprove: SignDataResponse = { approved: true };
  const signDataDeny: SignDataResponse = { approved: false };
  add('SignDataResponse - approve', 'response', 'Result of `ui_approveSignData` that allows the signature.', { ...signDataApprove });
  add(
    'SignDataResponse - deny',
    'response',
    'Result of `ui_approveSignData` that refuses it: the caller gets `request denied` and clef sends `ui_showError`.',
    { ...signDataDeny },
  );

  // --- ui_approveTx
  const tx = decodeSendTxArgs({ from: ALICE, to: BOB, gas: '0x5208', gasPrice: '0x3b9aca00', value: '0xde0b6b3a7640000', nonce: '0x1', data: '0x', chainId: '0x1' });
  const callInfo: ValidationInfo[] = [{ type: 'Info', message: 'Example info message: shown to the user, never a reason to reject' }];
  const signTx: SignTxRequest = { transaction: encodeSendTxArgs(tx), call_info: callInfo, meta };
  add(
    'SignTxRequest',
    'request',
    'Parameter of `ui_approveTx`: a transaction to sign, already validated. `call_info` lists validation messages ' +
      '(`null` when there are none; without `--advanced` only `Info` entries reach the UI). `transaction` always uses ' +
      '`data`, never `input`.',
    signTxRequestJson(signTx),
  );
  const approvedTx = { ...tx, nonce: 2n };
  const txApprove: SignTxResponse = { approved: true, transaction: encodeSendTxArgs(approvedTx) };
  const txDeny: SignTxResponse = { approved: false };
  add(
    'SignTxResponse - approve',
    'response',
    'Result of `ui_approveTx` that allows signing. It must carry the `transaction`: what is returned is what gets ' +
      'signed, so the UI may change it (here: the nonce).',
    { approved: txApprove.approved, transaction: txApprove.transaction! },
  );
  add(
    'SignTxResponse - deny',
    'response',
    'Result of `ui_approveTx` that refuses it. Leave `transaction` out: if present it is still decoded, and an invalid ' +
      'one replaces the denial with a decoding error.',
    { approved: txDeny.approved },
  );

  // --- ui_onApprovedTx
  const signed: SignTransactionResult = await signTransaction(tx, 1n, async (digest) => signDigest(EXAMPLE_KEY, digest));
  add(
    'OnApproved - SignTransactionResult',
    'notification',
    'Parameter of the `ui_onApprovedTx` notification, sent after a transaction was signed and right before it is ' +
      'returned to the caller (for bookkeeping such as rate limits). Example signed with a throw-away key.',
    signTransactionResultJson(signed),
  );

  // --- ui_onInputRequired
  const input: UserInputRequest = {
    title: 'Account password',
    prompt: `Please enter the password for account ${ALICE}`,
    isPassword: true,
  };
  add(
    'UserInputRequest',
    'request',
    'Parameter of `ui_onInputRequired`: clef needs text from the user. When `isPassword` is true, read it without echo.',
    userInputRequestJson(input),
  );
  const inputReply: UserInputResponse = { text: 'the text the user typed' };
  add('UserInputResponse', 'response', 'Result of `ui_onInputRequired`.', { text: inputReply.text });

  // --- ui_approveListing
  const accounts = [
    { address: ALICE.toLowerCase() as Address, url: 'keystore:///home/user/.ethereum/keystore/UTC--2024-05-01T12-00-00.000000000Z--deadbeef000000000000000000000000deadbeef' },
    { address: BOB as Address, url: 'ledger://0001:0004:00' },
  ];
  const list: ListRequest = { accounts, meta };
  add(
    'ListRequest',
    'request',
    'Parameter of `ui_approveListing`: every account clef holds, with its URL (which may reveal local paths; the caller ' +
      'only ever sees the addresses).',
    listRequestJson(list),
  );
  const listReply: ListResponse = { accounts: accounts.slice(0, 1) };
  add(
    'ListResponse',
    'response',
    'Result of `ui_approveListing`: the accounts the caller may see, in this order (`[]` reveals none, `null` denies). ' +
      'Echo the received objects: a `url` must be `<scheme>://<path>`, otherwise the whole response is rejected.',
    { accounts: listReply.accounts!.map((a) => ({ address: a.address, url: a.url })) },
  );

  // --- ui_approveNewAccount
  const newAccount: NewAccountRequest = { meta };
  add('NewAccountRequest', 'request', 'Parameter of `ui_approveNewAccount`: the caller wants a new account.', newAccountRequestJson(newAccount));
  const newAccountReply: NewAccountResponse = { approved: true };
  add(
    'NewAccountResponse',
    'response',
    'Result of `ui_approveNewAccount`. After approval clef asks for the password with `ui_onInputRequired`.',
    { approved: newAccountReply.approved },
  );

  // --- notifications
  const startup: StartupInfo = {
    info: {
      intapi_version: INTERNAL_API_VERSION,
      extapi_version: EXTERNAL_API_VERSION,
      extapi_http: 'http://127.0.0.1:8550/',
      extapi_ipc: '/home/user/.clef/clef.ipc',
    },
  };
  add(
    'StartupInfo',
    'notification',
    'Parameter of the `ui_onSignerStartup` notification: API versions and endpoints (`n/a` when disabled).',
    startupInfoJson(startup),
  );
  add(
    'Message',
    'notification',
    'Parameter of the `ui_showInfo` and `ui_showError` notifications.',
    messageJson('request denied'),
  );
  return entries;
}

/** The Markdown text of `clef gendoc`. */
export async function gendocText(): Promise<string> {
  let out = '## UI Client interface\n\nThese data types are defined in the channel between clef and the UI\n';
  for (const e of await gendocEntries()) {
    out += `### ${e.name}\n\n${e.description}\n\nExample:\n\`\`\`json\n${goIndentJson(e.example, '', '  ')}\n\`\`\`\n`;
  }
  return out;
}

/** `clef gendoc`: prints the documentation (no boot warning, no prompts). */
export async function runGendoc(ctx: { stdout: (s: string) => void; args?: readonly string[] }): Promise<void> {
  rejectExtraArgs(ctx.args ?? [], 0);
  ctx.stdout(await gendocText());
}
