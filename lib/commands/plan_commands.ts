/**
 * `notebook.plan`: what a run would do, without running anything. The cells a run of some cells
 * (or of the whole notebook) would consider, in run order, each a cache hit or to run with the
 * reason (the why-stale chain, never run, @nocache, the mode). Same plan as `strata plan`
 * (`lib/export/plan.ts`); agents ask it before a run.
 */
import { z } from "zod";
import { NotFoundError } from "../errors.ts";
import { planNotebook } from "../export/plan.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { defineCommand } from "./command.ts";
import { cellId, sessionTarget, sid } from "./_targets.ts";

/** `notebook.plan {sid, cellId?, mode?}`: the cells a run would consider and what it would do. */
export const notebookPlan = defineCommand({
  name: "notebook.plan",
  description: "What a run would execute: the cells in order, cache hit or run, and why",
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
  async run(s: NotebookSession, input, ctx) {
    if (input.cellId !== undefined && !s.model.byId.has(input.cellId)) {
      throw new NotFoundError(`Cell '${input.cellId}' not found in notebook '${s.scope.path}'`);
    }
    const plan = await planNotebook(s, ctx.deps, {
      targets: input.cellId === undefined ? undefined : [input.cellId],
      mode: input.mode,
    });
    return { target: input.cellId ?? null, mode: input.mode, ...plan };
  },
});
