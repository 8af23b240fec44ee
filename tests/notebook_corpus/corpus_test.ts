import assert from "node:assert/strict";
import { loadAnalyzer } from "../../lib/notebook/analyzer.ts";
import { CORPUS } from "./cells.ts";

Deno.test("notebook corpus - has at least 60 tricky cells with unique names", () => {
  assert.ok(CORPUS.length >= 60, `only ${CORPUS.length} cells`);
  assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length);
});

Deno.test("notebook corpus - analyzer finds the expected definitions and references", async () => {
  const analyzer = await loadAnalyzer();
  const failures: string[] = [];
  for (const cell of CORPUS) {
    const got = analyzer.analyze(cell.source);
    const checks: [string, unknown, unknown][] = [
      ["defines", got.defines, [...cell.defines].sort()],
      ["references", got.references, [...cell.references].sort()],
    ];
    const optional = [
      "mutates",
      "typeOnlyReferences",
      "typeDefines",
      "globalReferences",
      "imports",
      "envKeys",
    ] as const;
    for (const key of optional) {
      const want = cell[key];
      if (want) checks.push([key, got[key], [...want].sort()]);
    }
    if (cell.hasTopLevelAwait !== undefined) {
      checks.push(["hasTopLevelAwait", got.hasTopLevelAwait, cell.hasTopLevelAwait]);
    }
    if (cell.diagnostics === undefined) checks.push(["diagnostics", got.diagnostics, []]);
    else checks.push(["has diagnostics", got.diagnostics.length > 0, cell.diagnostics > 0]);
    for (const [key, actual, expected] of checks) {
      try {
        assert.deepEqual(actual, expected);
      } catch {
        failures.push(
          `${cell.name}: ${key} = ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`,
        );
      }
    }
  }
  assert.deepEqual(failures, []);
});
