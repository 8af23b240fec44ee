import assert from "node:assert/strict";
import type { NotebookState } from "../../lib/protocol/notebook_state.ts";
import type { SocketEnvelope } from "../../lib/protocol/socket_events.ts";
import { reduceEvent } from "./session_events.ts";

const base: NotebookState = {
  sessionId: "s",
  seq: 1,
  busy: false,
  viewers: 1,
  onChange: "autorun",
  notebook: {
    id: "n",
    name: "N",
    owner: null,
    path: "n",
    createdAt: "",
    updatedAt: "",
    timeout: null,
  },
  env: [],
  secretManager: null,
  awaitingApproval: [],
  cells: [{
    id: "c1",
    name: null,
    language: "typescript",
    file: "cells/c1.ts",
    source: "1",
    status: "stale",
    staleReason: "self",
    why: [],
    whyText: null,
    label: "[1]",
    lazy: false,
    version: "v1",
    defines: [],
    references: [],
    upstream: [],
    diagnostics: [],
    grants: { requested: [], refused: [], awaitingApproval: [], blocked: null },
    provenance: "p",
    outputs: null,
  }],
  dag: { order: ["c1"], edges: [] },
};

const at = (e: Omit<SocketEnvelope, "seq" | "ts">) => ({ ...e, seq: 2, ts: "" }) as SocketEnvelope;

Deno.test("session events - status and output patch the named cell", () => {
  const running = reduceEvent(
    base,
    at({ type: "cell_status", payload: { cellId: "c1", status: "running" } }),
  );
  assert.equal(running.cells[0].status, "running");
  const outputs = {
    displays: [{ type: "text" as const, data: "1" }],
    console: [],
    consoleTruncated: false,
    error: null,
    cacheHit: false,
    durationMs: 3,
    finishedAt: "",
    current: true,
  };
  const done = reduceEvent(
    running,
    at({ type: "cell_output", payload: { cellId: "c1", ...outputs } }),
  );
  assert.deepEqual(done.cells[0].outputs, outputs);
  assert.equal(base.cells[0].status, "stale", "the old state is not mutated");
});

Deno.test("session events - unknown cells and progress leave the state as it was", () => {
  const s1 = reduceEvent(
    base,
    at({ type: "cell_status", payload: { cellId: "gone", status: "running" } }),
  );
  assert.equal(s1, base);
  const s2 = reduceEvent(
    base,
    at({ type: "cascade_progress", payload: { cellId: "c1", done: 1, total: 1 } }),
  );
  assert.equal(s2, base);
  const s3 = reduceEvent(base, at({ type: "dag_update", payload: { order: [], edges: [] } }));
  assert.deepEqual(s3.dag.order, []);
});

Deno.test("session events - cell_states updates statuses and why-chains; presence the viewer count", () => {
  const next = reduceEvent(
    base,
    at({
      type: "cell_states",
      payload: {
        cells: [{
          cellId: "c1",
          status: "stale",
          staleReason: "upstream",
          why: [{ cellId: "c1", reason: "upstream" }],
          whyText: "[1]: upstream result changed",
        }, {
          cellId: "gone",
          status: "ready",
          staleReason: null,
          why: [],
          whyText: null,
        }],
      },
    }),
  );
  assert.equal(next.cells.length, 1);
  assert.equal(next.cells[0].staleReason, "upstream");
  assert.equal(next.cells[0].whyText, "[1]: upstream result changed");
  assert.equal(next.cells[0].source, "1", "other fields are kept");
  assert.equal(reduceEvent(base, at({ type: "presence", payload: { viewers: 3 } })).viewers, 3);
});
