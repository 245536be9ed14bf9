// One keystore decryption as a whole process (part 3 of the benchmark): read the key file and the password
// file, decrypt with the daemon's code path (core/keyfile.ts + node:crypto scrypt), print the address.
// Usage: bun scripts/bench-decrypt-one.ts <keyfile> <passwordfile>   (or node on a bundle of this file)
import { readFileSync } from 'node:fs';
import { decryptKeyFile } from '../core/keyfile.ts';
import { addressOfPrivateKey } from '../core/secp256k1.ts';
import { wipe } from '../core/bytes.ts';
import { NodeKdf } from '../adapters/crypto/kdf.ts';

const [keyFile, passwordFile] = process.argv.slice(2);
const password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
const key = await decryptKeyFile(readFileSync(keyFile, 'utf8'), password, new NodeKdf());
process.stdout.write(addressOfPrivateKey(key) + '\n');
wipe(key);
