/**
 * Issue 21: a worker that dies mid-cell loses nothing. Real `strata worker --nats` processes
 * (relaunched under their narrow permissions) pull from a throwaway nats-server; the test kills
 * the worker running a cell (SIGKILL, with the cell's process group, as when its machine dies)
 * and checks the cell finishes on another worker, once. bench/nats_chaos.ts repeats it 20 times.
 */
import assert from "node:assert/strict";
import { decodeValue } from "../lib/executor/codecs.ts";
import { natsServerPath } from "../lib/cluster/_test_nats.ts";
import { killMidCell } from "./_nats_chaos.ts";

Deno.test({
  name: "nats chaos - a worker killed mid-cell: the cell finishes on another worker, once",
  ignore: natsServerPath() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const report = await killMidCell(5);
    assert.equal(report.results.length, 5);
    for (const r of report.results) assert.equal(r.status, "ok", r.error?.message);
    assert.deepEqual(report.results.map((r) => decodeValue(r.outputs[0])), [0, 1, 2, 3, 4]);
    // Each cell began on the killed worker, then again on another one...
    for (let i = 0; i < 5; i++) {
      assert.equal(
        report.begins[i]?.length,
        2,
        `cell ${i} began ${report.begins[i]?.length} times`,
      );
      assert.notEqual(report.begins[i][0], report.begins[i][1]);
    }
    // ...and ran to completion exactly once: one finished marker, one result sent by a worker.
    assert.deepEqual(report.completions, [1, 1, 1, 1, 1]);
    assert.deepEqual(report.resultsSent, [1, 1, 1, 1, 1]);
  },
});
