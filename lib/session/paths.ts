/** Notebook paths are confined to the notebook root: no `..`, no absolute escapes, no symlink escapes. */
import { isAbsolute, join, normalize, relative, resolve } from "node:path";
import { ForbiddenError, ValidationError } from "../errors.ts";

/**
 * Resolves a user-supplied notebook path (relative to `root`, or absolute inside it) to an
 * absolute path, refusing anything that lands outside `root`, also through symlinks.
 */
export async function resolveNotebookPath(root: string, userPath: string): Promise<string> {
  if (typeof userPath !== "string" || userPath.trim() === "") {
    throw new ValidationError("Notebook path must be a non-empty string");
  }
  if (userPath.includes("\0")) throw new ValidationError("Notebook path must not contain NUL");
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
