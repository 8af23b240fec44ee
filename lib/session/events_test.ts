import assert from "node:assert/strict";
import { EventHub } from "./events.ts";

Deno.test("events - a costly payload is built only when someone listens; the seq advances anyway", () => {
  const hub = new EventHub();
  let built = 0;
  const state = () => {
    built++;
    return { cells: [] } as never;
  };
  hub.emitWith("notebook_state", state);
  assert.equal(built, 0);
  assert.equal(hub.seq, 1);
  const seen: number[] = [];
  const off = hub.subscribe((e) => e.type === "notebook_state" && seen.push(e.seq));
  hub.emitWith("notebook_state", state);
  assert.equal(built, 1);
  assert.deepEqual(seen, [3], "after the presence event (2), numbered as if nothing was skipped");
  off();
});
