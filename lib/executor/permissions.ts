/**
 * Deno permission flags for a cell's child process. Pure: a spec in, a canonical sorted flag
 * list out. Read covers the notebook folder, the cell's extra read paths and the child's scratch
 * folder; write covers the scratch folder only; net, env, sys, run, ffi appear only when granted
 * (the server decides what a cell gets: lib/sandbox/decide.ts). Imports are always explicit:
 * without a grant no remote module loads (Deno's own default list of hosts is replaced), and
 * `npm:` packages come only from the module cache (`--cached-only`) unless the npm registry is
 * an allowed import host.
 */

import { isAbsolute, normalize, relative, resolve } from "node:path";
import { ValidationError } from "../errors.ts";

/** A grant: `true` for everything of that kind, or a list of names (hosts, env keys, ...). */
export type Grant = true | string[];

/** What a cell may do. Paths may be relative to `notebookDir`. */
export interface PermissionSpec {
  /** Absolute path of the notebook folder (always readable). */
  notebookDir: string;
  /** Extra readable paths (cell inputs, `@allow read=`). */
  read?: string[];
  /** Extra writable paths (`@allow write=`); the scratch folder is always writable. */
  write?: string[];
  net?: Grant;
  env?: Grant;
  sys?: Grant;
  run?: Grant;
  ffi?: Grant;
  /**
   * Hosts remote modules may be imported from; none when absent. `npm:` packages download only
   * when this includes NPM_REGISTRY_HOST (else `--cached-only`).
   */
  import?: Grant;
}

/** Where the child's per-job folders are. */
export interface PermissionContext {
  /** The child's scratch folder (read + write). */
  scratchDir: string;
}

const NAME_KINDS = ["net", "env", "sys", "run", "ffi", "import"] as const;
/** The host `npm:` packages download from; allowing it as an import host allows npm downloads. */
export const NPM_REGISTRY_HOST = "registry.npmjs.org";
/**
 * Import host meaning "none": `--allow-import` needs a value, and without the flag Deno allows
 * its default hosts (deno.land, jsr.io, esm.sh, ...). `.invalid` names never resolve (RFC 2606).
 */
export const NO_IMPORT_HOST = "no-remote-imports.invalid";
const NET_RE = /^[A-Za-z0-9.\-:\[\]*_]+$/;
const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;
const SYS_RE = /^[A-Za-z]+$/;

/** Deno CLI flags for a child running cells under `spec`, sorted and de-duplicated. */
export function buildPermissionFlags(spec: PermissionSpec, ctx: PermissionContext): string[] {
  const c = canonicalize(spec);
  const scratch = absolutePath(ctx.scratchDir, c.notebookDir, "scratch");
  const flags = [
    `--allow-read=${uniqueSorted([c.notebookDir, ...c.read, scratch]).join(",")}`,
    `--allow-write=${uniqueSorted([...c.write, scratch]).join(",")}`,
  ];
  for (const kind of NAME_KINDS) {
    const g = c[kind];
    if (g === true) flags.push(`--allow-${kind}`);
    else if (g.length > 0) flags.push(`--allow-${kind}=${g.join(",")}`);
    else if (kind === "import") flags.push(`--allow-import=${NO_IMPORT_HOST}`);
  }
  if (c.import !== true && !c.import.includes(NPM_REGISTRY_HOST)) flags.push("--cached-only");
  return flags.sort();
}

/**
 * A stable string naming the permission set, for cache keys. Paths inside the notebook folder
 * are written relative to it (`.`, `./data`), so the key survives moving the notebook.
 */
export function permissionKey(spec: PermissionSpec): string {
  const c = canonicalize(spec);
  const rel = (p: string) => {
    const r = relative(c.notebookDir, p);
    if (r === "") return ".";
    return r.startsWith("..") || isAbsolute(r) ? p : `./${r}`;
  };
  const parts = [`read=${uniqueSorted(c.read.map(rel)).join(",")}`];
  parts.push(`write=${uniqueSorted(c.write.map(rel)).join(",")}`);
  for (const kind of NAME_KINDS) {
    const g = c[kind];
    parts.push(`${kind}=${g === true ? "*" : g.join(",")}`);
  }
  return parts.join(";");
}

/** A key for children that may serve `spec`: permissionKey plus the absolute notebook folder. */
export function childKey(spec: PermissionSpec): string {
  return `${canonicalize(spec).notebookDir}|${permissionKey(spec)}`;
}

interface Canonical {
  notebookDir: string;
  read: string[];
  write: string[];
  net: Grant;
  env: Grant;
  sys: Grant;
  run: Grant;
  ffi: Grant;
  import: Grant;
}

function canonicalize(spec: PermissionSpec): Canonical {
  if (!spec.notebookDir || !isAbsolute(spec.notebookDir)) {
    throw new ValidationError(
      `Cannot build permissions: notebookDir '${spec.notebookDir}' is not an absolute path`,
    );
  }
  const notebookDir = absolutePath(spec.notebookDir, "/", "notebookDir");
  const paths = (list: string[] | undefined, what: string) =>
    uniqueSorted((list ?? []).map((p) => absolutePath(p, notebookDir, what)));
  return {
    notebookDir,
    read: paths(spec.read, "read"),
    write: paths(spec.write, "write"),
    net: names(spec.net, NET_RE, "net"),
    env: names(spec.env, ENV_RE, "env"),
    sys: names(spec.sys, SYS_RE, "sys"),
    run: names(spec.run, /^[^,\s]+$/, "run"),
    ffi: names(spec.ffi, /^[^,]+$/, "ffi"),
    import: names(spec.import, NET_RE, "import"),
  };
}

function absolutePath(p: string, base: string, what: string): string {
  if (p === "" || p.includes(",") || p.includes("\0")) {
    throw new ValidationError(`Cannot grant ${what} path '${p}': empty or contains ',' or NUL`);
  }
  const abs = normalize(resolve(base, p));
  return abs.length > 1 && abs.endsWith("/") ? abs.slice(0, -1) : abs;
}

function names(grant: Grant | undefined, re: RegExp, kind: string): Grant {
  if (grant === true) return true;
  const list = (grant ?? []).map((n) => n.trim()).filter((n) => n !== "");
  for (const n of list) {
    if (n === "*") return true;
    if (!re.test(n)) throw new ValidationError(`Cannot grant ${kind} '${n}': not a valid name`);
  }
  return uniqueSorted(list);
}

function uniqueSorted(list: string[]): string[] {
  return [...new Set(list)].sort();
}
