/**
 * `strata plan`: what a normal run of the whole notebook would do, without running anything:
 * each code cell is a cache hit (its provenance has a complete, intact stored result) or would
 * run, with the reason (never run, the why-stale chain, a missing or corrupt artifact, @nocache).
 */
import { lookupCell } from "../runtime/cell_cache.ts";
import { planRun, type RunMode } from "../runtime/run_engine.ts"; // issue 18: targets and modes
import type { NotebookSession } from "../session/notebook_session.ts";
import type { Db } from "../db/types.ts";
import type { BlobStore } from "../artifacts/blob_store.ts";

/** One cell of a plan. */
export interface PlanCell {
  id: string;
  name: string | null;
  action: "hit" | "run";
  provenance: string;
  /** Why the cell would run (or, for a hit, that its stored result is valid). */
  reason: string;
}

/** A whole plan, cells in run order. */
export interface Plan {
  notebook: { name: string; path: string };
  cells: PlanCell[];
  run: number;
  hits: number;
}

const MISS_REASONS: Record<string, string> = {
  absent: "no stored result for this provenance",
  incomplete: "stored result is missing a value",
  "missing-blob": "a stored artifact's bytes are missing",
  "corrupt-blob": "a stored artifact's bytes are corrupt",
};

/** What to plan (issue 18): the run of some cells (and what they need), in a run mode. */
export interface PlanOptions {
  /** Cells the run is asked for. @default every code cell (run-all) */
  targets?: readonly string[];
  /** @default "normal" */
  mode?: RunMode;
}

/** Computes the plan of a run (default: `runAll()` in normal mode); reads the store, writes nothing. */
export async function planNotebook(
  session: NotebookSession,
  stores: { db: Db; blobs: BlobStore },
  options: PlanOptions = {},
): Promise<Plan> {
  const model = session.model;
  const views = new Map(session.state().cells.map((c) => [c.id, c]));
  const cells: PlanCell[] = [];
  const targets = options.targets ?? model.dag.order;
  const mode = options.mode ?? "normal";
  for (const id of planRun(model, targets)) {
    const info = model.byId.get(id)!;
    const prov = model.provenance.get(id)!;
    const view = views.get(id);
    const name = info.annotations.name ?? null;
    if (mode === "force" || (mode === "rerun" && targets.includes(id))) {
      const reason = `mode ${mode} skips the cache`;
      cells.push({ id, name, action: "run", provenance: prov.provenance, reason });
      continue;
    }
    if (info.annotations.nocache) {
      cells.push({ id, name, action: "run", provenance: prov.provenance, reason: "@nocache" });
      continue;
    }
    // now = 0: a plan must not touch the artifacts' last-used times.
    const hit = await lookupCell(
      stores,
      session.scope.tenantHash,
      prov.provenance,
      model.dag.stores.get(id) ?? [],
      0,
    );
    if (hit.hit) {
      cells.push({ id, name, action: "hit", provenance: prov.provenance, reason: "cached" });
      continue;
    }
    const why = view?.status === "stale" && view.whyText
      ? view.whyText
      : view?.status === "idle"
      ? "never run"
      : view?.status === "error"
      ? "its last run failed"
      : MISS_REASONS[hit.reason];
    cells.push({ id, name, action: "run", provenance: prov.provenance, reason: why });
  }
  const run = cells.filter((c) => c.action === "run").length;
  const state = session.state();
  return {
    notebook: { name: state.notebook.name, path: state.notebook.path },
    cells,
    run,
    hits: cells.length - run,
  };
}

/** A plan for people: one line per cell. */
export function planText(plan: Plan): string {
  const lines = [
    `${plan.notebook.name}: ${plan.run} cell(s) would run, ${plan.hits} cache hit(s)`,
  ];
  for (const c of plan.cells) {
    const label = c.name ? `${c.id} (${c.name})` : c.id;
    lines.push(
      `  ${c.action === "run" ? "run" : "hit"}  ${label.padEnd(24)} ${
        c.action === "run" ? c.reason.replace(/\n/g, "; ") : ""
      }`.trimEnd(),
    );
  }
  return lines.join("\n");
}
