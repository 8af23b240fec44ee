/**
 * Language service benchmark (issue 15): completion latency while typing in the last cell of a
 * warm 100-cell notebook (median, p90), against a bare `getCompletionsAtPosition` on one file
 * with the same libraries and options, typed the same way, in this run; the first answer after
 * opening a notebook (the shared declarations are parsed and bound once per process, in slices,
 * when the first notebook opens: timed apart);
 * a full type check of the notebook; and memory per open notebook (measured in a child process
 * with `--expose-gc`). Aims: ≤ 30 ms median, ≤ 500 ms first answer.
 * Run: scripts/deno run -A bench/langservice_bench.ts
 */
import { loadAnalyzer } from "../lib/notebook/analyzer.ts";
import { createLanguageService } from "../lib/langservice/language_service.ts";
import { loadSharedLibs } from "../lib/langservice/_libs.ts";
import type { VirtualCellInput } from "../lib/langservice/virtual_cells.ts";

/** Figures in milliseconds and MiB (ratios are plain numbers). */
export interface LangServiceBenchFigures {
  cells: number;
  /** Parsing + binding the shared declarations, once per process, in slices (background). */
  warmLibrariesMs: number;
  /** The first notebook's first completion once the declarations are warm. */
  firstAnswerMs: number;
  /** Opening a second notebook and its first completion. */
  firstAnswerSecondNotebookMs: number;
  completeMedianMs: number;
  completeP90Ms: number;
  bareMedianMs: number;
  bareP90Ms: number;
  medianVsBareRatio: number;
  unchangedSourceMedianMs: number;
  fullCheckMs: number;
  heapPerNotebookMiB: number | null;
  rssPerNotebookMiB: number | null;
}

const CELLS = 100;
const KEYSTROKES = 40;

/** Cell i: records, a typed helper and values built from two earlier cells. */
export function cellSource(i: number, tag = ""): string {
  const a = i > 0 ? `v${Math.floor(i / 2)}` : "1";
  const b = i > 1 ? `v${i - 1}` : "2";
  return [
    `// @name cell ${i}${tag}`,
    `interface Row${i} { id: number; label: string; amount: number }`,
    `const rows${i}: Row${i}[] = [{ id: ${i}, label: "n", amount: ${a} }]`,
    `function total${i}(rows: Row${i}[], k = ${b}): number {`,
    `  return rows.reduce((s, r) => s + r.amount * k, 0)`,
    `}`,
    `const v${i} = total${i}(rows${i})`,
    `const byLabel${i} = new Map(rows${i}.map((r) => [r.label, r]))`,
    `v${i}`,
  ].join("\n");
}

function notebook(analyzer: Awaited<ReturnType<typeof loadAnalyzer>>, tag = "") {
  const cells: VirtualCellInput[] = [];
  for (let i = 0; i < CELLS; i++) {
    const source = cellSource(i, tag);
    cells.push({ id: `c${i}`, language: "typescript", source, analysis: analyzer.analyze(source) });
  }
  return cells;
}

/** What the user types in the last cell, one keystroke at a time. */
const TYPED = "const picked = rows50.filter((r) => r.amount > 1).map((r) => r.label)";

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: round(at(0.5)), p90: round(at(0.9)) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Typing TYPED at the end of `prefix`, asking for completions after each keystroke at a `.`. */
function typingLatencies(complete: (source: string, offset: number) => number): number[] {
  const times: number[] = [];
  for (let n = 1; n <= TYPED.length && times.length < KEYSTROKES; n++) {
    const typed = TYPED.slice(0, n);
    if (!/[.\w]$/.test(typed)) continue;
    const t0 = performance.now();
    const count = complete(typed, typed.length);
    times.push(performance.now() - t0);
    if (typed.endsWith("rows50.") && count < 10) throw new Error("no array members offered");
  }
  return times;
}

async function bareBaseline(): Promise<number[]> {
  const libs = await loadSharedLibs();
  const t = libs.ts;
  const file = "/bare/one.ts";
  let text = "";
  let version = 0;
  const options = {
    target: t.ScriptTarget.ESNext,
    module: t.ModuleKind.ESNext,
    moduleResolution: t.ModuleResolutionKind.Bundler,
    lib: ["lib.esnext.d.ts"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const ls = t.createLanguageService({
    getCompilationSettings: () => options,
    getScriptFileNames: () => [...libs.rootFiles, file],
    getScriptVersion: (f) => (f === file ? String(version) : "0"),
    getScriptSnapshot: (f) => (f === file ? t.ScriptSnapshot.fromString(text) : libs.snapshot(f)),
    getCurrentDirectory: () => "/bare",
    getDefaultLibFileName: (o) => `${libs.libDir}/${t.getDefaultLibFileName(o)}`,
    fileExists: (f) => f === file || libs.snapshot(f) !== undefined,
    readFile: (f) => {
      const s = f === file ? t.ScriptSnapshot.fromString(text) : libs.snapshot(f);
      return s ? s.getText(0, s.getLength()) : undefined;
    },
  }, libs.registry);
  // The same upstream declaration the notebook's last cell sees, inlined in the one file.
  const prefix = `interface Row50 { id: number; label: string; amount: number }\n` +
    `declare const rows50: Row50[];\n`;
  // Warm it like the notebook (one answer before timing).
  text = prefix + "rows50.";
  version++;
  ls.getCompletionsAtPosition(file, text.length, {});
  const times = typingLatencies((typed) => {
    text = prefix + typed;
    version++;
    return ls.getCompletionsAtPosition(file, text.length, {})?.entries.length ?? 0;
  });
  ls.dispose();
  return times;
}

/** Memory per open notebook: run in a child with --expose-gc, prints one JSON line. */
async function memoryPerNotebook(): Promise<{ heap: number; rss: number } | null> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname, "--memory"],
    stderr: "inherit",
  }).output();
  if (!out.success) return null;
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  return JSON.parse(line);
}

