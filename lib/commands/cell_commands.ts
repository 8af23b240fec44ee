/** Commands on an open session: cell edits, runs, cancel, environment and secret manager. */
import { z } from "zod";
import { MAX_CELL_SOURCE } from "../notebook/cell_files.ts";
import { ValidationError } from "../errors.ts";
import { parseSecretManagerConfig, type SecretManagerConfig } from "../secrets/provider.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { refuseDeniedConfig } from "../secrets/policy_guard.ts";
import { type CommandContext, defineCommand } from "./command.ts";
import { cellId, sessionTarget, sid } from "./_targets.ts";

const source = z.string().max(MAX_CELL_SOURCE);
const mode = z.enum(["normal", "rerun", "force"], {
  error: (issue) => `Invalid mode '${String(issue.input)}': use normal, rerun or force`,
}).default("normal");

/** `cell.add {sid, source, language?, after?}`: a new cell; answers its id. */
export const cellAdd = defineCommand({
  name: "cell.add",
  description: "Add a cell after another (after: null puts it first; omitted: last)",
  scope: "notebook:write",
  input: z.object({
    sid,
    source,
    language: z.enum(["typescript", "markdown", "prompt"]).optional(),
    after: z.string().nullable().optional(),
  }),
  qos: null,
  audit: "cell.add",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input) {
    const id = await s.addCell({
      source: input.source,
      language: input.language,
      after: input.after,
    });
    return { cellId: id, state: s.state() };
  },
  auditWith: (_s, _input, out) => ({ details: { cellId: out.cellId } }),
});

/**
 * `cell.edit {sid, cellId, source, baseVersion?}`: replaces a cell's source. With `baseVersion`
 * (the cell's `version` the edit started from) a cell changed meanwhile answers 409 with the
 * current source and version in `error.details`.
 */
export const cellEdit = defineCommand({
  name: "cell.edit",
  description: "Replace a cell's source (baseVersion: refuse if the cell changed since)",
  scope: "notebook:write",
  input: z.object({ sid, cellId, source, baseVersion: z.string().max(64).optional() }),
  qos: null,
  audit: "cell.edit",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input) {
    await s.editCell(input.cellId, input.source, input.baseVersion);
    return s.state();
  },
  auditWith: (_s, input) => ({ details: { cellId: input.cellId } }),
});

/** `cell.delete {sid, cellId}`: removes a cell and its outputs. */
export const cellDelete = defineCommand({
  name: "cell.delete",
  description: "Delete a cell",
  scope: "notebook:write",
  input: z.object({ sid, cellId }),
  qos: null,
  audit: "cell.delete",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input) {
    await s.deleteCell(input.cellId);
    return s.state();
  },
  auditWith: (_s, input) => ({ details: { cellId: input.cellId } }),
});

/** `cell.reorder {sid, order}`: a new cell order listing every cell once. */
export const cellReorder = defineCommand({
  name: "cell.reorder",
  description: "Reorder cells; order lists every cell id once",
  scope: "notebook:write",
  input: z.object({ sid, order: z.array(z.string()).max(10_000) }),
  qos: null,
  audit: "cell.reorder",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input) {
    await s.reorder(input.order);
    return s.state();
  },
});

/**
 * `cell.execute {sid, cellId, mode?}`: runs a cell and the stale cells it needs. Each executed
 * cell is audited by the run path (`cell.execute`, with provenance and output hashes).
 */
export const cellExecute = defineCommand({
  name: "cell.execute",
  description:
    "Run a cell (and the stale upstream cells it needs; with on_change = autorun, then its stale dependents)",
  scope: "notebook:execute",
  input: z.object({ sid, cellId, mode }),
  qos: "interactive",
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    const run = await s.execute(input.cellId, input.mode, ctx.caller.identity.principal);
    return { run, state: s.state() };
  },
});

