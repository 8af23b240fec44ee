/**
 * Share and check commands: `strata export` (html, ipynb, script), `strata import` (Jupyter
 * notebooks), `strata plan` (what a run would do) and `strata verify` (do outputs reproduce).
 */
import { basename, dirname, join } from "node:path";
import { EXPORT_FORMATS, type ExportFormat, exportNotebook } from "../export/export.ts";
import { duplicateText, importIpynb } from "../export/import_ipynb.ts";
import { planNotebook, planText } from "../export/plan.ts";
import { checkoutNotebookAt, planSince, runGit } from "../export/plan_since.ts";
import { verifyNotebook, verifyText } from "../export/verify.ts";
import { receiptsText, verifyReceipts } from "../export/verify_receipts.ts";
import { NotFoundError } from "../errors.ts";
import { UsageError } from "./_args.ts";
import type { Command } from "./command.ts";

/** `strata export <dir> --format html|ipynb|script [-o FILE] [--no-code]`. */
export const exportCommand: Command = {
  name: "export",
  usage: "strata export <dir> --format html|ipynb|script [-o FILE] [--no-code]",
  summary: "write the notebook as one HTML report (with receipts), a Jupyter notebook or a script",
  positionals: ["dir"],
  options: {
    format: { type: "string", choices: EXPORT_FORMATS },
    out: { type: "string", short: "o" },
    "no-code": { type: "boolean" },
  },
  dirArg: 0,
  fileArgs: { options: ["out"] },
  async run(args, ctx) {
    const format = args.values.format as ExportFormat | undefined;
    if (!format) throw new UsageError("give the format with --format html|ipynb|script");
    if (args.values["no-code"] && format !== "html") {
      throw new UsageError("--no-code applies to --format html only");
    }
    const out = typeof args.values.out === "string" ? args.values.out : undefined;
    const dir = args.positionals[0];
    const session = await ctx.openNotebook(dir);
    const services = await ctx.services();
    const file = await exportNotebook(
      session,
      { db: services.db, denoVersion: Deno.version.deno },
      {
        format,
        code: !args.values["no-code"],
        notebookDir: dir,
        fileName: out ? basename(out) : undefined,
      },
    );
    await services.audit.record({
      tenantHash: (await ctx.tenant()).hash,
      actor: null,
      action: "notebook.export",
      resource: `notebooks/${await ctx.notebookPath(dir)}`,
      details: { format, code: !args.values["no-code"], via: "cli" },
    });
    if (out === undefined) {
      await Deno.stdout.write(new TextEncoder().encode(file.text));
      return 0;
    }
    await writeAtomic(out, file.text);
    console.error(`wrote ${out} (${format}, ${new TextEncoder().encode(file.text).length} bytes)`);
    return 0;
  },
};

/** `strata import <file.ipynb> <dir> [--name N]`. */
export const importCommand: Command = {
  name: "import",
  usage: "strata import <notebook.ipynb> <dir> [--name N] [--format text|json]",
  summary: "create a notebook folder from a TypeScript/JavaScript Jupyter notebook",
  positionals: ["file", "dir"],
  options: {
    name: { type: "string" },
    format: { type: "string", choices: ["text", "json"] },
  },
  fileArgs: { positionals: [0, 1] },
  async run(args, ctx) {
    const [file, dir] = args.positionals;
    const report = await importIpynb(file, dir, {
      name: typeof args.values.name === "string" ? args.values.name : undefined,
    });
    await (await ctx.services()).audit.record({
      tenantHash: (await ctx.tenant()).hash,
      actor: null,
      action: "notebook.import",
      resource: `notebooks/${await ctx.notebookPath(report.dir)}`,
      details: { cells: report.cells.length, duplicates: report.duplicates.length, via: "cli" },
    });
    if (args.values.format === "json") {
      console.log(JSON.stringify({
        ...report,
        duplicates: report.duplicates.map((d) => ({ ...d, message: duplicateText(d) })),
      }));
      return 0;
    }
    console.log(
      `imported ${report.cells.length} cell(s) from ${basename(file)} into ${report.dir}`,
    );
    for (const s of report.skipped) console.log(`  skipped cell ${s.index}: ${s.reason}`);
    for (const d of report.duplicates) console.log(`  warning: ${duplicateText(d)}`);
    return 0;
  },
};

