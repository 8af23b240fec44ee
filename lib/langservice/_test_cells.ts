/** Test helper: TypeScript cells `c0`, `c1`, … with their analyses, as the session gives them. */
import { loadAnalyzer } from "../notebook/analyzer.ts";
import type { VirtualCellInput } from "./virtual_cells.ts";

export async function typeScriptCells(sources: string[]): Promise<VirtualCellInput[]> {
  const analyzer = await loadAnalyzer();
  return sources.map((source, i) => ({
    id: `c${i}`,
    language: "typescript",
    source,
    analysis: analyzer.analyze(source),
  }));
}
