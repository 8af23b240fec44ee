/**
 * Where the memory of an open notebook's type service goes (issue 20): RSS and V8 heap after each
 * step of loading the analyzer and a language service for a 100-cell notebook, in one process.
 *
 *   scripts/deno run -A --v8-flags=--expose-gc bench/langservice_memory.ts [cells] [notebooks]
 */
import { loadAnalyzer } from "../lib/notebook/analyzer.ts";

const cells = Number(Deno.args[0] ?? 100);
const notebooks = Number(Deno.args[1] ?? 2);
const gc = (globalThis as { gc?: () => void }).gc;
const MiB = 1024 * 1024;
let last = { rss: 0, heap: 0, ext: 0 };

function mark(step: string): void {
  gc?.();
  gc?.();
  const m = Deno.memoryUsage();
  const now = { rss: m.rss / MiB, heap: m.heapUsed / MiB, ext: m.external / MiB };
  const d = (a: number, b: number) => `${a - b >= 0 ? "+" : ""}${(a - b).toFixed(1)}`;
  console.log(
    `${step.padEnd(58)} rss ${now.rss.toFixed(1).padStart(6)} (${
      d(now.rss, last.rss).padStart(6)
    })` +
      `  heap ${now.heap.toFixed(1).padStart(6)} (${d(now.heap, last.heap).padStart(6)})` +
      `  external ${now.ext.toFixed(1)}`,
  );
  last = now;
}

const source = (i: number) => i === 0 ? "const v0 = 1" : `const v${i} = v${i - 1} + ${i}`;

mark("start (analyzer module imported, no TypeScript)");
const { loadTypeScript } = await import("../lib/notebook/_typescript.ts");
await loadTypeScript();
mark("TypeScript module loaded");
const analyzer = await loadAnalyzer();
const inputs = Array.from({ length: cells }, (_, i) => ({
  id: `c${i}`,
  language: "typescript" as const,
  source: source(i),
  analysis: analyzer.analyze(source(i)),
}));
mark(`analyzer: ${cells} cells analyzed`);
const { loadSharedLibs } = await import("../lib/langservice/_libs.ts");
const libs = await loadSharedLibs();
mark("Deno declarations module imported (strings)");
const { createLanguageService } = await import("../lib/langservice/language_service.ts");
const services = [];
for (let n = 0; n < notebooks; n++) {
  const t0 = performance.now();
  const ls = await createLanguageService({ cells: inputs, analyzer });
  mark(
    `nb${n}: service created (lib .d.ts parsed+bound: ${n === 0 ? "yes" : "shared"}) ${
      (performance.now() - t0).toFixed(0)
    } ms`,
  );
  const t1 = performance.now();
  ls.diagnostics("c0");
  mark(`nb${n}: program + checker, first diagnostics ${(performance.now() - t1).toFixed(0)} ms`);
  const t2 = performance.now();
  for (const c of inputs) ls.diagnostics(c.id);
  mark(`nb${n}: diagnostics of all ${cells} cells ${(performance.now() - t2).toFixed(0)} ms`);
  const t3 = performance.now();
  ls.complete("c5", "v4.", 3);
  ls.complete("c6", "Deno.", 5);
  mark(`nb${n}: completions (v4., Deno.) ${(performance.now() - t3).toFixed(0)} ms`);
  services.push(ls);
}
void libs;
for (const s of services) s.dispose();
mark("all services disposed");