const FORMAT = { type: "string", choices: ["text", "json"] } as const;

/** `strata plan <dir>`: which cells a run would execute and which are cache hits, and why. */
export const planCommand: Command = {
  name: "plan",
  usage: "strata plan <dir> [--since <git ref>] [--format text|json]",
  summary: "show what a run would execute and what would be a cache hit, without running " +
    "(--since: what changed since a git ref)",
  positionals: ["dir"],
  options: { format: FORMAT, since: { type: "string" } },
  dirArg: 0,
  runs: { programs: ["git"], when: (args) => typeof args.values.since === "string" },
  async run(args, ctx) {
    const session = await ctx.openNotebook(args.positionals[0]);
    let plan;
    if (typeof args.values.since === "string") {
      // The notebook as committed at the ref, in a scratch folder of the data directory.
      const scratch = await Deno.makeTempDir({ dir: ctx.config.dataDir, prefix: "plan-since-" });
      try {
        await checkoutNotebookAt(runGit, args.positionals[0], args.values.since, scratch);
        const committed = await ctx.openNotebook(scratch);
        plan = planSince(session.model, committed.model, args.values.since, {
          name: session.notebook.manifest.name,
          path: session.scope.path,
        });
      } finally {
        await Deno.remove(scratch, { recursive: true }).catch(() => {});
      }
    } else {
      const services = await ctx.services();
      plan = await planNotebook(session, { db: services.db, blobs: services.blobs });
    }
    console.log(args.values.format === "json" ? JSON.stringify(plan) : planText(plan));
    return 0;
  },
};

/**
 * `strata verify <dir>`: re-runs every cell from scratch and compares with the stored outputs.
 * `strata verify <report.html|notebook.ipynb>`: checks an exported file's receipts.
 */
export const verifyCommand: Command = {
  name: "verify",
  usage: "strata verify <dir | report.html | notebook.ipynb> [--format text|json]",
  summary: "re-run every cell without the cache and compare with the stored outputs " +
    "(or check an exported file's receipts against the store)",
  positionals: ["dir"],
  options: { format: FORMAT },
  dirArg: 0,
  async run(args, ctx) {
    const dir = args.positionals[0];
    if ((await Deno.stat(dir).catch(() => null))?.isFile) {
      const services = await ctx.services();
      const text = await Deno.readTextFile(dir);
      const report = await verifyReceipts(services.db, (await ctx.tenant()).hash, text, dir);
      console.log(args.values.format === "json" ? JSON.stringify(report) : receiptsText(report));
      return report.ok ? 0 : 1;
    }
    const session = await ctx.openNotebook(dir);
    const services = await ctx.services();
    const report = await verifyNotebook(session, {
      db: services.db,
      blobs: services.blobs,
      executor: services.executor,
      memoryMb: ctx.config.executor.memoryMb,
      defaultTimeoutSeconds: ctx.config.executor.timeoutSeconds,
    });
    await services.audit.record({
      tenantHash: (await ctx.tenant()).hash,
      actor: null,
      action: "notebook.verify",
      resource: `notebooks/${await ctx.notebookPath(dir)}`,
      details: { ok: report.ok, via: "cli" },
    });
    console.log(args.values.format === "json" ? JSON.stringify(report) : verifyText(report));
    return report.ok ? 0 : 1;
  },
};

async function writeAtomic(path: string, text: string): Promise<void> {
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0].toString(16);
  const tmp = join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    if (err instanceof Deno.errors.NotFound) {
      throw new NotFoundError(`Cannot write '${path}': folder '${dirname(path)}' does not exist`);
    }
    throw err;
  }
}
