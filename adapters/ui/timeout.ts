// Withdrawing questions from the UI. Approval timeout (new): a request nobody answers is rejected after a
// configurable time instead of hanging its caller forever (clef never gave up; geth's HTTP client stops waiting
// after 30 s anyway). Shutdown: every pending question is withdrawn before the daemon closes its endpoints and
// the audit log. Both pass an AbortSignal down to the UI, which stops asking (the console drops its read, so the
// next answer goes to the next prompt) — and reject the request themselves in case the UI does not listen.
import { SignerError } from '../../core/errors.ts';
import type { Approver, CancelSignal, Logger } from '../../core/ports.ts';

/** The reason a withdrawn request is rejected with (its message reaches the caller). */
function reasonError(signal: CancelSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new SignerError(String(signal.reason ?? 'request cancelled'));
}

/** Settles like `p`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(p: Promise<T>, signal: CancelSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(reasonError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * A signal aborted by whichever of `a` and `b` aborts first (b optional); `dispose` removes the listeners again
 * (the shutdown signal lives as long as the daemon: one listener per request would pile up).
 */
function either(a: CancelSignal, b: CancelSignal | undefined): { signal: CancelSignal; dispose: () => void } {
  if (!b) return { signal: a, dispose: () => undefined };
  const c = new AbortController();
  if (a.aborted) c.abort(a.reason);
  else if (b.aborted) c.abort(b.reason);
  if (c.signal.aborted) return { signal: c.signal, dispose: () => undefined };
  const fromA = () => c.abort(a.reason);
  const fromB = () => c.abort(b.reason);
  a.addEventListener('abort', fromA, { once: true });
  b.addEventListener('abort', fromB, { once: true });
  return {
    signal: c.signal,
    dispose: () => {
      a.removeEventListener('abort', fromA);
      b.removeEventListener('abort', fromB);
    },
  };
}

type Ask<R, T> = (req: R, signal?: CancelSignal) => Promise<T>;

/** Asks `ask` with a signal that aborts after `ms` (or earlier with the caller's signal). */
function withDeadline<R, T>(ask: Ask<R, T>, ms: number, what: (req: R) => string, logger: Logger): Ask<R, T> {
  return (req, outer) => {
    const timer = new AbortController();
    const handle = setTimeout(() => {
      logger.warn('Approval timed out, request rejected', { request: what(req), seconds: ms / 1000 });
      timer.abort(new SignerError(`request timed out waiting for approval (${ms / 1000} s)`));
    }, ms);
    const { signal, dispose } = either(timer.signal, outer);
    return untilAborted(ask(req, signal), signal).finally(() => {
      clearTimeout(handle);
      dispose();
    });
  };
}

/** Wraps the four approvals and input requests with a deadline; notifications pass through. */
export function withApprovalTimeout(next: Approver, ms: number, logger: Logger): Approver {
  return {
    approveTx: withDeadline((r, s) => next.approveTx(r, s), ms, () => 'transaction', logger),
    approveSignData: withDeadline((r, s) => next.approveSignData(r, s), ms, () => 'sign data', logger),
    approveListing: withDeadline((r, s) => next.approveListing(r, s), ms, () => 'list accounts', logger),
    approveNewAccount: withDeadline((r, s) => next.approveNewAccount(r, s), ms, () => 'new account', logger),
    onInputRequired: withDeadline((r, s) => next.onInputRequired(r, s), ms, (r) => `input: ${r.title}`, logger),
    showError: (t) => next.showError(t),
    showInfo: (t) => next.showInfo(t),
    onApprovedTx: (r) => next.onApprovedTx(r),
    onSignerStartup: (i) => next.onSignerStartup(i),
  };
}

/** Passes `cancel` (with any caller's signal) to every question; once it aborts, pending and new ones reject. */
export function withCancellation(next: Approver, cancel: CancelSignal): Approver {
  const wrap =
    <R, T>(ask: Ask<R, T>): Ask<R, T> =>
    (req, outer) => {
      const { signal, dispose } = either(cancel, outer);
      if (signal.aborted) {
        dispose();
        return Promise.reject(reasonError(signal));
      }
      return untilAborted(ask(req, signal), signal).finally(dispose);
    };
  return {
    approveTx: wrap((r, s) => next.approveTx(r, s)),
    approveSignData: wrap((r, s) => next.approveSignData(r, s)),
    approveListing: wrap((r, s) => next.approveListing(r, s)),
    approveNewAccount: wrap((r, s) => next.approveNewAccount(r, s)),
    onInputRequired: wrap((r, s) => next.onInputRequired(r, s)),
    showError: (t) => next.showError(t),
    showInfo: (t) => next.showInfo(t),
    onApprovedTx: (r) => next.onApprovedTx(r),
    onSignerStartup: (i) => next.onSignerStartup(i),
  };
}
