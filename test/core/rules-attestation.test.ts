// issue 8 item 10: the daemon hashed one read of the rules file and ran another (a file swapped in between ran
// unattested). The decision is now a pure function of the bytes read once: it returns the source decoded from
// exactly the bytes it hashed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkRulesAttestation } from '../../core/rules-attestation.ts';

const enc = new TextEncoder();
const hashOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('attested bytes are run as they were hashed: BOM, CRLF and non-ASCII kept', () => {
  const bytes = enc.encode('\uFEFFfunction ApproveListing(){ return "Approve" } // é\r\n');
  const r = checkRulesAttestation(bytes, hashOf(bytes));
  assert.deepEqual(r, { attested: true, hash: hashOf(bytes), source: '\uFEFFfunction ApproveListing(){ return "Approve" } // é\r\n' });
});

test('anything but the exact lowercase digest of these bytes is not attested, and no source is handed out', () => {
  const bytes = enc.encode('function ApproveTx(){ return "Approve" }\n');
  const other = enc.encode('function ApproveTx(){ return "Reject" }\n');
  for (const stored of ['', hashOf(other), hashOf(bytes).toUpperCase(), `${hashOf(bytes)} `]) {
    const r = checkRulesAttestation(bytes, stored);
    assert.equal(r.attested, false, stored);
    assert.equal('source' in r, false);
    assert.equal(r.hash, hashOf(bytes));
  }
});
