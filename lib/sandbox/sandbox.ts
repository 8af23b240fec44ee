/**
 * The sandbox of a server: its settings (mode, policy, protected folders, listen address) and,
 * in personal mode, the approval key. Sessions and transforms ask it for a notebook's
 * SandboxInput (ceiling + approvals + symlink escapes) before building their model.
 *
 * @example
 * ```ts
 * const sandbox = await createSandbox(config);
 * const input = await sandbox.inputFor({ tenantId, principal, notebookDir, notebookEnv });
 * const model = buildModel({ ...rest, sandbox: input });
 * ```
 */
import { isAbsolute, normalize, resolve } from "node:path";
import type { Config } from "../config/resolve.ts";
import { addApprovals, type ApprovalKey, loadApprovalKey, readApprovals } from "./approvals.ts";
import type { SandboxInput } from "./cell_grants.ts";
import { ceilingFor, type CeilingScope, type SandboxSettings } from "./policy.ts";
import { findSymlinkEscapes } from "./symlinks.ts";

/** A server's sandbox. */
export interface Sandbox {
  readonly settings: SandboxSettings;
  /** The ceiling, approvals and symlink escapes for one notebook and caller. */
  inputFor(scope: CeilingScope): Promise<SandboxInput>;
  /** Personal mode: records approvals of grant texts; returns every approved grant. */
  approve(
    notebookDir: string,
    grants: readonly string[],
    options: { by: string | null; now: Date },
  ): Promise<Set<string>>;
}

/** The settings a config implies. */
export function sandboxSettings(config: Config): SandboxSettings {
  const abs = (p: string) => {
    const n = normalize(isAbsolute(p) ? p : resolve(p));
    return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
  };
  const protectedPaths = [config.dataDir, config.notebookStorageDir, config.artifactDir]
    .filter((p): p is string => typeof p === "string").map(abs);
  return {
    mode: config.deploymentMode,
    policy: config.sandbox,
    protectedPaths: [...new Set(protectedPaths)],
    listen: { host: config.host, port: config.port },
  };
}

/** Builds the sandbox for a config (reads or creates the approval key in personal mode). */
export async function createSandbox(config: Config): Promise<Sandbox> {
  const settings = sandboxSettings(config);
  let key: ApprovalKey | undefined;
  if (settings.mode === "personal") {
    await Deno.mkdir(config.dataDir, { recursive: true });
    key = await loadApprovalKey(config.dataDir);
  }
  return sandboxFrom(settings, key);
}

/** A sandbox from settings and (personal mode) an approval key; for tests and tools. */
export function sandboxFrom(settings: SandboxSettings, key?: ApprovalKey): Sandbox {
  return {
    settings,
    async inputFor(scope) {
      const [approved, escapes] = await Promise.all([
        key ? readApprovals(scope.notebookDir, key) : Promise.resolve(new Set<string>()),
        findSymlinkEscapes(scope.notebookDir),
      ]);
      return { ceiling: ceilingFor(settings, scope), approved, escapes };
    },
    async approve(notebookDir, grants, options) {
      if (!key) throw new Error("Grant approvals exist in personal mode only");
      return await addApprovals(notebookDir, key, grants, options);
    },
  };
}
