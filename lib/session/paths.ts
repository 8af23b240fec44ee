/** Notebook paths are confined to the notebook root: no `..`, no absolute escapes, no symlink escapes. */
import { dirname, isAbsolute, join, normalize, relative, resolve } from "node:path";
import { ConflictError, ForbiddenError, ValidationError } from "../errors.ts";

/**
 * Resolves a user-supplied notebook path (relative to `root`, or absolute inside it) to an
 * absolute path, refusing anything that lands outside `root`, also through symlinks.
 */
export async function resolveNotebookPath(root: string, userPath: string): Promise<string> {
  if (typeof userPath !== "string" || userPath.trim() === "") {
    throw new ValidationError("Notebook path must be a non-empty string");
  }
  if (userPath.includes("\0")) throw new ValidationError("Notebook path must not contain NUL");
  for (const segment of userPath.split("/")) {
    const bytes = new TextEncoder().encode(segment).length;
    if (bytes > 255) {
      throw new ValidationError(
        `Notebook path segment '${segment.slice(0, 24)}…' is ${bytes} bytes; the limit is 255`,
      );
    }
  }
  const rootReal = await Deno.realPath(root);
  const candidate = isAbsolute(userPath) ? normalize(userPath) : resolve(rootReal, userPath);
  const lexical = isAbsolute(userPath) ? resolve(candidate) : candidate;
  if (!inside(rootReal, lexical) && !inside(resolve(root), lexical)) {
    throw outside(userPath);
  }
  // Resolve symlinks on the longest existing prefix; whatever does not exist yet cannot escape.
  const relToRoot = inside(rootReal, lexical)
    ? relative(rootReal, lexical)
    : relative(resolve(root), lexical);
  let existing = rootReal;
  const parts = relToRoot.split("/").filter(Boolean);
  let i = 0;
  for (; i < parts.length; i++) {
    const next = join(existing, parts[i]);
    try {
      existing = await Deno.realPath(next);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) break;
      throw err;
    }
    if (!inside(rootReal, existing)) throw outside(userPath);
  }
  return join(existing, ...parts.slice(i));
}

/**
 * Refuses a notebook folder whose cells could read other notebooks: the notebook root itself
 * (path "."), a folder inside another notebook, or a folder that contains one. `abs` comes from
 * resolveNotebookPath. Nested notebooks are found by walking `abs` (without following links).
 */
export async function assertNotebookPlace(root: string, abs: string): Promise<void> {
  const rootReal = await Deno.realPath(root);
  assertNotRoot(rootReal, abs);
  if (await isNotebook(abs)) {
    throw new ConflictError(
      `Cannot create notebook '${displayPath(rootReal, abs)}': it already is a notebook`,
    );
  }
  for (let dir = dirname(abs); inside(rootReal, dir); dir = dirname(dir)) {
    if (await isNotebook(dir)) {
      throw new ConflictError(
        `Cannot create notebook '${displayPath(rootReal, abs)}': it is inside notebook '${
          displayPath(rootReal, dir)
        }'`,
      );
    }
    if (dir === rootReal) break;
  }
  const nested = await findNotebookBelow(abs);
  if (nested) {
    throw new ConflictError(
      `Cannot create notebook '${displayPath(rootReal, abs)}': it contains notebook '${
        displayPath(rootReal, nested)
      }'`,
    );
  }
}

/** Refuses the notebook root itself as a notebook folder (its cells could read every notebook). */
export function assertNotRoot(rootReal: string, abs: string): void {
  if (relative(rootReal, abs) === "") {
    throw new ValidationError(
      "Cannot use the notebook root ('.') as a notebook: its cells could read every notebook; choose a folder name",
    );
  }
}

async function isNotebook(dir: string): Promise<boolean> {
  try {
    return (await Deno.lstat(join(dir, "notebook.toml"))).isFile;
  } catch {
    return false;
  }
}

async function findNotebookBelow(dir: string): Promise<string | null> {
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    try {
      for await (const e of Deno.readDir(d)) {
        if (!e.isDirectory || e.name === ".strata" || e.name === "cells") continue;
        const p = join(d, e.name);
        if (await isNotebook(p)) return p;
        stack.push(p);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return null;
}

/** The path of a notebook relative to the root, as shown to users. */
export function displayPath(root: string, abs: string): string {
  return relative(root, abs) || ".";
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function outside(userPath: string): ForbiddenError {
  return new ForbiddenError(
    `Cannot use notebook path '${userPath}': it is outside the notebook directory`,
  );
}

/**
 * The folder name of a notebook created without a path: its name, lowercased, runs of anything
 * but a-z0-9 as one "-", at most 60 characters ("notebook" when nothing is left).
 */
export function notebookSlug(name: string): string {
  const s = name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return s || "notebook";
}
