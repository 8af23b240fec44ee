import assert from "node:assert/strict";
import { EventHub } from "../session/events.ts";
import { watchRun } from "./run_progress.ts";

Deno.test("run progress - cache hits sent together are each printed as they arrive", () => {
  const hub = new EventHub();
  let out = "";
  const progress = watchRun(hub, {
    write: (t) => out += t,
    tty: false,
    quiet: false,
    nameOf: (id) => (id === "b" ? "total" : null),
  });
  const outputs = (text: string) => ({
    displays: [{ type: "text" as const, data: text }],
    console: [],
    consoleTruncated: false,
    error: null,
    cacheHit: true,
    durationMs: 3,
    finishedAt: "",
    current: true,
  });
  hub.emit("cache_hits", {
    cells: [
      { cellId: "a", status: "ready", durationMs: 3, outputs: outputs("1") },
      { cellId: "b", status: "ready", durationMs: 4, outputs: outputs("42") },
    ],
    done: 2,
    total: 2,
  });
  // Printed before the run's report arrives, each with its display.
  assert.match(out, /ok {4}a +cache hit \(ran in 3 ms\)\n {2}1\n/);
  assert.match(out, /ok {4}b \(total\) +cache hit \(ran in 4 ms\)\n {2}42\n/);
  const before = out;
  progress.finish({ ok: true, cells: [] } as never);
  assert.equal(out, before, "nothing printed twice");
});
