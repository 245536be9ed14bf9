// A clique sealer's clef home made in-process (fast: no CLI runs): master seed (light scrypt) unlocked by a password
// file, one account whose password is stored in the vault, and attested rules that approve clique headers only, so a
// daemon seals without any prompt. Also the daemon's command line and helpers to seal over IPC.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fromHex, toChecksumAddress } from '../../core/bytes.ts';
import { encryptKeyFile } from '../../core/keyfile.ts';
import { encryptMasterSeed, LIGHT_SCRYPT } from '../../core/masterseed.ts';
import { addressOfPrivateKey } from '../../core/secp256k1.ts';
import { NodeKdf } from '../../adapters/crypto/kdf.ts';
import { systemRandom } from '../../adapters/crypto/system.ts';
import { keyFileName } from '../../adapters/keystore/dir-keystore.ts';
import { openVault, writeMasterSeedFile } from '../../adapters/vault/masterseed-file.ts';
import type { GethIpcClient } from './ipc-client.ts';
import type { CliqueLink } from './clique-chain.ts';

export const SEALER_KEY = fromHex('b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291');
export const SEALER_ADDRESS = toChecksumAddress(addressOfPrivateKey(SEALER_KEY));
const MASTER_PASSWORD = 'clefclefclef';
const ACCOUNT_PASSWORD = 'sealer-password';
export const CHAIN_ID = 15;

const CLIQUE_RULES = `function OnSignerStartup(info) {}
function ApproveListing() { return "Approve" }
function ApproveSignData(r) {
  if (r.content_type == "application/x-clique-header") return "Approve"
  return "Reject"
}
`;

export interface SealerHome {
  dir: string;
  configdir: string;
  keystore: string;
  passwordFile: string;
  rulesFile: string;
  seed: Uint8Array;
}

/** Provisions `dir` (must exist) as a sealer's home. */
export async function provisionSealer(dir: string): Promise<SealerHome> {
  const kdf = new NodeKdf();
  const configdir = join(dir, 'clef');
  const keystore = join(dir, 'ks');
  mkdirSync(configdir, { mode: 0o700 });
  mkdirSync(keystore, { mode: 0o700 });
  const seed = systemRandom.bytes(256);
  await writeMasterSeedFile(join(configdir, 'masterseed.json'), await encryptMasterSeed(seed, MASTER_PASSWORD, LIGHT_SCRYPT, kdf, systemRandom));
  const passwordFile = join(dir, 'masterpw.txt');
  writeFileSync(passwordFile, `${MASTER_PASSWORD}\n`, { mode: 0o600 });
  const json = await encryptKeyFile(SEALER_KEY, ACCOUNT_PASSWORD, LIGHT_SCRYPT, kdf, systemRandom);
  writeFileSync(join(keystore, keyFileName(addressOfPrivateKey(SEALER_KEY), 1_700_000_000_000_000_000n)), json, { mode: 0o600 });
  const rulesFile = join(dir, 'rules.js');
  writeFileSync(rulesFile, CLIQUE_RULES);
  const vault = await openVault(configdir, seed);
  await vault.credentials.put(SEALER_ADDRESS, ACCOUNT_PASSWORD);
  await vault.config.put('ruleset_sha256', createHash('sha256').update(CLIQUE_RULES).digest('hex'));
  return { dir, configdir, keystore, passwordFile, rulesFile, seed };
}

/** The daemon's flags for this home (rules, --clique-protect, no prompt ever). */
export function sealerArgs(home: SealerHome, extra: readonly string[] = []): string[] {
  return [
    '--suppress-bootwarn',
    '--configdir', home.configdir,
    '--keystore', home.keystore,
    '--signersecret', home.passwordFile,
    '--chainid', String(CHAIN_ID),
    '--lightkdf',
    '--rules', home.rulesFile,
    '--clique-protect',
    ...extra,
  ];
}

/** Seals one header over IPC: the signature hex, or the error message. */
export async function seal(client: GethIpcClient, link: CliqueLink): Promise<{ ok: true; sig: string } | { ok: false; error: string }> {
  try {
    const sig = await client.call<string>('account_signData', ['application/x-clique-header', SEALER_ADDRESS, link.payloadHex]);
    return { ok: true, sig };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

