/** Operator commands: audit verify, gc, migrate, jobs run. They share the server's database and blobs. */
import { referencedProvenances } from "../session/referenced.ts";
import { auditVerifyCommand, type CommandResult } from "../audit/commands.ts";
import { migrate, migrationStatus } from "../db/migrate.ts";
import { ensurePartitions } from "../jobs/partitions.ts";
import { gcCommand, jobsRunCommand } from "../jobs/commands.ts";
import { JOB_NAMES } from "../jobs/job.ts";
import { type JobsDeps, jobsOptions } from "../jobs/schedule.ts";
import { deleteOldConsoleLogs } from "../session/console_logs.ts";
import { tenantHash } from "../tenancy/tenant_id.ts";
import type { CommandContext } from "./_context.ts";
import type { Command } from "./command.ts";

/** `strata audit verify [--tenant ID]`: walks the whole hash chain; exit 1 names the first broken row. */
export const auditVerify: Command = {
  name: "audit verify",
  usage: "strata audit verify [--tenant ID]",
  summary: "verify the audit hash chain (exit 1 when broken)",
  positionals: [],
  options: { tenant: { type: "string" } },
  async run(args, ctx) {
    const s = await ctx.services();
    const tenant = typeof args.values.tenant === "string"
      ? await tenantHash(args.values.tenant)
      : undefined;
    return print(await auditVerifyCommand(s.db, s.auditKeyring, { tenantHash: tenant }));
  },
};

/** `strata gc [--dry-run]`: collects unreferenced artifacts now. */
export const gc: Command = {
  name: "gc",
  usage: "strata gc [--dry-run]",
  summary: "collect unreferenced artifacts (--dry-run: only report)",
  positionals: [],
  options: { "dry-run": { type: "boolean" } },
  async run(args, ctx) {
    return print(await gcCommand(await jobsDeps(ctx), { dryRun: args.values["dry-run"] === true }));
  },
};

/** `strata migrate`: applies pending migrations (idempotent). */
export const migrateCommand: Command = {
  name: "migrate",
  usage: "strata migrate",
  summary: "apply pending database migrations",
  positionals: [],
  options: {},
  async run(_args, ctx) {
    // Opening the services migrates when auto_migrate is on; migrate() covers the case it is
    // off. Both take the same lock the server takes.
    const s = await ctx.services();
    const applied = [...s.migrated, ...(await migrate(s.db, { log: ctx.log })).applied];
    if (s.db.kind === "postgres") await ensurePartitions(s.db, { now: new Date() });
    const status = await migrationStatus(s.db);
    console.log(
      applied.length > 0
        ? `applied ${applied.join(", ")}; database at version ${status.current}`
        : `database up to date at version ${status.current}`,
    );
    return 0;
  },
};

/** `strata jobs run <name>`: runs one job now, recorded like a scheduled run. */
export const jobsRun: Command = {
  name: "jobs run",
  usage: `strata jobs run <name>   (${JOB_NAMES.join(" | ")})`,
  summary: "run a scheduled job now (from an external scheduler)",
  positionals: ["name"],
  options: {},
  async run(args, ctx) {
    return print(await jobsRunCommand(await jobsDeps(ctx), args.positionals[0]));
  },
};

async function jobsDeps(ctx: CommandContext): Promise<JobsDeps> {
  const s = await ctx.services();
  // No notebook is open in a CLI process, so "still used" means: named by the last run of a
  // cell in some notebook under the notebook root (its .strata/runtime.json).
  const used = await referencedProvenances(ctx.config.notebookStorageDir);
  return {
    db: s.db,
    blobStore: s.blobs,
    options: jobsOptions(ctx.config),
    log: ctx.log.child({ component: "jobs" }),
    deleteConsoleLogs: (olderThan) =>
      deleteOldConsoleLogs(ctx.config.notebookStorageDir, olderThan),
    isReferenced: (a) => used.has(a.provenanceHash),
  };
}

function print(result: CommandResult): number {
  if (result.exitCode === 0) console.log(result.text);
  else console.error(result.text);
  return result.exitCode;
}
