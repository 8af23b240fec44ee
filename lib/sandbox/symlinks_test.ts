import assert from "node:assert/strict";
import { findSymlinkEscapes } from "./symlinks.ts";

Deno.test("sandbox symlinks - links resolving outside the folder are found, inside ones are not", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  try {
    const nb = `${base}/nb`;
    await Deno.mkdir(`${nb}/data/deep`, { recursive: true });
    await Deno.mkdir(`${base}/elsewhere`);
    await Deno.writeTextFile(`${nb}/data/a.csv`, "x");
    await Deno.symlink(`${nb}/data/a.csv`, `${nb}/inside-link`);
    await Deno.symlink("../a.csv", `${nb}/data/deep/relative-inside`);
    await Deno.symlink(`${base}/elsewhere`, `${nb}/data/deep/out`);
    await Deno.symlink("../../elsewhere", `${nb}/data/rel-out`);
    await Deno.symlink("/nonexistent/target", `${nb}/dangling`);
    assert.deepEqual(await findSymlinkEscapes(nb), [
      { path: "dangling", target: "/nonexistent/target" },
      { path: "data/deep/out", target: `${base}/elsewhere` },
      { path: "data/rel-out", target: `${base}/elsewhere` },
    ]);
    assert.deepEqual(await findSymlinkEscapes(`${nb}/data/deep/..`), [
      { path: "deep/out", target: `${base}/elsewhere` },
      { path: "rel-out", target: `${base}/elsewhere` },
    ]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
