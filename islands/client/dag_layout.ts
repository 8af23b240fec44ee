/** Browser module: lays out the cell DAG with dagre. Loaded lazily when the DAG panel opens. */
import dagre from "@dagrejs/dagre";

/** A laid-out node (centre coordinates) and edge (polyline points). */
export interface DagLayout {
  width: number;
  height: number;
  nodes: { id: string; x: number; y: number; width: number; height: number }[];
  /**
   * `implied`: the edge is also implied by a longer path (a cell reads a name directly that it
   * also depends on through other cells). Such edges are drawn beside the graph, not routed.
   */
  edges: { from: string; to: string; points: { x: number; y: number }[]; implied: boolean }[];
}

/**
 * Lays out nodes top to bottom. Positions come from the graph's transitive reduction: dagre routes
 * every edge through each rank it spans (a placeholder node per rank), so a notebook where every
 * cell reads the first one made it lay out thousands of placeholders: 100 such cells took 0.9 s,
 * 300 took 10 s (issue 20). Without the implied edges the ranks are the same (the longest path),
 * and those edges are drawn as bows to the right of the nodes they join.
 */
export function layoutDag(
  nodes: { id: string; width: number; height: number }[],
  edges: { from: string; to: string }[],
): DagLayout {
  const ids = new Set(nodes.map((n) => n.id));
  // Each edge once, between cells that are drawn.
  const known = [
    ...new Map(
      edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to)
        .map((e) => [edgeKey(e), e]),
    ).values(),
  ];
  const implied = impliedEdges(nodes.map((n) => n.id), known);
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of known) if (!implied.has(edgeKey(e))) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const graph = g.graph();
  const laid = nodes.map((n) => {
    const p = g.node(n.id);
    return { id: n.id, x: p.x, y: p.y, width: n.width, height: n.height };
  });
  const at = new Map(laid.map((n) => [n.id, n]));
  let width = graph.width ?? 0;
  const routed = g.edges().map((e) => ({
    from: e.v,
    to: e.w,
    points: g.edge(e).points ?? [],
    implied: false,
  }));
  const bowed = known.filter((e) => implied.has(edgeKey(e))).map((e) => {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    // Out past the wider of the two nodes, further for longer edges so that they do not overlap.
    const side = Math.max(a.x + a.width / 2, b.x + b.width / 2);
    const bow = side + 16 + Math.min(120, Math.abs(b.y - a.y) / 40);
    width = Math.max(width, bow + 12);
    const top = a.y + a.height / 2;
    const bottom = b.y - b.height / 2;
    return {
      from: e.from,
      to: e.to,
      points: [
        { x: a.x + a.width / 4, y: top },
        { x: bow, y: top + 12 },
        { x: bow, y: bottom - 12 },
        { x: b.x + b.width / 4, y: bottom },
      ],
      implied: true,
    };
  });
  return { width, height: graph.height ?? 0, nodes: laid, edges: [...routed, ...bowed] };
}

function edgeKey(e: { from: string; to: string }): string {
  return `${e.from}\u0000${e.to}`;
}

/**
 * The edges u→v for which another path from u to v exists (the complement of the transitive
 * reduction), by reachability bitsets in reverse topological order: O(nodes × edges / 32). A graph
 * with a cycle (a notebook the server refuses to run) is left as it is.
 */
export function impliedEdges(
  ids: string[],
  edges: { from: string; to: string }[],
): Set<string> {
  const index = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Array<number>(n).fill(0);
  for (const e of edges) {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u === undefined || v === undefined || u === v) continue;
    if (out[u].includes(v)) continue;
    out[u].push(v);
    indegree[v]++;
  }
  const order: number[] = [];
  const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  while (ready.length) {
    const u = ready.pop()!;
    order.push(u);
    for (const v of out[u]) if (--indegree[v] === 0) ready.push(v);
  }
  const implied = new Set<string>();
  if (order.length < n) return implied; // a cycle
  const words = Math.ceil(n / 32);
  const reach = new Uint32Array(n * words); // reach[u]: nodes reachable from u by a path
  for (let k = n - 1; k >= 0; k--) {
    const u = order[k];
    const ru = u * words;
    for (const v of out[u]) {
      const rv = v * words;
      for (let w = 0; w < words; w++) reach[ru + w] |= reach[rv + w];
    }
    // u→v is implied when v is reachable through another successor (reach[u] so far holds
    // only what the successors reach, not the successors themselves).
    for (const v of out[u]) {
      const through = reach[ru + (v >>> 5)] & (1 << (v & 31));
      if (through) implied.add(edgeKey({ from: ids[u], to: ids[v] }));
    }
    for (const v of out[u]) reach[ru + (v >>> 5)] |= 1 << (v & 31);
  }
  return implied;
}
