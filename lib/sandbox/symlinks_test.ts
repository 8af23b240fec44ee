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

/**
 * Shows the walk every folder as changed an hour earlier than it was (mtime and ctime), so
 * listings are old enough to be remembered; a real change still moves the stamp.
 */
function agedStats(): () => void {
  const realStat = Deno.statSync;
  const hour = 3_600_000;
  Deno.statSync = (path: string | URL) => {
    const info = realStat(path);
    return {
      ...info,
      mtime: info.mtime && new Date(info.mtime.getTime() - hour),
      ctime: info.ctime && new Date(info.ctime.getTime() - hour),
    };
  };
  return () => {
    Deno.statSync = realStat;
  };
}

/**
 * Waits past a file-clock tick (a few ms), so a change made next gets another timestamp than the
 * walk's stat saw: what the 2 s margin guarantees for real, undone here by agedStats.
 */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 25));
}

Deno.test("sandbox symlinks - remembered listings still see every new, removed or re-pointed link", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  const realReadDir = Deno.readDir;
  const restoreStat = agedStats();
  let reads = 0;
  Deno.readDir = (path: string | URL) => {
    reads++;
    return realReadDir(path);
  };
  try {
    const nb = `${base}/nb`;
    await Deno.mkdir(`${nb}/data/deep`, { recursive: true });
    await Deno.mkdir(`${base}/elsewhere`);
    for (let i = 0; i < 50; i++) await Deno.writeTextFile(`${nb}/cell${i}.ts`, `${i}`);
    assert.deepEqual(await findSymlinkEscapes(nb), []);
    reads = 0;
    assert.deepEqual(await findSymlinkEscapes(nb), []);
    assert.equal(reads, 0, "unchanged folders are not read again");

    // A new link in a remembered folder: its mtime moved, so it is read again.
    await tick();
    await Deno.symlink(`${base}/elsewhere`, `${nb}/data/deep/out`);
    assert.deepEqual(await findSymlinkEscapes(nb), [
      { path: "data/deep/out", target: `${base}/elsewhere` },
    ]);
    // Re-pointed inside (a new entry), then remembered again.
    await tick();
    await Deno.remove(`${nb}/data/deep/out`);
    await Deno.symlink(`${nb}/data`, `${nb}/data/deep/out`);
    assert.deepEqual(await findSymlinkEscapes(nb), []);

    // A link whose target changes outside the folder: nothing in the folder moves, the link is
    // resolved again anyway.
    await tick();
    await Deno.symlink(`${nb}/data`, `${base}/hop`);
    await Deno.symlink(`${base}/hop`, `${nb}/via-hop`);
    assert.deepEqual(await findSymlinkEscapes(nb), []);
    reads = 0;
    await tick();
    await Deno.remove(`${base}/hop`);
    await Deno.symlink(`${base}/elsewhere`, `${base}/hop`);
    assert.deepEqual(await findSymlinkEscapes(nb), [
      { path: "via-hop", target: `${base}/elsewhere` },
    ]);
    assert.equal(reads, 0);

    // A link added and the folder's mtime set back (utime): its ctime still moved. Deno reports
    // ctime to the second, so wait one out (the 2 s margin does that for real).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = (await Deno.stat(`${nb}/data/deep`)).mtime!;
    await Deno.symlink(`${base}/elsewhere`, `${nb}/data/deep/sneaky`);
    await Deno.utime(`${nb}/data/deep`, before, before);
    assert.deepEqual(await findSymlinkEscapes(nb), [
      { path: "data/deep/sneaky", target: `${base}/elsewhere` },
      { path: "via-hop", target: `${base}/elsewhere` },
    ]);

    // A folder replaced by a link to the outside, and a folder removed.
    await tick();
    await Deno.remove(`${nb}/data`, { recursive: true });
    await Deno.symlink(`${base}/elsewhere`, `${nb}/data`);
    assert.deepEqual(await findSymlinkEscapes(nb), [
      { path: "data", target: `${base}/elsewhere` },
      { path: "via-hop", target: `${base}/elsewhere` },
    ]);
  } finally {
    Deno.readDir = realReadDir;
    restoreStat();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("sandbox symlinks - a listing read within the racy margin of its change is not kept", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  const realStat = Deno.statSync;
  try {
    await Deno.mkdir(`${base}/elsewhere`);
    // A file system whose clock tick is long: the stamp does not move when the link is added.
    const frozen = (mtime: Date) => (path: string | URL) => ({
      ...realStat(path),
      mtime,
      ctime: mtime,
    });
    for (
      const [name, mtime, seen] of [
        ["recent", new Date(), true], // changed just now: read again, the new link is seen
        ["old", new Date(Date.now() - 3_600_000), false], // the stamp is trusted (shows the stub works)
      ] as const
    ) {
      const nb = `${base}/${name}`;
      await Deno.mkdir(nb);
      Deno.statSync = frozen(mtime);
      assert.deepEqual(await findSymlinkEscapes(nb), []);
      await Deno.symlink(`${base}/elsewhere`, `${nb}/out`);
      assert.deepEqual(
        await findSymlinkEscapes(nb),
        seen ? [{ path: "out", target: `${base}/elsewhere` }] : [],
        name,
      );
      Deno.statSync = realStat;
    }
  } finally {
    Deno.statSync = realStat;
    await Deno.remove(base, { recursive: true });
  }
});
