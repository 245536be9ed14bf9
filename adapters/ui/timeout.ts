// Approval timeout (new): a request nobody answers is rejected after a configurable time instead of hanging its
// caller forever (clef never gave up; geth's HTTP client stops waiting after 30 s anyway). Decorates any Approver.
import { SignerError } from '../../core/errors.ts';
import type { Approver, Logger } from '../../core/ports.ts';

/** Rejects with `request timed out waiting for approval (<n> s)` when `p` is not settled in `ms`. */
function deadline<T>(p: Promise<T>, ms: number, what: string, logger: Logger): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      logger.warn('Approval timed out, request rejected', { request: what, seconds: ms / 1000 });
      reject(new SignerError(`request timed out waiting for approval (${ms / 1000} s)`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Wraps the four approvals and input requests with a deadline; notifications pass through. */
export function withApprovalTimeout(next: Approver, ms: number, logger: Logger): Approver {
  return {
    approveTx: (r) => deadline(next.approveTx(r), ms, 'transaction', logger),
    approveSignData: (r) => deadline(next.approveSignData(r), ms, 'sign data', logger),
    approveListing: (r) => deadline(next.approveListing(r), ms, 'list accounts', logger),
    approveNewAccount: (r) => deadline(next.approveNewAccount(r), ms, 'new account', logger),
    onInputRequired: (r) => deadline(next.onInputRequired(r), ms, `input: ${r.title}`, logger),
    showError: (t) => next.showError(t),
    showInfo: (t) => next.showInfo(t),
    onApprovedTx: (r) => next.onApprovedTx(r),
    onSignerStartup: (i) => next.onSignerStartup(i),
  };
}
