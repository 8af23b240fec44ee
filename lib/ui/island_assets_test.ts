import assert from "node:assert/strict";
import { hashSources, islandAssets, markCurrent } from "./island_assets.ts";

const codeRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("islandAssets - builds once per source hash, then reuses the cache across instances", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "strata-ui-test-" });
  try {
    const empty = `${cacheDir}/no-prebuilt`;
    const first = await islandAssets({ codeRoot, cacheDir, prebuiltDirs: [empty] }).ensure();
    assert.equal(first.built, true);
    assert.equal(first.hash, await hashSources(codeRoot));
    for (const name of ["home.js", "notebook.js", "editor.js", "dag_layout.js", "app.css"]) {
      assert.ok(first.sizes[name] > 0, name);
      assert.equal(first.urls[name], `/static/${first.hash}/${name}`);
    }
    // A restarted server (new instance, same cache folder) finds the bundle instead of rebuilding.
    const again = islandAssets({ codeRoot, cacheDir, prebuiltDirs: [empty] });
    const second = await again.ensure();
    assert.equal(second.built, false);
    assert.equal(second.hash, first.hash);
    const js = await again.read(first.hash, "notebook.js");
    assert.ok(js && js.length === first.sizes["notebook.js"]);
    assert.equal(await again.read("0".repeat(20), "notebook.js"), null);
    assert.equal(await again.read(first.hash, "../manifest.json"), null);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("islandAssets - without sources, serves the prebuilt build named by current.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-ui-test-" });
  try {
    const hash = "a".repeat(20);
    await Deno.mkdir(`${dir}/prebuilt/${hash}`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/prebuilt/${hash}/manifest.json`,
      JSON.stringify({ hash, sizes: { "home.js": 3 } }),
    );
    await Deno.writeTextFile(`${dir}/prebuilt/${hash}/home.js`, "1;\n");
    await markCurrent(`${dir}/prebuilt`, hash);
    const assets = islandAssets({
      codeRoot: `${dir}/no-sources`,
      cacheDir: `${dir}/cache`,
      prebuiltDirs: [`${dir}/prebuilt`],
    });
    const build = await assets.ensure();
    assert.equal(build.hash, hash);
    assert.equal(build.urls["home.js"], `/static/${hash}/home.js`);
    assert.equal(new TextDecoder().decode((await assets.read(hash, "home.js"))!), "1;\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
