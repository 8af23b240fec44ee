/**
 * Jupyter notebooks (nbformat 4) for the Deno kernel: export a snapshot with its outputs as
 * Jupyter mime bundles (receipts ride in each output's metadata), and parse an .ipynb into
 * cells for import. Sources are split into lines the Jupyter way (each keeps its "\n"), so
 * export then import gives back every source byte for byte.
 */
import { z } from "zod";
import { ValidationError } from "../errors.ts";
import type { DisplayOutput } from "../executor/types.ts";
import type { NotebookSnapshot, SnapshotCell } from "./snapshot.ts";

/** Kernel metadata of the Deno Jupyter kernel (`deno jupyter`). */
export const DENO_KERNEL = {
  kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
  language_info: {
    name: "typescript",
    file_extension: ".ts",
    mimetype: "text/x.typescript",
    pygments_lexer: "typescript",
    codemirror_mode: "typescript",
    nbconvert_exporter: "script",
  },
} as const;

/** Renders a snapshot as .ipynb JSON text. */
export function renderIpynb(snapshot: NotebookSnapshot): string {
  let count = 0;
  const cells = snapshot.cells.map((c) => {
    const strata: Record<string, unknown> = { id: c.id };
    if (c.name) strata.name = c.name;
    if (c.language === "typescript") {
      const outputs = outputsOf(c, c.outputs ? ++count : null);
      return {
        cell_type: "code",
        id: c.id,
        metadata: { strata },
        execution_count: c.outputs ? count : null,
        source: lines(c.source),
        outputs,
      };
    }
    if (c.language === "prompt") strata.language = "prompt";
    return { cell_type: "markdown", id: c.id, metadata: { strata }, source: lines(c.source) };
  });
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        ...DENO_KERNEL,
        strata: {
          notebook_id: snapshot.notebook.id,
          name: snapshot.notebook.name,
          exported_at: snapshot.exportedAt,
        },
      },
      cells,
    },
    null,
    1,
  ) + "\n";
}

function outputsOf(c: SnapshotCell, count: number | null): unknown[] {
  const out = c.outputs;
  if (!out) return [];
  const list: unknown[] = [];
  for (const e of out.console) {
    list.push({ output_type: "stream", name: e.stream, text: lines(e.text) });
  }
  const receipt = c.receipt ? { strata: { receipt: c.receipt } } : {};
  out.displays.forEach((d, i) => {
    const last = i === out.displays.length - 1;
    const data = mimeBundle(d);
    // The last display is the cell's result: Jupyter shows it as the execute_result.
    list.push(
      last && count !== null
        ? { output_type: "execute_result", execution_count: count, data, metadata: receipt }
        : { output_type: "display_data", data, metadata: receipt },
    );
  });
  if (out.error) {
    list.push({
      output_type: "error",
      ename: out.error.kind,
      evalue: out.error.message,
      traceback: [`${out.error.kind}: ${out.error.message}`],
    });
  }
  return list;
}

/** A display output as a Jupyter mime bundle (always with a text/plain fallback). */
export function mimeBundle(d: DisplayOutput): Record<string, unknown> {
  switch (d.type) {
    case "text":
      return { "text/plain": lines(d.data) };
    case "markdown":
      return { "text/markdown": lines(d.data), "text/plain": lines(d.data) };
    case "html":
      return { "text/html": lines(d.data), "text/plain": ["[HTML output]"] };
    case "svg":
      return { "image/svg+xml": lines(d.data), "text/plain": ["[SVG output]"] };
    case "png":
      return { "image/png": d.data, "text/plain": ["[PNG output]"] };
    case "table": {
      const t = d.data;
      const plain = [t.columns, ...t.rows.map((r) => r.map((v) => JSON.stringify(v) ?? ""))]
        .map((r) => r.join("\t")).join("\n");
      return {
        "application/vnd.dataresource+json": {
          schema: { fields: t.columns.map((name) => ({ name })) },
          data: t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]]))),
        },
        "text/plain": lines(plain),
      };
    }
    case "json":
      return {
        "application/json": d.data,
        "text/plain": lines(JSON.stringify(d.data, null, 2) ?? ""),
      };
    default:
      return {};
  }
}

/** Jupyter's multi-line string: lines that keep their "\n" (the last one may lack it). */
function lines(text: string): string[] {
  const out = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return out;
}

// ---- import --------------------------------------------------------------------------------

/** A cell read from an .ipynb. */
export interface ImportedCell {
  language: "typescript" | "markdown" | "prompt";
  source: string;
  /** The Strata cell id kept in the cell's metadata by an export, when present. */
  strataId?: string;
  /** 1-based position among the notebook's cells (as Jupyter shows them). */
  index: number;
}

/** What parseIpynb read. */
export interface ParsedIpynb {
  name?: string;
  cells: ImportedCell[];
  /** Cells not imported (raw cells), by position, with why. */
  skipped: { index: number; reason: string }[];
}

const MultiLine = z.union([z.string(), z.array(z.string())]);
const Cell = z.object({
  cell_type: z.enum(["code", "markdown", "raw"]),
  source: MultiLine,
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const Notebook = z.object({
  nbformat: z.number().int().min(4, "only nbformat 4 notebooks can be imported"),
  metadata: z.object({
    kernelspec: z.object({ name: z.string().optional(), language: z.string().optional() })
      .passthrough().optional(),
    language_info: z.object({ name: z.string().optional() }).passthrough().optional(),
    strata: z.object({ name: z.string().optional() }).passthrough().optional(),
  }).passthrough().optional(),
  cells: z.array(Cell),
});

const LANGUAGES = new Set(["typescript", "javascript", "ts", "js"]);

/** Parses .ipynb text; throws ValidationError naming the file and the first problem. */
export function parseIpynb(text: string, file: string): ParsedIpynb {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`Cannot import '${file}': not JSON (${(err as Error).message})`);
  }
  const parsed = Notebook.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join(".") : "the top level";
    throw new ValidationError(
      `Cannot import '${file}': not a Jupyter notebook (${where}: ${issue.message})`,
    );
  }
  const nb = parsed.data;
  const language = (nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language ?? "")
    .toLowerCase();
  if (language && !LANGUAGES.has(language)) {
    throw new ValidationError(
      `Cannot import '${file}': it is a ${language} notebook; only TypeScript and JavaScript ` +
        `notebooks (the Deno kernel) can be imported`,
    );
  }
  const cells: ImportedCell[] = [];
  const skipped: ParsedIpynb["skipped"] = [];
  nb.cells.forEach((c, i) => {
    const source = Array.isArray(c.source) ? c.source.join("") : c.source;
    const strata = c.metadata?.strata as { id?: unknown; language?: unknown } | undefined;
    const strataId = typeof strata?.id === "string" ? strata.id : undefined;
    if (c.cell_type === "raw") {
      skipped.push({ index: i + 1, reason: "raw cells have no Strata equivalent" });
      return;
    }
    const lang = c.cell_type === "code"
      ? "typescript"
      : strata?.language === "prompt"
      ? "prompt"
      : "markdown";
    cells.push({ language: lang, source, strataId, index: i + 1 });
  });
  return { name: nb.metadata?.strata?.name, cells, skipped };
}
