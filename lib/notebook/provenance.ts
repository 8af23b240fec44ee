/**
 * Provenance: the cache key of a cell's outputs.
 *   provenance = H(normalized source hash, sorted upstream provenance hashes, env hash)
 *   env hash   = H(Deno version, notebook lock file hash, canonical permission set, worker,
 *                  values of the non-secret env keys the cell can read)
 * Pure: every input is passed in. Secret values are never hashed (only the key name), so
 * rotating a secret keeps cached results; reading a different set of keys changes the hash.
 * A key is secret by its source (`secretKeys`: a secret manager's values, values entered as
 * secret) or by a sensitive name; `DATABASE_URL` from Infisical is as secret as `API_KEY`.
 */
import { isSensitiveKey } from "../secrets/sensitive.ts";
import { canonicalHash, sha256Hex } from "./_hash.ts";
import { canonicalPermissions, type CellPermissions, emptyPermissions } from "./annotations.ts";

/** Inputs of a cell's env hash. */
export interface EnvHashInput {
  /** `Deno.version.deno` of the runtime that executes the cell. */
  denoVersion: string;
  /** lockFileHash() of the notebook's deno.lock, or null when it has none. */
  lockHash: string | null;
  /** The cell's permission set (from `@allow` plus notebook defaults). */
  permissions?: CellPermissions;
  /** Worker identity the cell runs on. @default "local" */
  worker?: string;
  /** Keys the cell can read: literal `Deno.env.get` keys, `@env` keys and `@allow env=` keys. */
  readKeys: readonly string[];
  /** The effective environment of the cell (notebook [env], secrets, `@env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Keys whose values are secrets by source, whatever their names. @default none */
  secretKeys?: ReadonlySet<string>;
}

/** Hash of the environment a cell's result depends on. */
export function envHash(input: EnvHashInput): string {
  const values: Record<string, string | null> = {};
  for (const key of [...new Set(input.readKeys)].sort()) {
    if (key === "*") continue;
    const v = input.env[key];
    const secret = isSensitiveKey(key) || input.secretKeys?.has(key) === true;
    values[key] = secret ? "<secret>" : v ?? null;
  }
  return canonicalHash({
    v: "strata-env-v1",
    deno: input.denoVersion,
    lock: input.lockHash,
    permissions: canonicalPermissions(input.permissions ?? emptyPermissions()),
    worker: input.worker ?? "local",
    env: values,
  });
}

/** Inputs of a cell's provenance hash. */
export interface ProvenanceInput {
  sourceHash: string;
  /** Provenance hashes of the cell's direct upstream cells, in any order. */
  upstream: readonly string[];
  envHash: string;
  /** Local modules the cell imports (path -> content hash); absent or empty: none. */
  modules?: Readonly<Record<string, string>>;
}

/** A cell's provenance hash; the order of `upstream` does not matter. */
export function cellProvenance(input: ProvenanceInput): string {
  const up = input.upstream;
  const upstream = up.length < 2 ? up.join(",") : [...new Set(up)].sort().join(",");
  let text = `strata-prov-v1\n${input.sourceHash}\n${upstream}\n${input.envHash}`;
  // Only cells that import local modules get the extra line, so every other hash is unchanged.
  if (input.modules && Object.keys(input.modules).length > 0) {
    text += `\nmodules:${canonicalHash(input.modules)}`;
  }
  return sha256Hex(text);
}

/** Hash of a notebook's deno.lock content (null when there is no lock file). */
export function lockFileHash(content: string | null): string | null {
  return content === null ? null : sha256Hex(content.replace(/\r\n/g, "\n"));
}

/** The env keys a cell can read: literal reads, `@env` keys and `@allow env=` keys. */
export function cellReadKeys(input: {
  envKeys?: readonly string[];
  annotationEnv?: Readonly<Record<string, string>>;
  allowEnv?: readonly string[];
}): string[] {
  const keys = new Set([
    ...(input.envKeys ?? []),
    ...Object.keys(input.annotationEnv ?? {}),
    ...(input.allowEnv ?? []),
  ]);
  keys.delete("*");
  return [...keys].sort();
}

/** Per-cell inputs for notebookProvenance, in notebook order. */
export interface ProvenanceCell {
  id: string;
  sourceHash: string;
  envHash: string;
  /** Local modules the cell imports, with content hashes (see local_modules.ts). */
  modules?: Record<string, string>;
}

/** Provenance parts of one cell, kept so staleness can tell which part changed. */
export interface CellProvenance {
  provenance: string;
  sourceHash: string;
  envHash: string;
  /** Local modules the cell imports (path -> content hash); empty when none. */
  modules: Record<string, string>;
  /** Direct upstream cell id -> its provenance. */
  upstream: Record<string, string>;
}

/**
 * Provenance of every cell, computed in topological order over the DAG's upstream sets.
 * `previous` (an earlier result for the same notebook): a cell whose own parts and upstream
 * provenances are unchanged keeps its entry, so an edit hashes only the edited cell and what
 * depends on it (issue 20). The result is the same as without it.
 */
export function notebookProvenance(
  cells: readonly ProvenanceCell[],
  dag: { order: readonly string[]; upstream: ReadonlyMap<string, ReadonlySet<string>> },
  previous?: ReadonlyMap<string, CellProvenance>,
): Map<string, CellProvenance> {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const out = new Map<string, CellProvenance>();
  for (const id of dag.order) {
    const cell = byId.get(id);
    if (!cell) continue;
    const ups = dag.upstream.get(id) ?? EMPTY;
    // A cell in a cycle has no computed upstream yet; its id stands in so the hash stays defined.
    const upstreamOf = (u: string) => out.get(u)?.provenance ?? `cycle:${u}`;
    const modules = cell.modules ?? {};
    const old = previous?.get(id);
    if (
      old && old.sourceHash === cell.sourceHash && old.envHash === cell.envHash &&
      sameRecord(old.modules, modules) && Object.keys(old.upstream).length === ups.size &&
      [...ups].every((u) => old.upstream[u] === upstreamOf(u))
    ) {
      out.set(id, old);
      continue;
    }
    const upstream: Record<string, string> = {};
    for (const u of ups) upstream[u] = upstreamOf(u);
    const provenance = cellProvenance({
      sourceHash: cell.sourceHash,
      upstream: Object.values(upstream),
      envHash: cell.envHash,
      modules: cell.modules,
    });
    out.set(id, {
      provenance,
      sourceHash: cell.sourceHash,
      envHash: cell.envHash,
      modules,
      upstream,
    });
  }
  return out;
}

const EMPTY: ReadonlySet<string> = new Set();

/** True when two string records have the same keys and values (in any order). */
function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k] || !(k in b)) return false;
  return true;
}
