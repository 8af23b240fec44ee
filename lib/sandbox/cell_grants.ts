/**
 * One cell's permissions as the server decides them: its `@allow` request (plus reads through
 * escaping symlinks) against the ceiling, the approvals of personal mode, the child's permission
 * spec and the set that goes into the env hash. Pure.
 */
import { relative } from "node:path";
import type { CellDiagnostic } from "../notebook/analyzer.ts";
import { type CellPermissions, emptyPermissions } from "../notebook/annotations.ts";
import type { Grant as SpecGrant, PermissionSpec } from "../executor/permissions.ts";
import { type Ceiling, decide, needsApproval, type Refusal } from "./decide.ts";
import { type Grant, grantText, isWithin, requestedGrants } from "./grants.ts";
import type { SymlinkEscape } from "./symlinks.ts";

/** The sandbox inputs of a model build; absent, every request is granted as asked. */
export interface SandboxInput {
  ceiling: Ceiling;
  /** Approved grant texts (personal mode, from `.strata/approvals.json`). */
  approved: ReadonlySet<string>;
  /** Symlinks inside the notebook folder that resolve outside it. */
  escapes?: readonly SymlinkEscape[];
}

/** What the sandbox decided for a cell. */
export interface CellGrants {
  /** The requested grants (canonical texts). */
  requested: string[];
  refused: Refusal[];
  /** Personal mode: requested grants waiting for the owner's approval. */
  awaitingApproval: string[];
  /** Why the cell may not run, or null. */
  blocked: string | null;
  diagnostics: CellDiagnostic[];
  /** The child's permissions (effective grants plus the defaults). */
  permissions: PermissionSpec;
  /** The effective grants in annotation shape, for the env hash (notebook-relative paths). */
  hashed: CellPermissions;
}

/** Inputs of cellGrants. */
export interface CellGrantsInput {
  notebookDir: string;
  allow: CellPermissions;
  /** Env keys granted without asking: the notebook's own keys and the keys the cell reads. */
  implicitEnv: readonly string[];
  sandbox?: SandboxInput;
}

/** Decides a cell's permissions. */
export function cellGrants(input: CellGrantsInput): CellGrants {
  const { notebookDir, sandbox } = input;
  const requested = requestedGrants(input.allow, notebookDir);
  const escapes = sandbox?.escapes ?? [];
  const escapeGrants: Grant[] = escapes.map((e) => ({ kind: "read", value: e.target }));
  const all = [...requested, ...escapeGrants.filter((g) => !covered(g, requested))];
  // The keys the cell gets anyway (its notebook's own values) are within any ceiling.
  const ceiling = sandbox && {
    ...sandbox.ceiling,
    notebookEnv: [...sandbox.ceiling.notebookEnv, ...input.implicitEnv],
  };
  const decision = ceiling ? decide(all, ceiling) : { effective: all, refused: [] };
  const awaiting = ceiling ? needsApproval(decision.effective, ceiling, sandbox!.approved) : [];
  const diagnostics: CellDiagnostic[] = [];
  const personal = sandbox?.ceiling.mode === "personal";
  const refused = decision.refused.map((r) => {
    const e = escapes.find((x) => `read=${x.target}` === r.grant);
    if (!e) return r;
    // The target is a server path: name the link, not where it points.
    return {
      grant: `read=${e.path}`,
      setting: r.setting,
      message:
        `Symlink '${e.path}' resolves outside the notebook folder; reading through it is refused${
          r.setting ? " (not allowed by the sandbox policy)" : ""
        }`,
    };
  });
  for (const r of refused) {
    diagnostics.push({ severity: "error", code: "permission", message: r.message });
  }
  const awaitingText = awaiting.map(grantText);
  if (awaiting.length > 0) {
    const links = escapes.filter((e) => awaiting.some((g) => g.value === e.target));
    const via = links.length
      ? ` (symlink${links.length > 1 ? "s" : ""} ${
        links.map((e) => `'${e.path}' → '${e.target}'`).join(", ")
      } resolve${links.length > 1 ? "" : "s"} outside the notebook folder)`
      : "";
    diagnostics.push({
      severity: "error",
      code: "approval",
      message: `Asks for ${
        awaitingText.join(", ")
      }${via}: approve this notebook's grants to run it`,
    });
  }
  let blocked: string | null = null;
  if (refused.length > 0) blocked = refused.map((r) => r.message).join("; ");
  else if (awaiting.length > 0) {
    blocked = `Not run: waiting for approval of ${awaitingText.join(", ")}` +
      (personal ? " (approve the notebook's grants once to run it)" : "");
  }
  return {
    requested: all.map(grantText),
    refused,
    awaitingApproval: awaitingText,
    blocked,
    diagnostics,
    permissions: toSpec(notebookDir, decision.effective, input.implicitEnv, sandbox?.ceiling),
    hashed: toHashed(notebookDir, decision.effective.filter((g) => !escapeGrants.includes(g))),
  };
}

function covered(g: Grant, list: readonly Grant[]): boolean {
  return list.some((r) => r.kind === "read" && isWithin(g.value, r.value));
}

function toSpec(
  notebookDir: string,
  effective: readonly Grant[],
  implicitEnv: readonly string[],
  ceiling: Ceiling | undefined,
): PermissionSpec {
  const of = (kind: Grant["kind"]) => effective.filter((g) => g.kind === kind).map((g) => g.value);
  const names = (list: string[]): SpecGrant | undefined =>
    list.includes("*") ? true : list.length ? [...new Set(list)].sort() : undefined;
  return {
    notebookDir,
    read: of("read"),
    write: of("write"),
    net: names(of("net")),
    env: names([...implicitEnv, ...of("env")]),
    sys: names(of("sys")),
    run: names(of("run")),
    ffi: names(of("ffi")),
    import: names([...(ceiling?.defaultImports ?? []), ...of("import")]),
  };
}

function toHashed(notebookDir: string, effective: readonly Grant[]): CellPermissions {
  const out = emptyPermissions();
  for (const g of effective) {
    let v = g.value;
    if ((g.kind === "read" || g.kind === "write") && isWithin(v, notebookDir)) {
      const rel = relative(notebookDir, v);
      v = rel === "" ? "." : `./${rel}`;
    }
    out[g.kind].push(v);
  }
  return out;
}
