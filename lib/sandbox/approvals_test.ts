import assert from "node:assert/strict";
import { addApprovals, loadApprovalKey, readApprovals } from "./approvals.ts";

const NOW = new Date("2026-01-02T03:04:05Z");

Deno.test("sandbox approvals - stored per notebook, bound to the folder and the installation key", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir());
  try {
    const key = await loadApprovalKey(`${base}/data`);
    assert.deepEqual(await loadApprovalKey(`${base}/data`), key, "the key is kept");
    assert.equal((await Deno.stat(`${base}/data/approval.key`)).mode! & 0o077, 0);
    const nb = `${base}/nb`;
    await Deno.mkdir(nb);
    assert.deepEqual(await readApprovals(nb, key), new Set());
    await addApprovals(nb, key, ["net=a.com"], { by: "ada", now: NOW });
    const all = await addApprovals(nb, key, ["read=/x", "net=a.com"], { by: null, now: NOW });
    assert.deepEqual([...all].sort(), ["net=a.com", "read=/x"]);
    assert.deepEqual([...await readApprovals(nb, key)].sort(), ["net=a.com", "read=/x"]);
    // Read again (remembered): a caller changing its copy changes nothing for the next one.
    (await readApprovals(nb, key)).add("run");
    assert.deepEqual([...await readApprovals(nb, key)].sort(), ["net=a.com", "read=/x"]);

    // Another installation's key, a moved folder or an edited entry approve nothing.
    const other = await loadApprovalKey(`${base}/other-data`);
    assert.deepEqual(await readApprovals(nb, other), new Set());
    await Deno.rename(nb, `${base}/moved`);
    assert.deepEqual(await readApprovals(`${base}/moved`, key), new Set());
    await Deno.rename(`${base}/moved`, nb);
    assert.deepEqual([...await readApprovals(nb, key)].sort(), ["net=a.com", "read=/x"]);
    const file = `${nb}/.strata/approvals.json`;
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("net=a.com", "run"));
    assert.deepEqual([...await readApprovals(nb, key)], ["read=/x"]);
    await Deno.writeTextFile(file, "{ not json");
    assert.deepEqual(await readApprovals(nb, key), new Set(), "unreadable: nothing approved");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
