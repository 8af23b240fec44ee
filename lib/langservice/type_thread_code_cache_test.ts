/**
 * The type Worker loads the compiler from Strata's V8 code cache (issue 20: a Worker gets no code
 * cache from Deno, so its load took 150–190 ms against 34 ms from this cache). The cache is written
 * by the Worker after its first load, used by the next Worker, and a damaged cache costs a compile,
 * never a wrong answer.
 */
import assert from "node:assert/strict";
import {
  configureTypeThread,
  openTypeService,
  stopTypeThread,
  typeThreadCompiler,
} from "./type_thread.ts";
import { configureTypeScriptCodeCache } from "../notebook/_typescript.ts";
import { loadAnalyzer } from "../notebook/analyzer.ts";

const SOURCES = ["const b = 2", "const a: number = b + 1", "const s: string = a"];

/** Type-checks SOURCES in the type Worker (what loads the compiler there) and returns the result. */
async function checkInTypeThread(): Promise<unknown> {
  const analyzer = await loadAnalyzer();
  const cells = SOURCES.map((source, i) => ({
    id: `c${i}`,
    language: "typescript" as const,
    source,
    analysis: analyzer.analyze(source),
  }));
  const service = await openTypeService(cells, { onLost: () => {} });
  try {
    return await service.check();
  } finally {
    service.dispose();
  }
}

/** The file's SHA-256 header matches its payload (_code_cache.ts's format). */
async function intact(file: string): Promise<boolean> {
  const bytes = await Deno.readFile(file);
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.subarray(32)));
  return sum.every((b, i) => b === bytes[i]);
}

async function cacheFile(dir: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const found = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".v8"));
    if (found) return `${dir}/${found.name}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the type Worker wrote no code cache");
}

Deno.test("type thread - the Worker writes the compiler's code cache, the next Worker loads from it, a damaged one is replaced", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-ts-cache-" });
  configureTypeThread({ worker: true });
  configureTypeScriptCodeCache(dir, { writeAfterMs: 0 });
  try {
    await stopTypeThread();
    const expected = await checkInTypeThread();
    assert.match(JSON.stringify(expected), /not assignable to type 'string'/);
    assert.deepEqual(await typeThreadCompiler(), {
      loaded: true,
      codeCache: "miss",
      parser: false,
    });
    const file = await cacheFile(dir);

    await stopTypeThread(); // a new Worker, as after the idle stop or a restart
    assert.deepEqual(await checkInTypeThread(), expected);
    assert.deepEqual(await typeThreadCompiler(), { loaded: true, codeCache: "hit", parser: false });

    assert.ok(await intact(file));
    const damaged = (await Deno.readFile(file)).slice();
    damaged[damaged.length >> 1] ^= 0x55;
    await Deno.writeFile(file, damaged);
    assert.equal(await intact(file), false);
    await stopTypeThread();
    assert.deepEqual(await checkInTypeThread(), expected, "the same answers");
    assert.deepEqual(await typeThreadCompiler(), {
      loaded: true,
      codeCache: "corrupt",
      parser: false,
    });
    for (let i = 0; i < 200 && !(await intact(file)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopTypeThread();
    await checkInTypeThread();
    assert.deepEqual(
      await typeThreadCompiler(),
      { loaded: true, codeCache: "hit", parser: false },
      "rewritten",
    );
  } finally {
    await stopTypeThread();
    configureTypeScriptCodeCache(undefined);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("type thread - without a code cache folder the Worker loads the compiler as before", async () => {
  configureTypeThread({ worker: true });
  try {
    await stopTypeThread();
    await checkInTypeThread();
    assert.deepEqual(await typeThreadCompiler(), { loaded: true, codeCache: null, parser: false });
  } finally {
    await stopTypeThread();
  }
});
