/**
 * `strata plan <dir> --since <git ref>`: for CI on pull requests, which cells changed since the
 * notebook as committed at `ref` and would therefore run, and why (own source, environment or
 * an upstream cell). Reads the committed files with `git show` into a scratch folder and compares
 * each cell's provenance with the current one; nothing is run and nothing is written to the
 * notebook.
 */
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { parseManifest } from "../notebook/manifest.ts";
import type { NotebookModel } from "../session/cell_model.ts";
import type { Plan } from "./plan.ts";

/** Runs git on the repository holding `dir`; resolves to stdout, or throws naming git's reason. */
export type Git = (args: string[], dir: string) => Promise<string>;

/** The real git (the CLI grants `--allow-run=git` to this command only). */
export const runGit: Git = async (args, dir) => {
  let out: Deno.CommandOutput;
  try {
    // `-C dir` rather than a cwd: the scoped process may read the notebook folder, not the repo.
    out = await new Deno.Command("git", {
      args: ["-C", dir, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new ValidationError(`Cannot run git for --since: ${(err as Error).message}`);
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new ValidationError(`git ${args[0]} failed: ${why}`);
  }
  return new TextDecoder().decode(out.stdout);
};

/** Writes the notebook folder `dir` as committed at `ref` into `into` (notebook.toml and cells). */
export async function checkoutNotebookAt(
  git: Git,
  dir: string,
  ref: string,
  into: string,
): Promise<void> {
  if (!/^[\w./@^~{}-]{1,200}$/.test(ref) || ref.startsWith("-")) {
    throw new ValidationError(`Invalid git ref '${ref}'`);
  }
  // `<ref>:./file` is relative to the folder git runs in: the notebook's.
  const show = (file: string) => git(["show", `${ref}:./${file}`], dir);
  let manifestText: string;
  try {
    manifestText = await show("notebook.toml");
  } catch (err) {
    throw new ValidationError(
      `The notebook is not in git at '${ref}' (${(err as Error).message}): nothing to compare`,
    );
  }
  await Deno.mkdir(join(into, "cells"), { recursive: true });
  await Deno.writeTextFile(join(into, "notebook.toml"), manifestText);
  const manifest = parseManifest(manifestText);
  for (const cell of manifest.cells ?? []) {
    const file = String(cell.file);
    await Deno.writeTextFile(join(into, file), await show(file).catch(() => ""));
  }
}

/**
 * The plan against the committed notebook: a cell whose provenance is the same as at `ref`
 * would not run because of this change; the others would, with the first reason that applies.
 */
export function planSince(
  current: NotebookModel,
  committed: NotebookModel,
  ref: string,
  notebook: Plan["notebook"],
): Plan {
  const cells: Plan["cells"] = [];
  for (const id of current.dag.order) {
    const now = current.provenance.get(id)!;
    const then = committed.provenance.get(id);
    const name = current.byId.get(id)!.annotations.name ?? null;
    const base = { id, name, provenance: now.provenance };
    if (!then) cells.push({ ...base, action: "run", reason: `new since ${ref}` });
    else if (then.provenance === now.provenance) {
      cells.push({ ...base, action: "hit", reason: `unchanged since ${ref}` });
    } else if (then.sourceHash !== now.sourceHash) {
      cells.push({ ...base, action: "run", reason: `own source changed since ${ref}` });
    } else if (then.envHash !== now.envHash) {
      cells.push({ ...base, action: "run", reason: `environment changed since ${ref}` });
    } else {
      const label = (u: string) => current.byId.get(u)?.label ?? u;
      const changed = [...(current.dag.upstream.get(id) ?? [])].filter((u) =>
        current.provenance.get(u)?.provenance !== committed.provenance.get(u)?.provenance
      );
      cells.push({
        ...base,
        action: "run",
        reason: `upstream changed since ${ref}: ${changed.map(label).join(", ") || "an input"}`,
      });
    }
  }
  const run = cells.filter((c) => c.action === "run").length;
  return { notebook, cells, run, hits: cells.length - run } as Plan;
}
