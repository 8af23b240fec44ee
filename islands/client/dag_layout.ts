/** Browser module: lays out the cell DAG with dagre. Loaded lazily when the DAG panel opens. */
import dagre from "@dagrejs/dagre";

/** A laid-out node (centre coordinates) and edge (polyline points). */
export interface DagLayout {
  width: number;
  height: number;
  nodes: { id: string; x: number; y: number; width: number; height: number }[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

/** Lays out nodes top to bottom. */
export function layoutDag(
  nodes: { id: string; width: number; height: number }[],
  edges: { from: string; to: string }[],
): DagLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of edges) if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const graph = g.graph();
  return {
    width: graph.width ?? 0,
    height: graph.height ?? 0,
    nodes: nodes.map((n) => {
      const p = g.node(n.id);
      return { id: n.id, x: p.x, y: p.y, width: n.width, height: n.height };
    }),
    edges: g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] })),
  };
}