async function memoryChild(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const analyzer = await loadAnalyzer();
  // One notebook first, so the shared libraries are loaded before measuring.
  const first = await createLanguageService({ cells: notebook(analyzer, " w"), analyzer });
  first.complete("c99", "rows50.", 7);
  const inputs = Array.from({ length: 5 }, (_, k) => notebook(analyzer, ` n${k}`));
  gc();
  const heap0 = Deno.memoryUsage().heapUsed;
  const rss0 = Deno.memoryUsage().rss;
  const open = [];
  for (const cells of inputs) {
    const ls = await createLanguageService({ cells, analyzer });
    ls.complete("c99", "rows50.", 7);
    for (const c of cells) ls.diagnostics(c.id);
    open.push(ls);
  }
  gc();
  const mib = (b: number) => round(b / open.length / 1048576);
  console.log(JSON.stringify({
    heap: mib(Deno.memoryUsage().heapUsed - heap0),
    rss: mib(Deno.memoryUsage().rss - rss0),
  }));
  for (const ls of open) ls.dispose();
  first.dispose();
}

/** Runs the benchmark and prints its figures. */
export async function main(): Promise<LangServiceBenchFigures> {
  const analyzer = await loadAnalyzer();
  const cells = notebook(analyzer);
  let t0 = performance.now();
  const ls = await createLanguageService({ cells, analyzer });
  const warmLibrariesMs = round(performance.now() - t0);
  t0 = performance.now();
  const first = ls.complete("c99", "rows50.", 7);
  const firstAnswerMs = round(performance.now() - t0);
  if (!first.items.some((i) => i.label === "filter")) throw new Error("no filter offered");

  t0 = performance.now();
  const ls2 = await createLanguageService({ cells: notebook(analyzer, " b"), analyzer });
  ls2.complete("c99", "rows50.", 7);
  const firstAnswerSecondNotebookMs = round(performance.now() - t0);
  ls2.dispose();

  const ours = typingLatencies((typed, offset) => ls.complete("c99", typed, offset).items.length);
  const unchanged: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    ls.complete("c99", TYPED, TYPED.length - 5);
    unchanged.push(performance.now() - s);
  }
  const bare = await bareBaseline();

  ls.update(cells);
  t0 = performance.now();
  let warnings = 0;
  for (const c of cells) warnings += ls.diagnostics(c.id).length;
  const fullCheckMs = round(performance.now() - t0);
  if (warnings !== 0) throw new Error(`the generated notebook has ${warnings} type warnings`);
  ls.dispose();

  const mem = await memoryPerNotebook();
  const o = stats(ours);
  const b = stats(bare);
  const figures: LangServiceBenchFigures = {
    cells: CELLS,
    warmLibrariesMs,
    firstAnswerMs,
    firstAnswerSecondNotebookMs,
    completeMedianMs: o.median,
    completeP90Ms: o.p90,
    bareMedianMs: b.median,
    bareP90Ms: b.p90,
    medianVsBareRatio: round(o.median / Math.max(b.median, 0.01)),
    unchangedSourceMedianMs: stats(unchanged).median,
    fullCheckMs,
    heapPerNotebookMiB: mem?.heap ?? null,
    rssPerNotebookMiB: mem?.rss ?? null,
  };
  console.log(
    `completion while typing in cell ${CELLS} (${ours.length} keystrokes): median ${o.median} ms, ` +
      `p90 ${o.p90} ms; bare one-file LS: median ${b.median} ms, p90 ${b.p90} ms ` +
      `(ratio ${figures.medianVsBareRatio}); unchanged source: ${figures.unchangedSourceMedianMs} ms`,
  );
  console.log(
    `first answer after opening: ${firstAnswerMs} ms (first notebook, declarations warm), ` +
      `${firstAnswerSecondNotebookMs} ms (second notebook, incl. opening); declarations ` +
      `parsed + bound once per process in slices: ${warmLibrariesMs} ms; full type check of ` +
      `${CELLS} cells: ${fullCheckMs} ms`,
  );
  console.log(
    `memory per open notebook (${CELLS} cells, checked): heap ${figures.heapPerNotebookMiB} MiB, ` +
      `rss ${figures.rssPerNotebookMiB} MiB`,
  );
  return figures;
}

if (import.meta.main) {
  if (Deno.args.includes("--memory")) await memoryChild();
  else await main();
}
