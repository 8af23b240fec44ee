import assert from "node:assert/strict";
import { createViewerStore } from "./viewer_store.ts";

Deno.test("viewer store - viewers are separate per notebook and the least recent is dropped", () => {
  const store = createViewerStore({ maxViewers: 2 });
  store.get("nb1", "v1").widgets.a = { n: 1 };
  assert.deepEqual(store.get("nb1", "v1").widgets, { a: { n: 1 } });
  assert.deepEqual(store.get("nb2", "v1").widgets, {}, "another notebook, another state");
  store.get("nb1", "v2");
  assert.equal(store.size, 2);
  assert.deepEqual(store.get("nb1", "v1").widgets, {}, "v1 on nb1 was the least recent");
});
