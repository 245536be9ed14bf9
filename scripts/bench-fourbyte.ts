// The embedded 4byte database's costs: size in the binary (compressed bytes as embedded), first-lookup latency (base64
// decode + brotli + index build), steady lookup cost, and the RSS it adds once decoded. In-process, one fresh process
// per run. Usage: node --expose-gc --import tsx scripts/bench-fourbyte.ts   or   bun scripts/bench-fourbyte.ts
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const rss = (): number => process.memoryUsage().rss / 1048576;

gc();
const rss0 = rss();
let t = performance.now();
const gen = await import('../adapters/fourbyte/embedded/fourbyte-db.generated.ts');
const { loadFourByteDb } = await import('../adapters/fourbyte/fourbyte-file.ts');
const importMs = performance.now() - t;
gc();
const rss1 = rss();
const db = await loadFourByteDb('/nonexistent/4byte-custom.json', null);
t = performance.now();
const first = db.lookup('1249c58b');
const firstMs = performance.now() - t;
gc();
const rss2 = rss();
if (first !== 'mint()') throw new Error(`lookup gave ${first}`);
const ids = ['095ea7b3', 'ac9650d8', '5ae401dc', 'a9059cbb', 'deadbeef', 'b2f0a5bb', '1249c58b', '23b872dd'];
const N = 2_000_000;
t = performance.now();
let hits = 0;
for (let i = 0; i < N; i++) if (db.lookup(ids[i & 7]) !== null) hits++;
const perLookupNs = ((performance.now() - t) * 1e6) / N;
const compressed = Math.floor((gen.FOURBYTE_DB_BROTLI_BASE64.length * 3) / 4);
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined' ? 'bun' : 'node';
console.log(
  JSON.stringify({
    runtime,
    entries: gen.FOURBYTE_DB_COUNT,
    compressedKiB: +(compressed / 1024).toFixed(0),
    importMs: +importMs.toFixed(1),
    firstLookupMs: +firstMs.toFixed(1),
    lookupNs: +perLookupNs.toFixed(0),
    rssModuleMiB: +(rss1 - rss0).toFixed(1),
    rssDecodedMiB: +(rss2 - rss1).toFixed(1),
    hits,
  }),
);
