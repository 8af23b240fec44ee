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

/** Sources whose hashes were recorded (their digest below); kept here, not in the corpus. */
const STABLE = [
  "const a = b + 1",
  "for (let i = 0; i < n; i++) { total += xs[i]; }",
  "const t = `a${x}b`; const r = /a+/gi; const big = 10n;",
  "export default class K<T> extends Base { #p = 1; get v(): T { return this.x as T } }",
  "import { a as b } from 'npm:x@1';\nconst { c, ...d } = await f(b)",
  'const el = <div class="x">{items.map((i) => <Item key={i} />)}</div>',
  "interface P { a?: number }\ntype Q = P & { b: string[] }\nenum E { A = 1 }",
];

Deno.test("source hash - stays the same across releases (stored provenance depends on it)", async () => {
  // Recorded for version 2 (Babel's tree, issue 20): a change here invalidates every cached result
  // and must come with a new "strata-src-vN" prefix.
  assert.equal(
    await normalizedSourceHash("const a = b + 1"),
    "1a8798dd5a0c17f904798187f6b0ce3111158730454a2242eee8535ef9fce68b",
  );
  const { createHash } = await import("node:crypto");
  const all = createHash("sha256");
  for (const source of STABLE) {
    all.update(await normalizedSourceHash(source));
    all.update(await normalizedSourceHash(source, { jsx: true }));
  }
  assert.equal(
    all.digest("hex"),
    "9a0f5b034138cc47c3c84ac29baa08fc8e6dead5c11a2cafefe29c9717d3120e",
  );
});
