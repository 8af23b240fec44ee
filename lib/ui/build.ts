/**
 * Prebuilds the island bundles for read-only deployments: `<outDir>/<hash>/` plus `current.json`
 * naming it (the server looks there before building lazily into its data folder, and uses
 * `current.json` when the island sources are not shipped, as in the single-file build).
 *   deno run -A lib/ui/build.ts [outDir]     (default dist/islands)
 */
import { join, resolve } from "node:path";
import { islandAssets, type IslandBuild, markCurrent } from "./island_assets.ts";

const codeRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Builds (or finds) the bundles for the current sources in `outDir` and marks them current. */
export async function prebuildIslands(
  outDir = join(codeRoot, "dist", "islands"),
): Promise<IslandBuild> {
  const build = await islandAssets({ codeRoot, cacheDir: outDir, prebuiltDirs: [outDir] }).ensure();
  await markCurrent(outDir, build.hash);
  return build;
}

/** CLI: builds and prints the files and sizes. */
export async function main(args: string[] = Deno.args): Promise<void> {
  const build = await prebuildIslands(args[0] ? resolve(args[0]) : undefined);
  console.log(`${build.built ? "built" : "up to date"}: ${build.dir}`);
  for (const [name, size] of Object.entries(build.sizes)) {
    console.log(`  ${name.padEnd(16)} ${size} bytes`);
  }
}

if (import.meta.main) await main();
