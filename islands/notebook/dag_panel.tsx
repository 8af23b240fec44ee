/** The DAG of cells as an SVG graph laid out by dagre (loaded on first open); click a node to go to its cell. */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { CellView, DagView } from "../../lib/protocol/notebook_state.ts";
import { cellLabel } from "../../lib/ui/notebook_types.ts";
import type { DagLayout } from "../client/dag_layout.ts";

/** Props of DagPanel. */
export interface DagPanelProps {
  cells: CellView[];
  dag: DagView;
  /** URL of the dag_layout module. */
  layoutUrl: string;
  onSelect(cellId: string): void;
}

const NODE_W = 150;
const NODE_H = 36;

type LayoutFn = (
  nodes: { id: string; width: number; height: number }[],
  edges: { from: string; to: string }[],
) => DagLayout;

/** The graph. */
export function DagPanel({ cells, dag, layoutUrl, onSelect }: DagPanelProps) {
  const [layoutFn, setLayoutFn] = useState<LayoutFn | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    import(layoutUrl).then((m) => setLayoutFn(() => m.layoutDag as LayoutFn)).catch(() =>
      setError("The graph layout module could not be loaded; reload the page")
    );
  }, [layoutUrl]);
  const code = cells.filter((c) => c.language === "typescript");
  // Laid out again only when the graph's shape changes: a run changes statuses many times a
  // second, and laying out on each of them froze the page (issue 20).
  const shape = code.map((c) => c.id).join(",") + "|" +
    dag.edges.map((e) => `${e.from}>${e.to}`).join(",");
  const layout = useMemo(
    () =>
      layoutFn && code.length > 0
        ? layoutFn(
          code.map((c) => ({ id: c.id, width: NODE_W, height: NODE_H })),
          dag.edges.map((e) => ({ from: e.from, to: e.to })),
        )
        : null,
    [layoutFn, shape],
  );
  if (error) return <p class="panel-error" role="alert">{error}</p>;
  if (!layoutFn) return <p class="muted">Laying out the graph…</p>;
  if (!layout) return <p class="muted">No code cells yet.</p>;
  const byId = new Map(cells.map((c, i) => [c.id, { cell: c, index: i }]));
  return (
    <div class="dag-scroll">
      <svg
        class="dag"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label="Cell dependency graph"
      >
        <defs>
          <marker
            id="dag-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="dag-arrowhead" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path
            key={`${e.from}-${e.to}`}
            class={e.implied ? "dag-edge dag-edge-implied" : "dag-edge"}
            d={e.points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(
              " ",
            )}
            marker-end="url(#dag-arrow)"
          />
        ))}
        {layout.nodes.map((n) => {
          const info = byId.get(n.id)!;
          const status = info.cell.status === "ready" && info.cell.outputs?.cacheHit
            ? "cached"
            : info.cell.status;
          const label = cellLabel(info.cell, info.index);
          return (
            <g
              key={n.id}
              class={`dag-node dag-${status}`}
              data-cell-id={n.id}
              transform={`translate(${n.x - n.width / 2},${n.y - n.height / 2})`}
              tabIndex={0}
              role="button"
              aria-label={`Go to cell ${info.index + 1}: ${label} (${status})`}
              onClick={() => onSelect(n.id)}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault();
                  onSelect(n.id);
                }
              }}
            >
              <title>
                {info.cell.whyText
                  ? `${label}: ${status} — ${info.cell.whyText}`
                  : `${label}: ${status}`}
              </title>
              <rect width={n.width} height={n.height} rx="8" />
              <text x={n.width / 2} y={n.height / 2 + 4} text-anchor="middle">
                [{info.index + 1}] {label.length > 16 ? `${label.slice(0, 15)}…` : label}
              </text>
            </g>
          );
        })}
      </svg>
      <p class="dag-legend">
        <span class="lg lg-ready">ready</span> <span class="lg lg-cached">cached</span>{" "}
        <span class="lg lg-stale">stale</span> <span class="lg lg-error">error</span>{" "}
        <span class="lg lg-idle">idle</span>
        {layout.edges.some((e) => e.implied) && (
          <span class="lg-implied">
            dashed: a direct use also reached through other cells
          </span>
        )}
      </p>
    </div>
  );
}
