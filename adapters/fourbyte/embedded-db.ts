// The full 4byte database embedded in clef-ts: a generated module (scripts/gen-embedded.mjs, run on install and
// by `npm run build`) holding the packed SelectorTable brotli-compressed in base64, so the single binary carries
// it. Nothing is decoded until the first lookup; then about 1 MB is inflated to about 3.4 MB once.
import { Buffer } from 'node:buffer';
import { brotliDecompressSync } from 'node:zlib';
import { SelectorTable, type LazySelectorTable } from '../../core/fourbyte.ts';
import { FOURBYTE_DB_BROTLI_BASE64, FOURBYTE_DB_COUNT } from './embedded/fourbyte-db.generated.ts';

/** The embedded database, decoded on first use. */
export const embeddedFourByteTable: LazySelectorTable = {
  count: FOURBYTE_DB_COUNT,
  load(): SelectorTable {
    const packed = brotliDecompressSync(Buffer.from(FOURBYTE_DB_BROTLI_BASE64, 'base64'));
    const table = SelectorTable.decode(new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength));
    if (table.size !== FOURBYTE_DB_COUNT) throw new Error(`embedded 4byte table has ${table.size} entries, expected ${FOURBYTE_DB_COUNT}`);
    return table;
  },
};
