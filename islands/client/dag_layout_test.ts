import assert from "node:assert/strict";
import { impliedEdges, layoutDag } from "./dag_layout.ts";

const e = (from: string, to: string) => ({ from, to });
const node = (id: string) => ({ id, width: 150, height: 36 });

Deno.test("dag layout - an edge is implied only when another path joins the same cells", () => {
  assert.deepEqual(
    [...impliedEdges(["a", "b", "c"], [e("a", "b"), e("b", "c"), e("a", "c")])],
    ["a\u0000c"],
  );
  // A diamond has no shortcut; a cycle (refused by the server) is left as it is.
  const diamond = [e("a", "b"), e("a", "c"), e("b", "d"), e("c", "d")];
  assert.equal(impliedEdges(["a", "b", "c", "d"], diamond).size, 0);
  assert.equal(impliedEdges(["a", "b", "c"], [e("a", "b"), e("b", "c"), e("c", "a")]).size, 0);
  // Order of the ids does not matter, nor duplicate edges.
  assert.deepEqual(
    [...impliedEdges(["c", "b", "a"], [e("a", "c"), e("a", "b"), e("b", "c"), e("a", "c")])],
    ["a\u0000c"],
  );
});

Deno.test("dag layout - every cell reading the first: each use is drawn, each below what it reads", () => {
  // The shape that made dagre lay out thousands of placeholders (issue 20): cell i reads cell 0
  // and cell i-1.
  const n = 200;
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  const edges = ids.slice(1).flatMap((id, k) => [e("c0", id), e(ids[k], id)]);
  const layout = layoutDag(ids.map(node), edges);
  const drawn = new Set(layout.edges.map((x) => `${x.from}>${x.to}`));
  assert.equal(layout.edges.length, edges.length - 1); // c0>c1 is both
  for (const x of edges) assert.ok(drawn.has(`${x.from}>${x.to}`), `${x.from}>${x.to} missing`);
  const at = new Map(layout.nodes.map((x) => [x.id, x]));
  for (const x of layout.edges) assert.ok(at.get(x.to)!.y > at.get(x.from)!.y);
  // The uses of c0 past c1 are implied by the chain, drawn to the right of the nodes.
  const implied = layout.edges.filter((x) => x.implied);
  assert.equal(implied.length, n - 2);
  const right = Math.max(...layout.nodes.map((x) => x.x + x.width / 2));
  for (const x of implied) assert.ok(x.points.some((p) => p.x > right));
  assert.ok(layout.width >= Math.max(...implied.flatMap((x) => x.points.map((p) => p.x))));
});
