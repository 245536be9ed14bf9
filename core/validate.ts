// clef's pre-approval transaction validation (external-api.md §6.4–§6.5): hard errors, contract-creation and
// call heuristics, fee-field consistency and 4byte calldata checks, then the default-mode rejection of
// anything that is not Info.
import { toHexRaw } from './bytes.ts';
import { renderCall, verifySelector } from './abi.ts';
import { ValidationError } from './errors.ts';
import type { FourByteDb } from './fourbyte.ts';
import { goQuoteBytes } from './gojson.ts';
import type { ValidationInfo } from './ports.ts';
import { assertBuildable, normalizeCalldata, type SendTxArgs } from './tx.ts';

const ZERO = '0x' + '00'.repeat(20);

const crit = (message: string): ValidationInfo => ({ type: 'CRITICAL', message });
const warn = (message: string): ValidationInfo => ({ type: 'WARNING', message });
const info = (message: string): ValidationInfo => ({ type: 'Info', message });

/** clef's WARNING for a selector neither database knows (its text is the start of the refusal). */
const NOT_FOUND_PREFIX = 'Transaction contains data, but the ABI signature could not be found: ';

/** Appended to the refusal when an unknown selector caused it: how to get such a request shown instead. */
const UNKNOWN_SELECTOR_HINT =
  ' (to be asked instead: give a 4byte database that knows the selector with --4bytedb FILE, or start clef with --advanced)';

const invokes = (text: Uint8Array) => info(`Transaction invokes the following method: ${goQuoteBytes(text)}`);

/** The calldata checks (§6.5 list 1–4); a verified caller selector is learnt by the custom database. */
function validateCallData(selector: string | null, data: Uint8Array, db: FourByteDb, out: ValidationInfo[]): void {
  if (data.length === 0) return;
  if (data.length < 4) {
    out.push(warn('Transaction data is not valid ABI (missing the 4 byte call prefix)'));
    return;
  }
  if ((data.length - 4) % 32 !== 0) {
    out.push(warn(`Transaction data is not valid ABI (length should be a multiple of 32 (was ${data.length - 4}))`));
  }
  const id = toHexRaw(data.subarray(0, 4));
  if (selector != null) {
    try {
      out.push(invokes(renderCall(verifySelector(selector, data))));
      db.addCustom(id, selector); // clef stores the caller's string as given, not its canonical form
    } catch (e) {
      out.push(warn(`Transaction contains data, but provided ABI signature could not be matched: ${(e as Error).message}`));
    }
    return;
  }
  const known = db.lookup(id);
  if (known === null) {
    out.push(warn(`${NOT_FOUND_PREFIX}signature ${id} not found`));
    return;
  }
  try {
    out.push(invokes(renderCall(verifySelector(known, data))));
  } catch (e) {
    out.push(warn(`Transaction contains data, but provided ABI signature could not be verified: ${(e as Error).message}`));
  }
}

/**
 * clef's ValidateTransaction: throws ValidationError (or the conversion's SignerError) for hard errors,
 * normalises `input` into `data` in place, and returns the messages in clef's order.
 */
export function validateTransaction(a: SendTxArgs, selector: string | null, db: FourByteDb): { messages: ValidationInfo[]; args: SendTxArgs } {
  const messages: ValidationInfo[] = [];
  normalizeCalldata(a); // ambiguous data/input is the first hard error
  assertBuildable(a); // then whatever building the transaction would reject (blob sidecar, blob without to)
  const data = a.data ?? new Uint8Array(0);
  if (a.to === null) {
    if (data.length === 0) {
      if (a.value > 0n) throw new ValidationError('transaction will create a contract with value but empty code');
      messages.push(crit('Transaction will create a contract with empty code'));
    } else if (data.length < 40) {
      messages.push(warn(`Transaction will create a contract, but the payload is suspiciously small (${data.length} bytes)`));
    }
    if (selector != null) {
      messages.push(warn('Transaction will create a contract, but method selector supplied, indicating an intent to call a method'));
    }
    return { messages, args: a };
  }
  if (!a.to.validChecksum()) messages.push(warn('Invalid checksum on recipient address'));
  if (a.to.address === ZERO) messages.push(crit('Transaction recipient is the zero address'));
  const hasGasPrice = a.gasPrice !== undefined;
  if (!hasGasPrice && a.maxFeePerGas === undefined) messages.push(crit("Neither 'gasPrice' nor 'maxFeePerGas' specified."));
  else if (!hasGasPrice && a.maxPriorityFeePerGas === undefined) messages.push(crit("Neither 'gasPrice' nor 'maxPriorityFeePerGas' specified."));
  else if (hasGasPrice && a.maxFeePerGas !== undefined) messages.push(crit("Both 'gasPrice' and 'maxFeePerGas' specified."));
  else if (hasGasPrice && a.maxPriorityFeePerGas !== undefined) messages.push(crit("Both 'gasPrice' and 'maxPriorityFeePerGas' specified."));
  validateCallData(selector, data, db, messages);
  return { messages, args: a };
}

/**
 * Default (non-advanced) mode: any WARNING or CRITICAL message fails the request with
 * `validation failed: <m1>,<m2>` (Info excluded), clef's text, followed by UNKNOWN_SELECTOR_HINT when an
 * unknown selector is among the reasons. With `advanced` nothing is rejected.
 */
export function rejectIfWarnings(messages: ValidationInfo[], advanced: boolean): void {
  if (advanced) return;
  const bad = messages.filter((m) => m.type === 'WARNING' || m.type === 'CRITICAL').map((m) => m.message);
  if (bad.length === 0) return;
  const hint = bad.some((m) => m.startsWith(NOT_FOUND_PREFIX)) ? UNKNOWN_SELECTOR_HINT : '';
  throw new ValidationError(`validation failed: ${bad.join(',')}${hint}`);
}
