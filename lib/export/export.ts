/** One entry point for every export format, shared by the CLI and the HTTP route. */
import type { NotebookSession } from "../session/notebook_session.ts";
import { renderHtml } from "./html.ts";
import { renderIpynb } from "./ipynb.ts";
import { renderScript } from "./script.ts";
import { type SnapshotDeps, takeSnapshot } from "./snapshot.ts";

/** The export formats. */
export const EXPORT_FORMATS = ["html", "ipynb", "script"] as const;

/** One export format. */
export type ExportFormat = typeof EXPORT_FORMATS[number];

/** Options for exportNotebook. */
export interface ExportOptions {
  format: ExportFormat;
  /** HTML: include the code, folded. @default true */
  code?: boolean;
  /** Script: the notebook folder the cells run in (omit over HTTP: server paths stay private). */
  notebookDir?: string;
  /** Script: its file name in the printed command line. */
  fileName?: string;
}

/** An exported document. */
export interface ExportedFile {
  text: string;
  contentType: string;
  /** Suggested file name. */
  fileName: string;
}

const TYPES: Record<ExportFormat, { type: string; ext: string }> = {
  html: { type: "text/html; charset=utf-8", ext: ".html" },
  ipynb: { type: "application/x-ipynb+json", ext: ".ipynb" },
  script: { type: "text/typescript; charset=utf-8", ext: ".ts" },
};

/**
 * Exports a notebook's current state.
 *
 * @example
 * const { text } = await exportNotebook(session, { db, denoVersion: Deno.version.deno },
 *   { format: "html", code: false });
 */
export async function exportNotebook(
  session: NotebookSession,
  deps: SnapshotDeps,
  options: ExportOptions,
): Promise<ExportedFile> {
  const snapshot = await takeSnapshot(session, deps);
  const base = fileBase(snapshot.notebook.name);
  const { type, ext } = TYPES[options.format];
  const fileName = options.fileName ?? `${base}${ext}`;
  const text = options.format === "html"
    ? renderHtml(snapshot, { code: options.code })
    : options.format === "ipynb"
    ? renderIpynb(snapshot)
    : await renderScript(snapshot, { notebookDir: options.notebookDir, fileName });
  return { text, contentType: type, fileName };
}

function fileBase(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 60) || "notebook";
}