/** `notebook.run_all {sid, mode?}`: runs every code cell (cache hits where valid). */
export const notebookRunAll = defineCommand({
  name: "notebook.run_all",
  description: "Run every code cell (cache hits where valid)",
  scope: "notebook:execute",
  input: z.object({ sid, mode }),
  qos: "bulk",
  audit: null,
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    const run = await s.runAll(input.mode, ctx.caller.identity.principal);
    return { run, state: s.state() };
  },
});

/** `notebook.cancel {sid}`: cancels the run in progress. */
export const notebookCancel = defineCommand({
  name: "notebook.cancel",
  description: "Cancel the run in progress",
  scope: "notebook:execute",
  input: z.object({ sid }),
  qos: null,
  audit: "run.cancel",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  run: (s: NotebookSession) => s.cancel(),
  auditWith: (_s, _input, cancelled) => ({ details: { cancelled } }),
});

/** `env.update {sid, values}`: sets (or with null removes) environment values. */
export const envUpdate = defineCommand({
  name: "env.update",
  description: "Set or remove the notebook's environment values",
  scope: "notebook:write",
  input: z.object({
    sid,
    values: z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env keys are letters, digits and _"),
      z.string().nullable(),
    ),
    // Issue 13 item 6: per-key "keep as secret" (memory only, never on disk, hashed or echoed).
    secret: z.record(z.string(), z.boolean()).optional(),
  }),
  qos: null,
  audit: "env.update",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input) {
    await s.updateEnv(input.values, { secret: input.secret });
    return s.state();
  },
  // Key names only: values may be secrets.
  auditWith: (_s, input) => ({ details: { keys: Object.keys(input.values).sort() } }),
});

/** `secret_manager.config {sid, config}`: saves the secret manager config and fetches at once. */
export const secretManagerConfig = defineCommand({
  name: "secret_manager.config",
  description: "Save the notebook's secret manager config (null removes it) and fetch",
  scope: "notebook:write",
  input: z.object({ sid, config: z.record(z.string(), z.unknown()).nullable() }),
  qos: null,
  audit: "secret_manager.config",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, input, ctx) {
    let warnings: string[] = [];
    let config: SecretManagerConfig | null = null;
    if (input.config) {
      const parsed = parseSecretManagerConfig(input.config);
      if (!parsed.config) {
        throw new ValidationError(
          `Invalid secret manager config: ${"error" in parsed ? parsed.error : "unknown error"}`,
        );
      }
      config = parsed.config;
      warnings = parsed.warnings;
      await refuseDeniedConfig(s.scope.secrets, config, guardCaller(s, ctx, "config")); // issue 13 item 5
    }
    const changed = await s.setSecretManager(config);
    return { warnings, changed, provider: config?.provider ?? null, state: s.state() };
  },
  auditWith: (_s, _input, out) => ({ details: { provider: out.provider, changed: out.changed } }),
});

/** `secret_manager.refresh {sid}`: re-fetches secrets (rotated values apply to the next run). */
export const secretManagerRefresh = defineCommand({
  name: "secret_manager.refresh",
  description: "Re-fetch the notebook's secrets",
  scope: "notebook:write",
  input: z.object({ sid }),
  qos: null,
  audit: "secret_manager.refresh",
  resolve: (input, ctx) => sessionTarget(input.sid, ctx),
  async run(s: NotebookSession, _input, ctx) {
    const current = s.scope.secrets?.config;
    if (current) await refuseDeniedConfig(s.scope.secrets, current, guardCaller(s, ctx, "refresh")); // issue 13 item 5
    await s.refreshSecrets();
    return s.state();
  },
});

function guardCaller(s: NotebookSession, ctx: CommandContext, trigger: "config" | "refresh") {
  return {
    audit: ctx.deps.audit,
    tenantHash: ctx.caller.tenant.hash,
    actor: ctx.caller.identity.principal,
    resource: `notebooks/${s.scope.path}`,
    trigger,
  };
}
