/**
 * `notebook.plan`: what a run would do, without running anything. The cells a run of one cell
 * (or of the whole notebook) would consider, in order, each with its status, why it is stale,
 * and whether the run would take it from the cache or execute it. Agents ask this before a run.
 */
import { z } from "zod";
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import { describeWhy } from "../notebook/staleness.ts";
import type { CellStatus, StaleReason, WhyStep } from "../notebook/staleness.ts";
import { planRun } from "../runtime/run_engine.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { NotFoundError } from "../errors.ts";
import { defineCommand } from "./command.ts";
import { cellId, sessionTarget, sid } from "./_targets.ts";

/** One planned cell. */
export interface PlannedCell {
  cellId: string;
  name: string | null;
  status: CellStatus;
  staleReason: StaleReason | null;
  why: WhyStep[];
  whyText: string | null;
  /** "cache": a stored result for the current provenance exists; "run": the cell executes. */
  action: "cache" | "run";
  /** Why the cell runs rather than hits the cache. */
  runBecause: "no stored result" | "nocache" | "mode" | null;
}

/** The answer of `notebook.plan`. */
export interface RunPlan {
  /** The cell asked for, or null for the whole notebook. */
  target: string | null;
  mode: "normal" | "rerun" | "force";
  cells: PlannedCell[];
  /** How many cells would execute (the rest are cache hits). */
  toRun: number;
}

/** `notebook.plan {sid, cellId?, mode?}`: the cells a run would consider and what it would do. */
export const notebookPlan = defineCommand({
  name: "notebook.plan",
  description: "What a run would execute: the cells in order, cached or to run, and why stale",
  scope: "notebook:read",
  input: z.object({
    sid,
    cellId: cellId.optional(),
    mode: z.enum(["normal", "rerun", "force"], {
      error: (issue) => `Invalid mode '${String(issue.input)}': use normal, rerun or force`,
    }).default("normal"),
  }),
  qos: null,
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx): Promise<RunPlan> {
    const model = s.model;
    if (input.cellId !== undefined && !model.byId.has(input.cellId)) {
      throw new NotFoundError(`Cell '${input.cellId}' not found in notebook '${s.scope.path}'`);
    }
    const targets = input.cellId === undefined ? model.dag.order : [input.cellId];
    const cells: PlannedCell[] = [];
    for (const id of planRun(model, targets)) {
      const info = model.byId.get(id)!;
      const state = model.states.get(id);
      const why = state?.why ?? [];
      let runBecause: PlannedCell["runBecause"] = null;
      if (input.mode === "force" || (input.mode === "rerun" && id === input.cellId)) {
        runBecause = "mode";
      } else if (info.annotations.nocache) {
        runBecause = "nocache";
      } else {
        const found = await lookupArtifacts(
          ctx.deps.db,
          s.scope.tenantHash,
          model.provenance.get(id)!.provenance,
        );
        if (!found.hit || !found.artifacts.some((a) => a.variable === "$result")) {
          runBecause = "no stored result";
        }
      }
      cells.push({
        cellId: id,
        name: info.annotations.name ?? null,
        status: state?.status ?? "idle",
        staleReason: state?.reason ?? null,
        why,
        whyText: why.length ? describeWhy(why) : null,
        action: runBecause ? "run" : "cache",
        runBecause,
      });
    }
    return {
      target: input.cellId ?? null,
      mode: input.mode,
      cells,
      toRun: cells.filter((c) => c.action === "run").length,
    };
  },
});
