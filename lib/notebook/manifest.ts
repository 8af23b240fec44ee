/**
 * `notebook.toml`: parse (smol-toml + zod) and serialize. The in-memory shape mirrors the file's
 * snake_case keys so unknown keys ride along untouched and are written back on every rewrite.
 * Sensitive `[env]` values are blanked on write, and an `[env]` left with only blanks is omitted.
 */
import { parse, stringify, TomlError } from "smol-toml";
import { z } from "zod";
import { ValidationError } from "../errors.ts";
import { isSensitiveKey } from "../secrets/sensitive.ts";
import { assertCellFile, type CellLanguage, isCellId } from "./cell_files.ts";

/** One `[[cells]]` entry; unknown keys are kept. */
export interface CellEntry {
  id: string;
  file: string;
  language: CellLanguage;
  order: number;
  [key: string]: unknown;
}

/** The manifest; unknown top-level keys are kept. */
export interface Manifest {
  notebook_id: string;
  name: string;
  owner?: string;
  created_at: string;
  updated_at: string;
  /** Default cell timeout in seconds. */
  timeout?: number;
  worker?: string;
  env?: Record<string, string>;
  secret_manager?: Record<string, unknown>;
  workers?: Record<string, unknown>[];
  /**
   * `[runtime]`: `on_change = "autorun"` (default) runs a cell's stale dependents after it runs;
   * `"lazy"` only marks them stale (issue 14 item 1). Unknown keys are kept.
   */
  runtime?: { on_change?: OnChange; [key: string]: unknown };
  cells: CellEntry[];
  [key: string]: unknown;
}

/** What running a cell does to its stale dependents. */
export type OnChange = "autorun" | "lazy";

let manifestSchema: z.ZodType | undefined;

/** The manifest's schema, built on first use: a server start parses no manifest. */
function getManifestSchema(): z.ZodType {
  if (manifestSchema) return manifestSchema;
  const timestamp = z.union([z.string().min(1), z.date()]).transform((v) =>
    v instanceof Date ? v.toISOString() : v
  );
  const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
  const cellEntry = z.looseObject({
    id: z.string().refine(isCellId, "not a valid cell id (letters, digits, _ and -, max 64)"),
    file: z.string(),
    language: z.enum(["typescript", "markdown", "prompt"]),
    order: z.number().int(),
  });
  manifestSchema = z.looseObject({
    notebook_id: z.string().min(1),
    name: z.string(),
    owner: z.string().optional(),
    created_at: timestamp,
    updated_at: timestamp,
    timeout: z.number().positive().optional(),
    worker: z.string().optional(),
    env: z.record(z.string(), envValue).optional(),
    secret_manager: z.looseObject({}).optional(),
    workers: z.array(z.looseObject({ name: z.string() })).optional(),
    runtime: z.looseObject({
      on_change: z.enum(["autorun", "lazy"], {
        error: (i) => `on_change '${String(i.input)}' must be "autorun" or "lazy"`,
      }).optional(),
    }).optional(),
    cells: z.array(cellEntry).default([]),
  });
  return manifestSchema;
}

/** Parses and validates manifest text; errors name the file, the key and the problem. */
export function parseManifest(text: string, file = "notebook.toml"): Manifest {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const problem = err.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
      throw new ValidationError(
        `Cannot read notebook manifest ${file}: TOML syntax error at line ${err.line}, column ${err.column}: ${problem}`,
        { cause: err },
      );
    }
    throw err;
  }
  const result = getManifestSchema().safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(
      `Invalid notebook manifest ${file}: key '${keyPath(issue.path)}': ${issue.message}`,
    );
  }
  const manifest = result.data as Manifest;
  const ids = new Set<string>();
  const files = new Set<string>();
  manifest.cells.forEach((cell, i) => {
    const where = `Invalid notebook manifest ${file}: key 'cells[${i}]`;
    try {
      assertCellFile(cell.file);
    } catch (err) {
      throw new ValidationError(`${where}.file': ${(err as Error).message}`);
    }
    if (ids.has(cell.id)) throw new ValidationError(`${where}.id': duplicate cell id '${cell.id}'`);
    if (files.has(cell.file)) {
      throw new ValidationError(`${where}.file': '${cell.file}' is used by two cells`);
    }
    ids.add(cell.id);
    files.add(cell.file);
  });
  return manifest;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)
    .join("") || "(root)";
}

const KNOWN_ORDER = [
  "notebook_id",
  "name",
  "owner",
  "created_at",
  "updated_at",
  "timeout",
  "worker",
];

/** Serializes a manifest: known keys first, unknown keys kept, secrets blanked, cells by order. */
export function serializeManifest(manifest: Manifest): string {
  const out: Record<string, unknown> = {};
  for (const k of KNOWN_ORDER) if (manifest[k] !== undefined) out[k] = manifest[k];
  for (const [k, v] of Object.entries(manifest)) {
    if (
      !(k in out) && !["env", "secret_manager", "workers", "cells"].includes(k) && v !== undefined
    ) {
      out[k] = v;
    }
  }
  const env = blankEnv(manifest.env ?? {});
  if (Object.values(env).some((v) => v !== "")) out.env = env;
  if (manifest.secret_manager) out.secret_manager = manifest.secret_manager;
  if (manifest.workers?.length) out.workers = manifest.workers;
  const cells = [...manifest.cells].sort((a, b) => a.order - b.order);
  out.cells = cells.map(({ id, file, language, order, ...rest }) => ({
    id,
    file,
    language,
    order,
    ...rest,
  }));
  return stringify(dropUndefined(out)) + "\n";
}

/** A copy of an env table with sensitive values replaced by "". */
export function blankEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSensitiveKey(k) ? "" : v]));
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map((
        [k, v],
      ) => [k, dropUndefined(v)]),
    );
  }
  return value;
}
