import assert from "node:assert/strict";
import { normalizedSourceHash, textHash } from "./source_hash.ts";

const SAME: [string, string, string][] = [
  ["comment-only edit", "const a = b + 1", "// explain\nconst a = b + 1 // trailing\n/* block */"],
  ["whitespace and newlines", "const a=b+1", "const a =\n  b +\n  1\n\n"],
  ["optional semicolons", "const a = 1\nf(a)", "const a = 1;\nf(a);"],
  ["quote style", "const s = 'hi'", 'const s = "hi"'],
  ["trailing commas", "f(a, b)\nconst o = { x: 1 }", "f(a, b,)\nconst o = { x: 1, }"],
  ["jsdoc", "function f() {}", "/** Docs. */\nfunction f() {}"],
  ["annotation comments", "const x = 1", "// @name first\n// @timeout 5\nconst x = 1"],
];

const DIFFERENT: [string, string, string][] = [
  ["operator", "const a = b + 1", "const a = b - 1"],
  ["identifier", "const a = b", "const a = c"],
  ["string content", "const s = 'hi'", "const s = 'hi '"],
  ["let vs const", "let a = 1", "const a = 1"],
  ["number", "const n = 1", "const n = 2"],
  ["call vs two statements (ASI)", "a\n(b)", "a;\n(b)"],
  ["statement order", "f()\ng()", "g()\nf()"],
  ["template text", "const t = `a${x}b`", "const t = `a${x}c`"],
  ["regex flags", "const r = /a/g", "const r = /a/i"],
  ["for header", "for (;x;) {}", "for (x;;) {}"],
];

for (const [label, a, b] of SAME) {
  Deno.test(`source hash - ${label} keeps the hash`, async () => {
    assert.equal(await normalizedSourceHash(a), await normalizedSourceHash(b));
  });
}

for (const [label, a, b] of DIFFERENT) {
  Deno.test(`source hash - ${label} changes the hash`, async () => {
    assert.notEqual(await normalizedSourceHash(a), await normalizedSourceHash(b));
  });
}

Deno.test("source hash - is 64 hex characters and deterministic", async () => {
  const h = await normalizedSourceHash("const x = 1");
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(h, await normalizedSourceHash("const x = 1"));
});

Deno.test("source hash - markdown ignores line endings but not words", () => {
  assert.equal(textHash("# Title\r\nbody\r\n"), textHash("# Title\nbody"));
  assert.notEqual(textHash("# Title\nbody"), textHash("# Title\nbody!"));
});
