// --approval-timeout: an approval or input request nobody answers is rejected; answered ones and notifications pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withApprovalTimeout, withCancellation } from '../../../adapters/ui/timeout.ts';
import { defaultMeta } from '../../../core/rpc.ts';
import { ScriptedApprover, silentLogger } from '../../support/fakes.ts';

test('unanswered requests are rejected after the deadline; answers and notifications pass through', async () => {
  const next = new ScriptedApprover();
  const never = new Promise<never>(() => {});
  const slow = Object.assign(Object.create(next) as ScriptedApprover, {
    approveListing: () => never,
    onInputRequired: () => never,
  });
  const warned: string[] = [];
  const logger = { ...silentLogger, warn: (m: string) => warned.push(m) };
  const ui = withApprovalTimeout(slow, 30, logger);
  await assert.rejects(ui.approveListing({ accounts: [], meta: defaultMeta() }), {
    code: -32000,
    message: 'request timed out waiting for approval (0.03 s)',
  });
  await assert.rejects(ui.onInputRequired({ title: 'Account password', prompt: 'p', isPassword: true }), /timed out/);
  assert.deepEqual(warned, ['Approval timed out, request rejected', 'Approval timed out, request rejected']);
  assert.deepEqual(await ui.approveNewAccount({ meta: defaultMeta() }), { approved: true });
  ui.showError('boom');
  assert.deepEqual(next.errors, ['boom']);
});

test('the deadline and the shutdown withdraw the question from the UI through its signal', async () => {
  const seen: { aborted: boolean; reason: unknown }[] = [];
  const next = new ScriptedApprover();
  const listening = Object.assign(Object.create(next) as ScriptedApprover, {
    approveListing: (_r: unknown, signal?: AbortSignal) =>
      new Promise<never>((_, reject) => {
        signal!.addEventListener('abort', () => {
          seen.push({ aborted: signal!.aborted, reason: signal!.reason });
          reject(signal!.reason);
        });
      }),
  });
  const shutdown = new AbortController();
  const ui = withApprovalTimeout(withCancellation(listening, shutdown.signal), 30, silentLogger);
  await assert.rejects(ui.approveListing({ accounts: [], meta: defaultMeta() }), /timed out/);
  assert.equal(seen.length, 1);
  assert.match(String(seen[0].reason), /request timed out waiting for approval/);

  const noTimeout = withCancellation(listening, shutdown.signal);
  const pending = noTimeout.approveListing({ accounts: [], meta: defaultMeta() });
  shutdown.abort(new Error('request cancelled: the signer is shutting down'));
  await assert.rejects(pending, /shutting down/);
  assert.equal(seen.length, 2);
  await assert.rejects(noTimeout.approveNewAccount({ meta: defaultMeta() }), /shutting down/, 'nothing new is asked after shutdown');
});

test('the shutdown signal does not collect a listener per request', async () => {
  let listeners = 0;
  const shutdown = {
    aborted: false,
    reason: undefined,
    addEventListener: () => void listeners++,
    removeEventListener: () => void listeners--,
  };
  const ui = withApprovalTimeout(withCancellation(new ScriptedApprover(), shutdown), 60_000, silentLogger);
  for (let i = 0; i < 50; i++) await ui.approveNewAccount({ meta: defaultMeta() });
  assert.equal(listeners, 0);
});
