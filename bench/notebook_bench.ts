/**
 * Notebook model benchmark: analyze + DAG + provenance of a generated 100-cell notebook (cold,
 * including the TypeScript import, and warm), and the dirty set after a one-cell edit.
 * Ratios are against a bare parse of the same sources with the analyzer's parser (`@babel/parser`,
 * the cell options), measured in this run.
 * Run: scripts/deno run -A bench/notebook_bench.ts
 */
import {
  buildDag,
  cellReadKeys,
  dirtyAfterEdit,
  envHash,
  loadAnalyzer,
  notebookProvenance,
  parseAnnotations,
} from "../lib/notebook/mod.ts";
import type { Analyzer, CellAnalysis, DagCellInput } from "../lib/notebook/mod.ts";
import { CELL_PARSE_OPTIONS, loadBabel } from "../lib/notebook/_babel.ts";

/** Figures in milliseconds (ratios are plain numbers). */
export interface NotebookBenchFigures {
  cells: number;
  coldMs: number;
  warmMs: number;
  baselineParseMs: number;
  warmVsParseRatio: number;
  editDirtyMs: number;
  dagOnlyDirtyMs: number;
  dirtyCells: number;
}

/** Source of generated cell i: reads two earlier cells, with closures, destructuring and types. */
function cellSource(i: number): string {
  const a = i > 0 ? `v${Math.floor(i / 2)}` : "1";
  const b = i > 1 ? `v${i - 1}` : "2";
  return [
    `// @name cell ${i}`,
    i % 10 === 0 ? `// @allow net=api${i}.example.com env=REGION` : "// plain comment",
    `interface Row${i} { id: number; label: string }`,
    `const { x: x${i}, ...rest${i} } = { x: ${a}, y: ${b} }`,
    `function helper${i}(rows: Row${i}[], k = x${i}) {`,
    `  let acc = 0`,
    `  for (const r of rows) { const t = r.id * k; acc += t }`,
    `  return acc + Object.keys(rest${i}).length`,
    `}`,
    `export const v${i} = helper${i}([{ id: ${i}, label: "n" }]) + ${b}`,
    i % 7 === 0 ? `const region${i} = Deno.env.get("REGION")` : `const note${i} = \`${i}\``,
    `v${i}`,
  ].join("\n");
}

function toDagInput(id: string, a: CellAnalysis, after: string[]): DagCellInput {
  return {
    id,
    defines: a.defines,
    references: a.references,
    globalReferences: a.globalReferences,
    mutates: a.mutates,
    after,
  };
}

function pipeline(analyzer: Analyzer, sources: string[]) {
  const analyses = sources.map((s) => analyzer.analyze(s));
  const notes = sources.map((s) => parseAnnotations(s).annotations);
  const dag = buildDag(analyses.map((a, i) => toDagInput(`c${i}`, a, notes[i].after)));
  const env = { REGION: "eu" };
  const cells = analyses.map((a, i) => ({
    id: `c${i}`,
    sourceHash: a.sourceHash,
    envHash: envHash({
      denoVersion: Deno.version.deno,
      lockHash: null,
      permissions: notes[i].allow,
      readKeys: cellReadKeys({ envKeys: a.envKeys, allowEnv: notes[i].allow.env }),
      env,
    }),
  }));
  return { analyses, dag, provenance: notebookProvenance(cells, dag) };
}

function median(samples: number[]): number {
  const s = [...samples].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function time(runs: number, fn: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** Runs the benchmark and returns its figures. */
export async function main(n = 100): Promise<NotebookBenchFigures> {
  const sources = Array.from({ length: n }, (_, i) => cellSource(i));
  const t0 = performance.now();
  const analyzer = await loadAnalyzer();
  const first = pipeline(analyzer, sources);
  const coldMs = performance.now() - t0;
  if (first.provenance.size !== n) throw new Error("bench: provenance missing cells");

  const warmMs = time(20, () => pipeline(analyzer, sources));
  const babel = await loadBabel();
  const baselineParseMs = time(20, () => {
    for (const s of sources) babel.parse(s, CELL_PARSE_OPTIONS);
  });

  const edited = Math.floor(n * 0.4);
  const editedSource = sources[edited].replace(`+ v${edited - 1}`, `* v${edited - 1}`);
  let dirtyCells = 0;
  const editDirtyMs = time(50, () => {
    const a = analyzer.analyze(editedSource);
    const inputs = first.analyses.map((x, i) => toDagInput(`c${i}`, i === edited ? a : x, []));
    dirtyCells = dirtyAfterEdit(first.dag, buildDag(inputs), `c${edited}`).length;
  });
  const inputs = first.analyses.map((x, i) => toDagInput(`c${i}`, x, []));
  const dagOnlyDirtyMs = time(50, () => dirtyAfterEdit(first.dag, buildDag(inputs), `c${edited}`));

  return {
    cells: n,
    coldMs,
    warmMs,
    baselineParseMs,
    warmVsParseRatio: warmMs / baselineParseMs,
    editDirtyMs,
    dagOnlyDirtyMs,
    dirtyCells,
  };
}

if (import.meta.main) {
  const f = await main();
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  console.log(`notebook bench, ${f.cells} generated cells (Deno ${Deno.version.deno})`);
  console.log(`  cold analyze+DAG+provenance (incl. parser load): ${ms(f.coldMs)}`);
  console.log(`  warm analyze+DAG+provenance:                   ${ms(f.warmMs)}`);
  console.log(`  baseline bare Babel parse x${f.cells}:            ${ms(f.baselineParseMs)}`);
  console.log(`  warm / baseline parse:                         ${f.warmVsParseRatio.toFixed(2)}x`);
  console.log(
    `  one-cell edit -> dirty set (reanalyze+DAG):    ${
      ms(f.editDirtyMs)
    } (${f.dirtyCells} dirty, aim <= 5 ms)`,
  );
  console.log(`  DAG rebuild + dirty set only:                  ${ms(f.dagOnlyDirtyMs)}`);
  console.log(
    `  edit vs baseline parse of whole notebook:      ${
      (f.editDirtyMs / f.baselineParseMs).toFixed(2)
    }x`,
  );
}
