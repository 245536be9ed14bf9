// `--stdio-ui-test` (ui-api.md §6): clef's scripted conversation with a new UI. Messages and questions go to
// the UI directly; the signing steps run through the real external API for an address nobody holds, so an
// approval ends in `unknown account`. The outcome is collected into clef's final `Tests completed.` report.
import { toHex, utf8 } from '../../core/bytes.ts';
import { encodeHeader, type Header } from '../../core/clique.ts';
import { RequestDeniedError, SignerError, UiError, UnknownAccountError, errorMessage } from '../../core/errors.ts';
import { parseTypedData } from '../../core/eip712.ts';
import { MixedcaseAddress, type Json } from '../../core/gojson.ts';
import type { Approver, Logger, Meta } from '../../core/ports.ts';
import { defaultMeta } from '../../core/rpc.ts';
import type { ExternalApi } from '../../core/signer.ts';
import { decodeSendTxArgs } from '../../core/tx.ts';

export interface StdioUiTestOptions {
  /** Pause after each message (clef: one second), injectable so tests run fast. */
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
}

/** The self-test's signing address: held by no wallet. */
const TEST_ADDRESS = '0x0011223344556677889900112233445566778899';
/** Sender and recipient of the self-test transaction (EIP-55). */
const TEST_TX_ADDRESS = '0xDEADbEeF000000000000000000000000DeaDbeEf';
/** clef's pause after each `ui_showInfo` / `ui_showError` of the script. */
export const TEST_DELAY_MS = 1000;

/** The clique test header: zero hashes, numbers 1337/1338, 91 bytes of extra data, no base fee. */
export function selfTestCliqueHeader(): Header {
  const zero = (n: number) => new Uint8Array(n);
  return {
    parentHash: zero(32),
    uncleHash: zero(32),
    coinbase: zero(20),
    root: zero(32),
    txHash: zero(32),
    receiptHash: zero(32),
    bloom: zero(256),
    difficulty: 1337n,
    number: 1337n,
    gasLimit: 1338n,
    gasUsed: 1338n,
    time: 1338n,
    extra: utf8('Extra data Extra data Extra data  Extra data  Extra data  Extra data  Extra data Extra data'),
    mixDigest: zero(32),
    nonce: zero(8),
  };
}

/** The Ether-Mail variant with a `uint8 test` member that the self-test asks the UI to approve. */
const SELF_TEST_TYPED_DATA: Json = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'test', type: 'uint8' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: '1', verifyingContract: '0xCCCcccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', test: '3', wallet: '0xcD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', test: '2' },
    contents: 'Hello, Bob!',
  },
};

/** An approval that ends in `unknown account` is a pass: the address is not supposed to exist. */
function isUnknownAccount(err: unknown): boolean {
  if (err instanceof UnknownAccountError) return true;
  return err instanceof SignerError && !(err instanceof UiError) && err.message === 'unknown account';
}

/**
 * Runs clef's 27-step UI self-test and returns the collected failures (also reported to the UI in the final
 * `Tests completed. <N> errors:` message). Never throws for UI misbehaviour; that is what it reports.
 */
export async function runStdioUiTest(ui: Approver, api: ExternalApi, opts: StdioUiTestOptions = {}): Promise<{ errors: string[] }> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const errors: string[] = [];
  const meta = defaultMeta();
  const addErr = (text: string) => {
    opts.logger?.info('Test error', { err: text });
    errors.push(text);
  };
  const showInfo = async (text: string) => {
    ui.showInfo(text);
    await sleep(TEST_DELAY_MS);
  };
  const queryUser = async (prompt: string): Promise<string> => {
    try {
      return (await ui.onInputRequired({ title: 'Testing', prompt, isPassword: false })).text;
    } catch (err) {
      addErr(errorMessage(err));
      return '';
    }
  };
  const expectResponse = async (testcase: string, question: string, expect: string) => {
    const got = await queryUser(question);
    if (got !== expect) addErr(`${testcase}: got ${got}, expected ${expect}`);
  };
  const outcome = async (run: () => Promise<unknown>): Promise<unknown> => {
    try {
      await run();
      return null;
    } catch (err) {
      return err;
    }
  };
  const expectApprove = (testcase: string, err: unknown) => {
    if (err === null || isUnknownAccount(err)) return;
    addErr(`${testcase}: expected no error, got ${errorMessage(err)}`);
  };
  const expectDeny = (testcase: string, err: unknown) => {
    if (err instanceof RequestDeniedError) return;
    addErr(`${testcase}: expected ErrRequestDenied, got ${err === null ? '<nil>' : errorMessage(err)}`);
  };
  const testAddress = () => MixedcaseAddress.fromJson(TEST_ADDRESS);
  const helloWorld = toHex(utf8('hello world'));

  // 1–4: can the UI see messages and errors?
  await showInfo("If you see this message, enter 'yes' to next question");
  await expectResponse('showinfo', 'Did you see the message? [yes/no]', 'yes');
  ui.showError("If you see this message, enter 'yes' to the next question");
  await sleep(TEST_DELAY_MS);
  await expectResponse('showerror', 'Did you see the message? [yes/no]', 'yes');

  // 5–7: a clique header
  await showInfo('Please approve the next request for signing a clique header');
  const header = toHex(encodeHeader(selfTestCliqueHeader()));
  expectApprove('signdata - clique header', await outcome(() => api.signData(meta, 'application/x-clique-header', testAddress(), header)));

  // 8–10: EIP-712 typed data
  await showInfo('Please approve the next request for signing EIP-712 typed data');
  const typed = parseTypedData(SELF_TEST_TYPED_DATA);
  expectApprove('sign 712 typed data', await outcome(() => api.signTypedData(meta, testAddress(), typed)));

  // 11–16: text, approved then denied
  await showInfo('Please approve the next request for signing text');
  expectApprove('signdata - text', await outcome(() => api.signData(meta, 'text/plain', testAddress(), helloWorld)));
  await showInfo('Please deny the next request for signing text');
  expectDeny('signdata - text', await outcome(() => api.signData(meta, 'text/plain', testAddress(), helloWorld)));

  // 17–19: a transaction to reject, and no warnings expected for it
  await showInfo('Please reject next transaction');
  const tx = decodeSendTxArgs({
    from: TEST_TX_ADDRESS,
    to: TEST_TX_ADDRESS,
    gas: '0x3e8',
    gasPrice: '0x5',
    value: '0x6',
    nonce: '0x1',
    data: '0x',
  });
  expectDeny('signtransaction [1]', await outcome(() => api.signTransaction(meta, tx, null)));
  await expectResponse('signtransaction [2]', 'Did you see any warnings for the last transaction? (yes/no)', 'no');

  // 20–23: listing and account creation, both to be rejected
  await showInfo('Please reject listing-request');
  expectDeny('list', await outcome(() => api.list(meta)));
  await showInfo('Please reject new account-request');
  expectDeny('newaccount', await outcome(() => api.newAccount(meta)));

  // 24–26: the Origin must reach the UI. clef set it where its metadata extractor never looked, so an honest UI
  // saw "" and the check could not pass; here the listing's meta really carries it.
  await showInfo('Please check if you see the Origin in next listing (approve or deny)');
  const withOrigin: Meta = { ...meta, Origin: 'origin.com' };
  await outcome(() => api.list(withOrigin));
  await expectResponse('metadata - origin', 'Did you see origin (origin.com)? [yes/no] ', 'yes');

  // 27: the report
  for (const e of errors) opts.logger?.error(e);
  ui.showInfo(`Tests completed. ${errors.length} errors:\n${errors.join('\n')}\n`);
  return { errors };
}
