/** AI commands (issue 18): generate a cell from a request in words. */
import { z } from "zod";
import { NotFoundError, StrataError } from "../errors.ts";
import { generatedSource, generationMessages, promptHash } from "../ai/generate_cell.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { defineCommand } from "./command.ts";
import { sessionTarget, sid } from "./_targets.ts";

/** AI is not configured on this server (400). */
export class AiNotConfiguredError extends StrataError {
  constructor() {
    super(
      "ai_not_configured",
      "AI is not configured on this server: set STRATA_AI_BASE_URL, STRATA_AI_MODEL and STRATA_AI_API_KEYS",
    );
  }
}

/**
 * `ai.generate_cell {sid, after?, request}`: asks the model for TypeScript and inserts it as a new
 * cell after `after` (null: first; omitted: last), not run. Any `@allow` in the answer is neutralized, so the
 * new cell has no grants. The audit event records the model and the prompt's hash, never the
 * prompt or the answer.
 */
export const aiGenerateCell = defineCommand({
  name: "ai.generate_cell",
  description:
    "Ask the AI model for a TypeScript cell and insert it after a cell (null: first; omitted: last); not run",
  scope: "notebook:write",
  input: z.object({
    sid,
    after: z.string().min(1).max(128).nullable().optional(),
    request: z.string().trim().min(1, "describe the cell to generate").max(4000),
  }),
  // The model call takes a while and costs money: it holds an interactive slot of the tenant.
  qos: "interactive",
  audit: "ai.generate_cell",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    const ai = ctx.deps.runtime.deps.ai;
    if (!ai) throw new AiNotConfiguredError();
    const model = s.model;
    const upTo = input.after === undefined
      ? model.cells.length
      : input.after === null
      ? 0
      : model.cells.findIndex((c) => c.cell.id === input.after) + 1;
    if (typeof input.after === "string" && upTo === 0) {
      throw new NotFoundError(`Cell '${input.after}' not found in notebook '${s.scope.path}'`);
    }
    const above = model.cells.slice(0, upTo);
    const names = [...new Set(above.flatMap((c) => c.analysis?.defines ?? []))];
    const messages = generationMessages(input.request, {
      names,
      previous: above.at(-1)?.cell.language === "typescript"
        ? above.at(-1)!.cell.source
        : undefined,
    });
    const answer = await ai.chat.complete({
      messages,
      signal: ctx.caller.signal,
      tenantHash: ctx.caller.tenant.hash,
    });
    const { source, removed } = generatedSource(answer.text, ai.model);
    const cellId = await s.addCell({ source, language: "typescript", after: input.after });
    return {
      cellId,
      grantsRemoved: removed,
      model: ai.model,
      promptHash: promptHash(messages),
      state: s.state(),
    };
  },
  auditWith: (_s, _input, out) => ({
    details: {
      cellId: out.cellId,
      model: out.model,
      promptHash: out.promptHash,
      grantsRemoved: out.grantsRemoved,
    },
  }),
});
