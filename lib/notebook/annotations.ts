/**
 * Cell annotations: `// @name`, `// @timeout`, `// @env`, `// @nocache`, `// @lazy`, `// @after`,
 * `// @worker` and `// @allow` lines in a cell's leading comment block. Problems become
 * warnings; a bad annotation is ignored and never blocks running the cell.
 */
import { isSensitiveKey } from "../secrets/sensitive.ts";

/** Deno permissions a cell asks for; `["*"]` means the bare flag (e.g. `@allow net`). */
export interface CellPermissions {
  net: string[];
  read: string[];
  write: string[];
  env: string[];
  run: string[];
  sys: string[];
  /** Requested only to be refused or approved: Strata decides (lib/sandbox/decide.ts). */
  ffi: string[];
  /** Remote import hosts beyond the defaults. */
  import: string[];
}

/** Parsed annotations of one cell. */
export interface CellAnnotations {
  name?: string;
  /** Seconds. */
  timeout?: number;
  /** `@env K=V` pairs, set for this cell only. */
  env: Record<string, string>;
  nocache: boolean;
  /** `@lazy`: never run automatically as a dependent of a cell that ran (issue 14 item 1). */
  lazy: boolean;
  /** Cell ids or names this cell must run after. */
  after: string[];
  worker?: string;
  allow: CellPermissions;
}

/** A non-blocking problem in an annotation line (1-based line and column). */
export interface AnnotationDiagnostic {
  severity: "warning";
  code: "annotation";
  message: string;
  line: number;
  column: number;
}

/** Result of parseAnnotations. */
export interface ParsedAnnotations {
  annotations: CellAnnotations;
  diagnostics: AnnotationDiagnostic[];
}

const PERMISSION_KINDS = ["net", "read", "write", "env", "run", "sys", "ffi", "import"] as const;
/** Kinds added later: left out of the canonical form when empty, so older cache keys hold. */
const LATER_KINDS = new Set(["ffi", "import"]);
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WORKER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_TIMEOUT_S = 7 * 24 * 3600;

/** An empty permission set. */
export function emptyPermissions(): CellPermissions {
  return { net: [], read: [], write: [], env: [], run: [], sys: [], ffi: [], import: [] };
}

/** Reads the annotations in a cell's leading `//` comment block (blank lines allowed). */
export function parseAnnotations(source: string): ParsedAnnotations {
  const annotations: CellAnnotations = {
    env: {},
    nocache: false,
    lazy: false,
    after: [],
    allow: emptyPermissions(),
  };
  const diagnostics: AnnotationDiagnostic[] = [];
  const lines = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    if (trimmed === "") continue;
    if (!trimmed.startsWith("//")) break;
    const m = /^\/\/\s*@([A-Za-z_-]+)\b\s*(.*)$/.exec(trimmed);
    if (!m) continue;
    const column = lines[i].indexOf("@") + 1;
    const warn = (message: string) =>
      diagnostics.push({ severity: "warning", code: "annotation", message, line: i + 1, column });
    applyAnnotation(annotations, m[1], m[2].trim(), warn);
  }
  return { annotations, diagnostics };
}

function applyAnnotation(
  a: CellAnnotations,
  tag: string,
  value: string,
  warn: (message: string) => void,
): void {
  switch (tag) {
    case "name":
      if (!value) return warn("@name needs a value");
      if (a.name !== undefined) warn(`@name given twice; using '${value}'`);
      a.name = value;
      return;
    case "timeout": {
      const s = Number(value);
      if (!/^\d+(\.\d+)?$/.test(value) || !(s > 0) || s > MAX_TIMEOUT_S) {
        return warn(
          `@timeout '${value}' is not a number of seconds between 0 and ${MAX_TIMEOUT_S}`,
        );
      }
      a.timeout = s;
      return;
    }
    case "env": {
      const eq = value.indexOf("=");
      const key = eq < 0 ? value : value.slice(0, eq).trim();
      if (eq < 0 || !ENV_KEY.test(key)) return warn(`@env '${value}' is not KEY=VALUE`);
      if (isSensitiveKey(key)) {
        warn(
          `@env ${key} looks like a secret written into the cell source; use the secret manager`,
        );
      }
      a.env[key] = value.slice(eq + 1).trim();
      return;
    }
    case "nocache":
      if (value) warn(`@nocache takes no value; ignoring '${value}'`);
      a.nocache = true;
      return;
    case "lazy":
      if (value) warn(`@lazy takes no value; ignoring '${value}'`);
      a.lazy = true;
      return;
    case "after": {
      const refs = value.split(/[\s,]+/).filter(Boolean);
      if (refs.length === 0) return warn("@after needs a cell id or name");
      for (const r of refs) if (!a.after.includes(r)) a.after.push(r);
      return;
    }
    case "worker":
      if (!WORKER.test(value)) return warn(`@worker '${value}' is not a worker name`);
      a.worker = value;
      return;
    case "allow":
      return applyAllow(a.allow, value, warn);
    default:
      warn(`Unknown annotation @${tag}`);
  }
}

function applyAllow(allow: CellPermissions, value: string, warn: (m: string) => void): void {
  if (!value) return warn("@allow needs at least one permission, e.g. net=api.example.com");
  for (const part of value.split(/\s+/)) {
    const eq = part.indexOf("=");
    const kind = (eq < 0 ? part : part.slice(0, eq)) as typeof PERMISSION_KINDS[number];
    if (!PERMISSION_KINDS.includes(kind)) {
      warn(`@allow: unknown permission '${kind}' (expected ${PERMISSION_KINDS.join(", ")})`);
      continue;
    }
    const items = eq < 0
      ? ["*"]
      : part.slice(eq + 1).split(",").map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) {
      warn(`@allow ${kind}= has no values`);
      continue;
    }
    for (const item of items) {
      if (kind === "env" && item !== "*" && !ENV_KEY.test(item)) {
        warn(`@allow env: '${item}' is not an environment variable name`);
      } else if (!allow[kind].includes(item)) allow[kind].push(item);
    }
  }
}

/** Canonical form of a permission set (sorted, deduplicated), for hashing and comparison. */
export function canonicalPermissions(p: CellPermissions): CellPermissions {
  const out = emptyPermissions();
  for (const k of PERMISSION_KINDS) {
    out[k] = [...new Set(p[k] ?? [])].sort();
    if (LATER_KINDS.has(k) && out[k].length === 0) delete (out as Partial<CellPermissions>)[k];
  }
  return out;
}
