/**
 * Widget values as provenance inputs. A cell's stored widget values (`{[name]: value}`) are hashed
 * into its env hash, so its provenance, and its dependents', follow the values: moving a slider
 * back to an earlier value finds the earlier results in the cache, all the way down. A cell with
 * no stored values keeps its plain env hash (the source's defaults are part of its source hash).
 *
 * `applyWidgets` overlays values on a built model; sessions apply the notebook's values
 * (`.strata/runtime.json`), app viewers their own, over the same base model.
 */
import { createHash } from "node:crypto";
import { notebookProvenance } from "../notebook/provenance.ts";
import { computeStaleness } from "../notebook/staleness.ts";
import type { CellRunRecord } from "../notebook/runtime_state.ts";
import type { NotebookModel } from "../session/cell_model.ts";

/** Widget values of a notebook: cell id → widget name → value. */
export type WidgetValues = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** The env hash of a cell with stored widget values (the plain env hash when there are none). */
export function widgetEnvHash(envHash: string, values: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(values).sort();
  if (names.length === 0) return envHash;
  const canonical = JSON.stringify(names.map((n) => [n, values[n]]));
  return createHash("sha256").update(`strata-widgets-v1\n${envHash}\n${canonical}`).digest("hex");
}

/** Options of applyWidgets: recompute statuses against these last runs (sessions). */
export interface ApplyWidgetsOptions {
  lastRuns?: Readonly<Record<string, CellRunRecord>>;
  running?: ReadonlySet<string>;
}

/**
 * The model with `widgets` applied: env hashes and provenance of the defining cells and their
 * downstream recomputed, `model.widgets` set for the run engine to pass the values to the cells.
 * Without lastRuns, statuses are kept as they are (an app viewer's model shows no statuses).
 */
export function applyWidgets(
  model: NotebookModel,
  widgets: WidgetValues | undefined,
  options: ApplyWidgetsOptions = {},
): NotebookModel {
  const byCell = new Map<string, Record<string, unknown>>();
  for (const [cellId, values] of Object.entries(widgets ?? {})) {
    if (model.provenance.has(cellId) && Object.keys(values).length > 0) {
      byCell.set(cellId, { ...values });
    }
  }
  if (byCell.size === 0 && !model.baseEnvHash) return model;
  const cells = [...model.provenance].map(([id, p]) => ({
    id,
    sourceHash: p.sourceHash,
    modules: p.modules, // the local modules it imports stay part of its provenance
    // The base env hash: a model that already had widgets applied keeps its originals.
    envHash: widgetEnvHash(model.baseEnvHash?.get(id) ?? p.envHash, byCell.get(id) ?? {}),
  }));
  const provenance = notebookProvenance(cells, model.dag);
  const baseEnvHash = new Map(
    [...model.provenance].map(([id, p]) => [id, model.baseEnvHash?.get(id) ?? p.envHash]),
  );
  const states = options.lastRuns
    ? computeStaleness({
      order: model.dag.order,
      current: provenance,
      lastRuns: options.lastRuns,
      running: options.running,
      forced: new Set(),
    })
    : model.states;
  return { ...model, provenance, states, widgets: byCell.size ? byCell : undefined, baseEnvHash };
}
