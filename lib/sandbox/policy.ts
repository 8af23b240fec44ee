/**
 * Operator sandbox policy (`[sandbox]` in strata.toml, JSON in STRATA_SANDBOX) and the ceiling it
 * gives a cell of one notebook, tenant and principal. The base lists apply to every tenant cell;
 * each `[[sandbox.rules]]` entry adds its lists for the tenants and principals its globs match.
 */
import { z } from "zod";
import type { Ceiling } from "./decide.ts";

const HOST = /^(\*\.)?[A-Za-z0-9*_.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const ENV_GLOB = /^[A-Za-z_*][A-Za-z0-9_*]*$/;

/**
 * The `[sandbox]` table, validated. Built on first use (`z.lazy`, issue 20): a start without a
 * `[sandbox]` table builds none of it, in the launcher or the server.
 */
export const SandboxPolicySchema = z.lazy(() => {
  const hosts = z.array(
    z.string().regex(HOST, "must be host[:port] (a leading *. matches subdomains)"),
  );
  const paths = z.array(
    z.string().regex(/^\/[^,\0]*$/, "must be an absolute path without ',' or NUL"),
  );
  const lists = {
    /** Hosts (globs, optional port) tenant cells may ask for with `@allow net=`. */
    net: hosts.optional(),
    /** Env key globs tenant cells may ask for with `@allow env=`. */
    env: z.array(z.string().regex(ENV_GLOB, "must be an env key or key glob")).optional(),
    /** Absolute folders tenant cells may ask to read. */
    read: paths.optional(),
    /** Absolute folders tenant cells may ask to write (and read). */
    write: paths.optional(),
    /** Import hosts: exact hosts are given to every cell; globs may be asked for. */
    import: hosts.optional(),
  };
  return z.object({
    ...lists,
    rules: z.array(
      z.object({
        /** Tenant id glob. @default "*" */
        tenant: z.string().min(1).optional(),
        /** Principal glob. @default "*" */
        principal: z.string().min(1).optional(),
        ...lists,
      }).strict(),
    ).optional(),
  }).strict();
});

/** A validated `[sandbox]` table. */
export type SandboxPolicy = z.output<typeof SandboxPolicySchema>;

/** Import hosts of personal mode when `[sandbox] import` is not set: npm, JSR and deno.land. */
export const PERSONAL_DEFAULT_IMPORTS = ["registry.npmjs.org", "jsr.io", "deno.land"] as const;

/** The server facts a ceiling needs besides the policy. */
export interface SandboxSettings {
  mode: "personal" | "service";
  policy: SandboxPolicy;
  /** Folders never granted in service mode (data dir, artifact dir, notebook root). */
  protectedPaths: readonly string[];
  listen: { host: string; port: number };
}

/** Who runs what: the ceiling's inputs besides the settings. */
export interface CeilingScope {
  tenantId: string;
  /** null: the tenant-wide ceiling (only rules whose principal glob is `*` apply). */
  principal: string | null;
  notebookDir: string;
  notebookEnv: readonly string[];
}

/** The ceiling for a cell of `scope.notebookDir` run by `scope.principal` of `scope.tenantId`. */
export function ceilingFor(settings: SandboxSettings, scope: CeilingScope): Ceiling {
  const { policy } = settings;
  const matching = (policy.rules ?? []).filter((r) =>
    globMatchAll(r.tenant ?? "*", scope.tenantId) &&
    globMatchAll(r.principal ?? "*", scope.principal ?? "")
  );
  const gather = (key: "net" | "env" | "read" | "write" | "import"): string[] => [
    ...new Set([...(policy[key] ?? []), ...matching.flatMap((r) => r[key] ?? [])]),
  ];
  const imports = gather("import");
  const personal = settings.mode === "personal";
  return {
    mode: settings.mode,
    notebookDir: scope.notebookDir,
    notebookEnv: scope.notebookEnv,
    read: gather("read"),
    write: gather("write"),
    net: gather("net"),
    env: gather("env"),
    import: imports,
    protectedPaths: settings.protectedPaths,
    listen: settings.listen,
    defaultImports: personal && policy.import === undefined
      ? [...PERSONAL_DEFAULT_IMPORTS]
      : imports.filter((h) => !h.includes("*")),
  };
}

/** Whole-value glob where `*` matches any run of characters (tenant ids and principals). */
function globMatchAll(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`,
  );
  return re.test(value);
}
