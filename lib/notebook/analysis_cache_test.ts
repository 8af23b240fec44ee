import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ANALYSIS_FIELDS,
  analysisEntryPath,
  analysisKey,
  createCachedAnalyzer,
  parseEntry,
} from "./analysis_cache.ts";
import { ANALYZER_VERSION, loadAnalyzer } from "./analyzer.ts";
import { canonicalHash } from "./_hash.ts";
import { loadTypeScript, typeScriptNow } from "./_typescript.ts";
import { babelNow, loadBabel } from "./_babel.ts";

const plain = await loadAnalyzer();

/** Sources that exercise every field of an analysis (the pinned digest below is over them). */
const SOURCES = [
  "const a = b + 1",
  "import { x } from './helper.ts'\nexport const y = x * 2;",
  "let n = 0; n++; items.push(n); delete cfg.k; run(state)",
  "interface P { q: Q }\ntype R = P | S\nconst p: P = make()",
  "const key = Deno.env.get('API_KEY'); await fetch(url)",
  "function f() { return g() }\nclass C {}\nenum E { A }\nf()",
  "const el = <div>{label}</div>",
  "const broken = (1 + ;",
  'const { a: [b, ...c], d = e } = source; const m = await import("npm:zod")',
  "document.title = name; console.log(total)",
];

/**
 * The analyzer's output for SOURCES, pinned to ANALYZER_VERSION. When this test fails, the
 * analyzer's output changed: bump ANALYZER_VERSION in analyzer.ts (stored analyses of the old
 * version then miss) and put the new version and digest here.
 */
const PINNED = {
  version: 2,
  digest: "b3b859843fcdf94cb33f95bb4a77a660f8f66b643dc49505678119dddd04e3b1",
};

Deno.test("analysis cache: the analyzer's output is pinned to ANALYZER_VERSION", () => {
  const digest = canonicalHash(SOURCES.map((s) => plain.analyze(s)));
  assert.deepStrictEqual(
    { version: ANALYZER_VERSION, digest },
    PINNED,
    "the analyzer's output changed: bump ANALYZER_VERSION and update PINNED",
  );
  for (const s of SOURCES) {
    assert.deepStrictEqual(Object.keys(plain.analyze(s)).sort(), ANALYSIS_FIELDS);
  }
});

Deno.test("analysis cache: the parser module loaded by require is the imported one", async () => {
  assert.ok(babelNow() === await loadBabel());
  assert.ok(typeScriptNow() === await loadTypeScript());
});

