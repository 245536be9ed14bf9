// Kdf adapter: node:crypto's scrypt (native, off the event loop) with @noble/hashes as the pure fallback for
// parameters OpenSSL refuses but geth accepts (e.g. r=1 with N=2^18 in the wiki test vector).
import { scrypt as nodeScrypt, pbkdf2 as nodePbkdf2 } from 'node:crypto';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Kdf } from '../../core/ports.ts';

/** Memory scrypt needs (128·N·r for V plus 128·r·p for B), with headroom: N=2^18 wants > 256 MiB. */
function scryptMaxmem(n: number, r: number, p: number): number {
  return 128 * n * r + 128 * r * p + 64 * 1024 * 1024;
}

export class NodeKdf implements Kdf {
  async scrypt(password: Uint8Array, salt: Uint8Array, n: number, r: number, p: number, dkLen: number): Promise<Uint8Array> {
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        nodeScrypt(password, salt, dkLen, { N: n, r, p, maxmem: scryptMaxmem(n, r, p) }, (err, key) =>
          err ? reject(err) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.length)),
        );
      });
    } catch {
      // OpenSSL enforces RFC 7914's N < 2^(128·r/8); go-ethereum does not. Fall back to the pure implementation.
      return scryptAsync(password, salt, { N: n, r, p, dkLen, maxmem: 2 ** 34 });
    }
  }

  async pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array> {
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        nodePbkdf2(password, salt, iterations, dkLen, 'sha256', (err, key) =>
          err ? reject(err) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.length)),
        );
      });
    } catch {
      return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen });
    }
  }
}
