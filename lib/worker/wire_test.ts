import assert from "node:assert/strict";
import type { CellJob } from "../executor/types.ts";
import { jobFromWire, jobToWire, resultFromWire, resultToWire } from "./wire.ts";

Deno.test("wire - notebook-relative paths are re-rooted at the worker's workspace", () => {
  const job: CellJob = {
    cellId: "c",
    source: "1",
    inputs: [{ name: "b", codec: "bytes", bytes: new Uint8Array([1, 2, 3]) }],
    outputs: ["x"],
    permissions: {
      notebookDir: "/home/a/nb",
      read: ["/home/a/nb/data", "/srv/shared"],
      write: ["out"],
      net: ["example.com"],
    },
    env: { K: "v" },
    timeoutMs: 1000,
  };
  const wire = JSON.parse(JSON.stringify(jobToWire(job)));
  assert.deepEqual(wire.permissions.read, ["./data", "/srv/shared"]);
  assert.deepEqual(wire.permissions.write, ["./out"]);
  assert.equal(wire.inputs[0].bytes, "AQID");
  const back = jobFromWire(wire, "/ws");
  assert.deepEqual(back.permissions, {
    notebookDir: "/ws",
    read: ["/ws/data", "/srv/shared"],
    write: ["/ws/out"],
    net: ["example.com"],
  });
  assert.deepEqual(back.inputs[0].bytes, new Uint8Array([1, 2, 3]));
  assert.deepEqual(back.env, { K: "v" });
});

Deno.test("wire - results round-trip and malformed ones are rejected", () => {
  const r = resultFromWire(JSON.parse(JSON.stringify(resultToWire({
    cellId: "c",
    status: "error",
    outputs: [{ name: "v", codec: "v8", bytes: new Uint8Array([255]) }],
    displays: [{ type: "text", data: "x" }],
    console: [],
    consoleTruncated: false,
    error: { kind: "exception", message: "boom", line: 2 },
    durationMs: 3,
  }))));
  assert.deepEqual(r.outputs[0].bytes, new Uint8Array([255]));
  assert.equal(r.error?.line, 2);
  assert.throws(() => resultFromWire({ cellId: "c" }), /lacks cellId/);
});
