import assert from "node:assert/strict";
import type { NotebookState } from "../../lib/protocol/notebook_state.ts";
import type { SocketEnvelope } from "../../lib/protocol/socket_events.ts";
import { reduceEvent, withLiveOutputs } from "./session_events.ts";

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

Deno.test("session events - a running cell drops its old console and appends live output", () => {
  const previous = {
    displays: [{ type: "text" as const, data: "old" }],
    console: [{ stream: "stdout" as const, text: "old line\n" }],
    consoleTruncated: false,
    error: null,
    cacheHit: false,
    durationMs: 3,
    finishedAt: "",
    current: true,
  };
  const withOld = { ...base, cells: [{ ...base.cells[0], outputs: previous }] };
  let s = reduceEvent(
    withOld,
    at({ type: "cell_status", payload: { cellId: "c1", status: "running" } }),
  );
  assert.deepEqual(s.cells[0].outputs?.console, [], "the previous run's console is cleared");
  assert.deepEqual(s.cells[0].outputs?.displays, previous.displays, "old displays stay (dimmed)");
  const line = (text: string) =>
    at({
      type: "cell_console",
      payload: {
        cellId: "c1",
        entries: [{ stream: "stdout", text }],
        truncated: false,
        live: true,
      },
    });
  s = reduceEvent(s, line("tick 1\n"));
  s = reduceEvent(s, line("tick 2\n"));
  assert.deepEqual(s.cells[0].outputs?.console.map((e) => e.text), ["tick 1\n", "tick 2\n"]);
  const show = (data: string) =>
    at({ type: "cell_display", payload: { cellId: "c1", display: { type: "text", data } } });
  s = reduceEvent(s, show("new 1"));
  s = reduceEvent(s, show("new 2"));
  assert.deepEqual(s.cells[0].outputs?.displays.map((d) => d.data), ["new 1", "new 2"]);
  // The finished cell's console event (not live) does not append: cell_output replaces all.
  s = reduceEvent(
    s,
    at({
      type: "cell_console",
      payload: { cellId: "c1", entries: [{ stream: "stdout", text: "x" }], truncated: false },
    }),
  );
  assert.equal(s.cells[0].outputs?.console.length, 2);
});

Deno.test("session events - a page that joined mid-run drops the old console on the first live line", () => {
  const old = {
    displays: [],
    console: [{ stream: "stdout" as const, text: "old line\n" }],
    consoleTruncated: false,
    error: null,
    cacheHit: false,
    durationMs: 3,
    finishedAt: "",
    current: true,
  };
  const joined = {
    ...base,
    cells: [{ ...base.cells[0], status: "running" as const, outputs: old }],
  };
  const s = reduceEvent(
    joined,
    at({
      type: "cell_console",
      payload: {
        cellId: "c1",
        entries: [{ stream: "stdout", text: "new\n" }],
        truncated: false,
        live: true,
      },
    }),
  );
  assert.deepEqual(s.cells[0].outputs?.console.map((e) => e.text), ["new\n"]);
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

Deno.test("session events - a state arriving mid-run keeps a running cell's live lines", () => {
  const liveOut = {
    displays: [],
    console: [{ stream: "stdout" as const, text: "tick 0\n" }],
    consoleTruncated: false,
    error: null,
    cacheHit: false,
    durationMs: 3,
    finishedAt: "",
    current: true,
    live: "started" as const,
  };
  const prev = {
    ...base,
    cells: [{ ...base.cells[0], status: "running" as const, outputs: liveOut }],
  };
  const fromServer = { ...base, cells: [{ ...base.cells[0], status: "running" as const }] };
  assert.deepEqual(withLiveOutputs(prev, fromServer).cells[0].outputs, liveOut);
  const finished = { ...base, cells: [{ ...base.cells[0], status: "ready" as const }] };
  assert.equal(
    withLiveOutputs(prev, finished).cells[0].outputs,
    null,
    "a finished cell: the server's",
  );
  const other = { ...fromServer, sessionId: "another" };
  assert.equal(
    withLiveOutputs(prev, other).cells[0].outputs,
    null,
    "another session: the server's",
  );
});

Deno.test("session events - cache hits set each named cell's status and outputs in one step", () => {
  const two: NotebookState = {
    ...base,
    cells: [base.cells[0], { ...base.cells[0], id: "c2", status: "running" }],
  };
  const outputs = {
    displays: [{ type: "text" as const, data: "7" }],
    console: [],
    consoleTruncated: false,
    error: null,
    cacheHit: true,
    durationMs: 3,
    finishedAt: "",
    current: true,
  };
  const next = reduceEvent(
    two,
    at({
      type: "cache_hits",
      payload: {
        cells: [{ cellId: "c1", status: "ready", durationMs: 3, outputs }, {
          cellId: "gone",
          status: "ready",
          durationMs: 1,
          outputs,
        }],
        done: 2,
        total: 3,
      },
    }),
  );
  assert.equal(next.cells[0].status, "ready");
  assert.deepEqual(next.cells[0].outputs, outputs);
  assert.equal(next.cells[1], two.cells[1], "a cell not named is the same object");
  assert.equal(next.cells.length, 2);
});
