import assert from "node:assert/strict";
import { promptAnalysis, promptBody, promptReferences, renderPrompt } from "./prompt_text.ts";

const CELL =
  "// @name summary\n\nSummarize {{ byRegion }} and compare with {{total}}; {{byRegion}} again";

Deno.test("prompt text - placeholders are references, once each, annotations are not prompt", () => {
  assert.deepEqual(promptReferences(CELL), ["byRegion", "total"]);
  assert.ok(!promptBody(CELL).includes("@name"));
});

Deno.test("prompt text - the analysis defines @name and reads the placeholders", () => {
  const a = promptAnalysis(CELL, "summary");
  assert.deepEqual(a.defines, ["summary"]);
  assert.deepEqual(a.references, ["byRegion", "total"]);
  assert.notEqual(a.sourceHash, promptAnalysis(CELL + " more", "summary").sourceHash);
  const bad = promptAnalysis(CELL, "not a name");
  assert.deepEqual(bad.defines, []);
  assert.equal(bad.diagnostics.length, 1);
});

Deno.test("prompt text - values render as JSON (strings as is), cut at the cap", () => {
  const values = new Map<string, unknown>([
    ["byRegion", new Map([["eu", 3n]])],
    ["total", "forty"],
  ]);
  const text = renderPrompt(CELL, values);
  assert.match(text, /"eu": "3"/);
  assert.match(text, /compare with forty;/);
  const long = renderPrompt("{{x}}", new Map([["x", "y".repeat(100)]]), { maxValueChars: 10 });
  assert.equal(long, `${"y".repeat(10)}\n… (cut: 100 characters in all)`);
  assert.equal(renderPrompt("see {{nope}}", new Map()), "see (undefined)");
});
