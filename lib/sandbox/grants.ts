/**
 * Grants: one permission a cell asks for (`@allow net=api.example.com` is one grant per host).
 * A canonical text form (`net=api.example.com`, `read=/srv/data`, `run`) names a grant in
 * diagnostics, approvals and the state.
 */
import type { CellPermissions } from "../notebook/annotations.ts";

/** The kinds of Deno permission a cell can ask for. */
export type GrantKind = "read" | "write" | "net" | "env" | "run" | "sys" | "ffi" | "import";

/** Every grant kind, in display order. */
export const GRANT_KINDS: readonly GrantKind[] = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "sys",
  "ffi",
  "import",
];

/**
 * One grant. `value` is `*` for everything of that kind (`@allow run`); paths are absolute and
 * normalized; hosts and env keys are as written (hosts lowercased).
 */
export interface Grant {
  kind: GrantKind;
  value: string;
  /** The value as the cell wrote it (messages echo this, never a resolved server path). */
  as?: string;
}

/** The canonical text of a grant: `net=a.com`, `read=/srv/x`, or the bare kind for `*`. */
export function grantText(g: Grant): string {
  return g.value === "*" ? g.kind : `${g.kind}=${g.value}`;
}

/** The grant as the cell wrote it (`read=../data`, bare `read`), for messages to its author. */
export function writtenText(g: Grant): string {
  if (g.as === undefined) return grantText(g);
  return g.as === "*" ? g.kind : `${g.kind}=${g.as}`;
}

/**
 * The grants a cell's `@allow` lines ask for. Relative paths resolve against the notebook folder;
 * `read=*` (or a bare `@allow read`) asks for the whole file system (`/`).
 */
export function requestedGrants(allow: Partial<CellPermissions>, notebookDir: string): Grant[] {
  const out = new Map<string, Grant>();
  for (const kind of GRANT_KINDS) {
    for (const raw of (allow as Record<string, string[] | undefined>)[kind] ?? []) {
      const g = normalizeGrant(kind, raw, notebookDir);
      if (g) out.set(grantText(g), g);
    }
  }
  return [...out.values()].sort(compareGrants);
}

/** Sort order of grants: by kind (GRANT_KINDS order), then value. */
export function compareGrants(a: Grant, b: Grant): number {
  const k = GRANT_KINDS.indexOf(a.kind) - GRANT_KINDS.indexOf(b.kind);
  return k !== 0 ? k : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

function normalizeGrant(kind: GrantKind, raw: string, notebookDir: string): Grant | null {
  const v = raw.trim();
  if (v === "") return null;
  if (v === "*") return { kind, value: kind === "read" || kind === "write" ? "/" : "*", as: v };
  if (kind === "read" || kind === "write") {
    return { kind, value: absolutePath(v, notebookDir), as: v };
  }
  if (kind === "net" || kind === "import") return { kind, value: v.toLowerCase(), as: v };
  return { kind, value: v, as: v };
}

/**
 * An absolute, normalized path without a trailing slash: `p` if absolute, else `p` resolved
 * against `base` (and a relative `base` against the working folder), `.` and `..` segments
 * applied. POSIX, as `node:path`'s `normalize`/`resolve` compute it (grants_test.ts compares
 * them); done on strings so the launcher, which reaches this module through the sandbox policy,
 * does not load `node:path` (≈15–20 ms of CPU and ≈2.5 MiB).
 */
export function absolutePath(p: string, base: string): string {
  let joined = p;
  if (!p.startsWith("/")) {
    if (base !== "") joined = p === "" ? base : `${base}/${p}`;
    if (!joined.startsWith("/")) joined = `${Deno.cwd()}/${joined}`;
  }
  const segments: string[] = [];
  for (const segment of joined.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/** True when `p` is `dir` or inside it (both absolute and normalized). */
export function isWithin(p: string, dir: string): boolean {
  return p === dir || dir === "/" || p.startsWith(dir + "/");
}

/** Splits `host[:port]` (IPv6 in brackets); port is undefined when absent. */
export function splitHost(value: string): { host: string; port?: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return { host: value };
  return { host: m[1], port: m[2] };
}
