// secp256k1 signing and recovery over 32-byte digests (RFC 6979, low-S), via @noble/curves.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { addressOfPublicKey, type Address } from './bytes.ts';

const N = secp256k1.Point.CURVE().n;

/** Checks 0 < d < n for a 32-byte private key; returns clef's error text or null. */
export function privateKeyError(priv: Uint8Array): string | null {
  if (priv.length !== 32) return 'invalid length, need 256 bits';
  let d = 0n;
  for (const b of priv) d = (d << 8n) | BigInt(b);
  if (d >= N) return 'invalid private key, >=N';
  if (d === 0n) return 'invalid private key, zero or negative';
  return null;
}

/** Address of a private key. */
export function addressOfPrivateKey(priv: Uint8Array): Address {
  return addressOfPublicKey(secp256k1.getPublicKey(priv, false));
}

/** 65-byte signature R ‖ S ‖ V with V = recovery id 0/1 (clef adds 27 where its API says so). */
export function signDigest(priv: Uint8Array, digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new Error(`hash is required to be exactly 32 bytes (${digest.length})`);
  const sig = secp256k1.sign(digest, priv, { prehash: false, lowS: true, format: 'recovered' });
  // noble's 'recovered' format is V ‖ R ‖ S; go-ethereum's is R ‖ S ‖ V.
  const out = new Uint8Array(65);
  out.set(sig.subarray(1, 65), 0);
  out[64] = sig[0];
  return out;
}

/** Recovers the signer's address from R ‖ S ‖ V (V = 0/1). Throws `invalid signature recovery id`. */
export function recoverAddress(digest: Uint8Array, sig: Uint8Array): Address {
  if (sig.length !== 65) throw new Error('invalid signature length');
  const v = sig[64];
  if (v > 3) throw new Error('invalid signature recovery id');
  const compact = new Uint8Array(65);
  compact[0] = v;
  compact.set(sig.subarray(0, 64), 1);
  let pub: Uint8Array;
  try {
    pub = secp256k1.recoverPublicKey(compact, digest, { prehash: false });
  } catch {
    throw new Error('recovery failed');
  }
  return addressOfPublicKey(secp256k1.Point.fromBytes(pub).toBytes(false));
}
