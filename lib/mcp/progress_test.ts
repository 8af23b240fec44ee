import assert from "node:assert/strict";
import type { Envelope } from "../session/events.ts";
import { followRun, type Progress } from "./progress.ts";

function hub() {
  const listeners = new Set<(e: Envelope) => void>();
  let seq = 0;
  return {
    subscribe(l: (e: Envelope) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit(type: string, payload: unknown) {
      const e = { type, payload, seq: ++seq, ts: "" } as Envelope;
      for (const l of listeners) l(e);
    },
    get size() {
      return listeners.size;
    },
  };
}

function manualClock() {
  let tick: (() => void) | undefined;
  let ms = 0;
  return {
    every: (fn: () => void) => {
      tick = fn;
      return () => (tick = undefined);
    },
    now: () => ms,
    advance(by: number) {
      ms += by;
      tick?.();
    },
    get running() {
      return tick !== undefined;
    },
  };
}

Deno.test("progress - a run's plan and finished cells become increasing progress with a total", () => {
  const h = hub();
  const got: Progress[] = [];
  const clock = manualClock();
  const stop = followRun(h, (p) => got.push(p), clock);
  h.emit("cascade_progress", { cells: ["a", "b"], done: 0, total: 2 });
  h.emit("cell_status", { cellId: "a", status: "running" });
  h.emit("cascade_progress", { cellId: "a", done: 1, total: 2 });
  h.emit("cascade_progress", { cellId: "b", done: 2, total: 2 });
  assert.deepEqual(got.map((p) => p.progress), [0, 1, 2]);
  assert.ok(got.every((p) => p.total === 2));
  assert.match(got[2].message!, /finished cell b \(2\/2\)/);
  stop();
  assert.equal(h.size, 0, "unsubscribed");
  assert.equal(clock.running, false, "heartbeat stopped");
});

Deno.test("progress - a long cell sends heartbeats that increase but stay below the next cell", () => {
  const h = hub();
  const got: Progress[] = [];
  const clock = manualClock();
  const stop = followRun(h, (p) => got.push(p), clock);
  h.emit("cascade_progress", { cells: ["slow"], done: 0, total: 1 });
  h.emit("cell_status", { cellId: "slow", status: "running" });
  for (let i = 0; i < 300; i++) clock.advance(2_000);
  stop();
  assert.equal(got.length, 301, "the plan, then one heartbeat per tick (10 minutes)");
  for (let i = 1; i < got.length; i++) {
    assert.ok(got[i].progress > got[i - 1].progress, `progress increases at ${i}`);
    assert.ok(got[i].progress < 1, "below the next whole cell");
  }
  assert.match(got[1].message!, /running cell slow \(2 s\)/);
  assert.match(got.at(-1)!.message!, /running cell slow \(600 s\)/);
});

Deno.test("progress - progress never goes back when a queued run starts over", () => {
  const h = hub();
  const got: Progress[] = [];
  const stop = followRun(h, (p) => got.push(p), manualClock());
  h.emit("cascade_progress", { cells: ["a"], done: 0, total: 1 });
  h.emit("cascade_progress", { cellId: "a", done: 1, total: 1 });
  h.emit("cascade_progress", { cells: ["b", "c"], done: 0, total: 2 });
  h.emit("cascade_progress", { cellId: "b", done: 1, total: 2 });
  h.emit("cascade_progress", { cellId: "c", done: 2, total: 2 });
  stop();
  const values = got.map((p) => p.progress);
  assert.equal(values.length, 4);
  for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1], String(values));
});

Deno.test("progress - a run's cache hits, sent together, count as finished cells", () => {
  const h = hub();
  const got: Progress[] = [];
  const stop = followRun(h, (p) => got.push(p), manualClock());
  h.emit("cascade_progress", { cells: ["a", "b", "c"], done: 0, total: 3 });
  h.emit("cache_hits", { cells: [{ cellId: "a" }, { cellId: "b" }], done: 2, total: 3 });
  h.emit("cell_status", { cellId: "c", status: "running" });
  h.emit("cascade_progress", { cellId: "c", done: 3, total: 3 });
  stop();
  assert.deepEqual(got.map((p) => [p.progress, p.total]), [[0, 3], [2, 3], [3, 3]]);
  assert.match(got[1].message ?? "", /2 cell\(s\) from the cache \(2\/3\)/);
});
