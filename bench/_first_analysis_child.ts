/**
 * Bench child (aims_bench.ts `analysis` rows): the first analysis of the notebook bench's 100
 * cells (analyze + DAG + provenance, the parser's load included) in a fresh process, as a server's
 * first open after a restart. With argv[0] (a folder), the parser loads through the V8 code cache
 * kept there, as the server's (`<dataDir>/code-cache`); a load that misses writes it once the
 * bench's later passes have run, as a server does a second after its first analyses. Prints one
 * JSON line: `coldMs` and how the load used the cache (`null`: no cache configured).
 */
import { configureParserCodeCache, parserCodeCacheLoad } from "../lib/notebook/_babel.ts";
import { main } from "./notebook_bench.ts";

const [cacheDir] = Deno.args;
if (cacheDir) configureParserCodeCache(cacheDir, 50);
const figures = await main(100);
const load = parserCodeCacheLoad();
if (cacheDir && !load) throw new Error("the parser did not load through its code cache");
if (load && load.use !== "hit") {
  // The write's timer does not keep a process alive (a server's exit does not wait for it).
  const alive = setTimeout(() => {}, 5_000);
  if (!await load.written) throw new Error("the parser's code cache was not written");
  clearTimeout(alive);
}
console.log(JSON.stringify({ coldMs: figures.coldMs, use: load?.use ?? null }));