Deno.test("analysis cache: a second analyzer over the same dir reads every analysis", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = createCachedAnalyzer({ dir });
    await first.prepare(SOURCES);
    await first.flush();
    assert.deepStrictEqual(first.stats, {
      hits: 0,
      misses: SOURCES.length,
      writes: SOURCES.length,
    });
    for (const s of SOURCES) assert.deepStrictEqual(first.analyze(s), plain.analyze(s));

    const second = createCachedAnalyzer({ dir });
    await second.prepare([...SOURCES, SOURCES[0]]);
    assert.deepStrictEqual(second.stats, { hits: SOURCES.length, misses: 0, writes: 0 });
    for (const s of SOURCES) assert.deepStrictEqual(second.analyze(s), plain.analyze(s));
    assert.deepStrictEqual(second.stats.misses, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analysis cache: a corrupt, foreign or wrong-version entry is a miss, then rewritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sources = SOURCES.slice(0, 5);
    const first = createCachedAnalyzer({ dir });
    await first.prepare(sources);
    await first.flush();
    const path = (s: string) => analysisEntryPath(dir, analysisKey(s));
    const good = await Deno.readTextFile(path(sources[0]));
    const entry = JSON.parse(good);
    // 0: truncated; 1: another source's entry under this name; 2: another analyzer version;
    // 3: a field missing; 4: a field of the wrong type.
    await Deno.writeTextFile(path(sources[0]), good.slice(0, good.length / 2));
    await Deno.writeTextFile(path(sources[1]), good);
    await Deno.writeTextFile(
      path(sources[2]),
      JSON.stringify({ ...entry, v: ANALYZER_VERSION + 1, key: analysisKey(sources[2]) }),
    );
    const { sourceHash: _, ...noHash } = entry.analysis;
    await Deno.writeTextFile(
      path(sources[3]),
      JSON.stringify({ v: ANALYZER_VERSION, key: analysisKey(sources[3]), analysis: noHash }),
    );
    await Deno.writeTextFile(
      path(sources[4]),
      JSON.stringify({
        v: ANALYZER_VERSION,
        key: analysisKey(sources[4]),
        analysis: { ...entry.analysis, defines: "a" },
      }),
    );
    const second = createCachedAnalyzer({ dir });
    await second.prepare(sources);
    await second.flush();
    assert.deepStrictEqual(second.stats, { hits: 0, misses: 5, writes: 5 });
    for (const s of sources) assert.deepStrictEqual(second.analyze(s), plain.analyze(s));
    // Rewritten: a third reader hits every entry.
    const third = createCachedAnalyzer({ dir });
    await third.prepare(sources);
    assert.deepStrictEqual(third.stats.hits, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analysis cache: a version bump changes every key", () => {
  // The key carries the version, and an entry carries it too (checked above): both must agree.
  const entry = JSON.stringify({
    v: ANALYZER_VERSION,
    key: analysisKey("x"),
    analysis: plain.analyze("x"),
  });
  assert.deepStrictEqual(parseEntry(entry, analysisKey("x")), plain.analyze("x"));
  assert.deepStrictEqual(
    parseEntry(entry.replace(`"v":${ANALYZER_VERSION}`, '"v":0'), analysisKey("x")),
    undefined,
  );
  assert.notEqual(analysisKey("x"), analysisKey("x "));
});

Deno.test("analysis cache: an unwritable store still analyzes, and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "not-a-dir");
    await Deno.writeTextFile(file, "");
    const errors: unknown[] = [];
    const a = createCachedAnalyzer({ dir: file, onWriteError: (e) => errors.push(e) });
    await a.prepare(["const a = 1"]);
    await a.flush();
    assert.deepStrictEqual(a.analyze("const a = 1"), plain.analyze("const a = 1"));
    assert.deepStrictEqual(errors.length, 1);
    assert.deepStrictEqual(a.stats.writes, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analysis cache: memory keeps the most recent analyses only", async () => {
  const a = createCachedAnalyzer({ memoryEntries: 2 });
  await a.prepare(["const a = 1", "const b = 2", "const c = 3"]);
  assert.deepStrictEqual(a.stats.misses, 3);
  a.analyze("const c = 3");
  assert.deepStrictEqual(a.stats.misses, 3);
  await a.prepare(["const d = 4"]); // a later prepare lets the others go
  a.analyze("const a = 1"); // evicted: analyzed again
  assert.deepStrictEqual(a.stats.misses, 5);
});

Deno.test("analysis cache: a prepare larger than memory keeps all it prepared", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = createCachedAnalyzer({ dir });
    await first.prepare(SOURCES);
    await first.flush();
    const small = createCachedAnalyzer({ dir, memoryEntries: 2 });
    await small.prepare(SOURCES);
    for (const s of SOURCES) small.analyze(s);
    assert.deepStrictEqual(small.stats, { hits: SOURCES.length, misses: 0, writes: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analysis cache: analyze without prepare reads the stored entry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = createCachedAnalyzer({ dir });
    for (const s of SOURCES) first.analyze(s);
    await first.flush();
    const second = createCachedAnalyzer({ dir });
    for (const s of SOURCES) assert.deepStrictEqual(second.analyze(s), plain.analyze(s));
    assert.deepStrictEqual(second.stats, { hits: SOURCES.length, misses: 0, writes: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analysis cache: a prepare's misses are written after it, not during it (an open never waits for the disk)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sources = Array.from({ length: 40 }, (_, i) => `const w${i} = ${i}`);
    const a = createCachedAnalyzer({ dir });
    await a.prepare(sources);
    assert.equal(a.stats.misses, 40);
    assert.equal(a.stats.writes, 0, "nothing written while the prepare ran");
    assert.deepEqual(a.analyze(sources[7]).defines, ["w7"]);
    await a.flush();
    assert.equal(a.stats.writes, 40);
    const again = createCachedAnalyzer({ dir });
    await again.prepare(sources);
    assert.deepEqual([again.stats.hits, again.stats.misses], [40, 0], "every entry was stored");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
