import assert from "node:assert/strict";
import vm from "node:vm";
import Module, { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { codeCachePath, requireWithCodeCache } from "./_code_cache.ts";

/** A CommonJS module large enough that V8 caches real code, with a counter of its evaluations. */
const FIXTURE = `
globalThis.__evaluations = (globalThis.__evaluations ?? 0) + 1;
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
exports.fib = fib;
exports.where = __filename;
exports.self = () => require(__filename);
${Array.from({ length: 200 }, (_, i) => `exports.f${i} = (x) => x * ${i} + ${i};`).join("\n")}
`;

type Counted = typeof globalThis & { __evaluations?: number };

async function withFixture(
  fn: (file: string, dir: string) => void | Promise<void>,
  source = FIXTURE,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "strata-code-cache-" });
  const file = `${root}/fixture.cjs`;
  await Deno.writeTextFile(file, source);
  try {
    await fn(file, `${root}/cache`);
  } finally {
    forget(file);
    await Deno.remove(root, { recursive: true });
  }
}

/** Drops the module from Node's module cache, as a new process would start. */
function forget(file: string): void {
  delete (Module as unknown as { _cache: Record<string, unknown> })._cache[file];
}

function cacheFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

Deno.test("code cache - a first load compiles and writes the cache; the next load uses it and works the same", async () => {
  await withFixture(async (file, dir) => {
    const first = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
    assert.equal(first.use, "miss");
    const api = first.exports as { fib(n: number): number; where: string; self(): unknown };
    assert.equal(api.fib(20), 6765);
    assert.equal(api.where, file);
    // One module: a plain require (and the module's own) returns the same exports.
    assert.equal(createRequire(file)(file), first.exports);
    assert.equal(api.self(), first.exports);
    // Loaded again in the same process: the same module, not a second evaluation.
    const before = (globalThis as Counted).__evaluations;
    assert.equal(requireWithCodeCache(file, { dir, name: "fixture" }).exports, first.exports);
    assert.equal((globalThis as Counted).__evaluations, before);

    assert.equal(await first.written, true);
    assert.deepEqual(cacheFiles(dir), [first.path.split("/").at(-1)]);
    const bytes = await Deno.readFile(first.path);
    assert.ok(bytes.length > 32 + 1000, `a real code cache (${bytes.length} bytes)`);
    assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o600);

    forget(file);
    const second = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
    assert.equal(second.use, "hit");
    assert.notEqual(second.exports, first.exports, "a fresh evaluation");
    assert.equal((second.exports as typeof api).fib(20), 6765);
    assert.equal(await second.written, false, "a hit writes nothing");
  });
});

Deno.test("code cache - a torn or flipped cache is never used: the module compiles, works, and the cache is written again", async () => {
  await withFixture(async (file, dir) => {
    const first = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
    await first.written;
    const good = await Deno.readFile(first.path);
    const flipped = good.slice();
    flipped[good.length - 10] ^= 0xff; // one bit of code changed: the digest no longer matches
    const cases: [string, Uint8Array, string][] = [
      ["empty", new Uint8Array(0), "corrupt"],
      ["torn", good.subarray(0, good.length >> 1), "corrupt"],
      ["flipped", flipped, "corrupt"],
    ];
    for (const [what, bytes, use] of cases) {
      await Deno.writeFile(first.path, bytes);
      forget(file);
      const load = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
      assert.equal(load.use, use, what);
      assert.equal((load.exports as { fib(n: number): number }).fib(15), 610, what);
      assert.equal(await load.written, true, what);
      forget(file);
      assert.equal(requireWithCodeCache(file, { dir, name: "fixture" }).use, "hit", what);
    }
  });
});

/**
 * Plants another script's cache under the module's cache name and loads it: refused by V8, the
 * module still works, and a cache of its own is written. `source` must be new to this process
 * (V8 would otherwise answer from memory and never read the file's).
 */
async function foreignCacheRefused(take: "compile" | "use", marker: string): Promise<void> {
  await withFixture(async (file, dir) => {
    const options = { dir, name: "fixture", take, writeAfterMs: 0 };
    const other = new vm.Script(`(function () { return "${marker}" })`).createCachedData();
    await Deno.mkdir(dir);
    const path = codeCachePath(file, options);
    await Deno.writeFile(
      path,
      new Uint8Array([...createHash("sha256").update(other).digest(), ...other]),
    );
    const load = requireWithCodeCache(file, options);
    assert.equal(load.use, "rejected");
    assert.equal((load.exports as { foreign: string }).foreign, marker);
    assert.equal(await load.written, true);
    assert.ok((await Deno.readFile(path)).length > other.length);
  }, FIXTURE + `\nexports.foreign = "${marker}";\n`);
}

Deno.test("code cache - another script's cache under the right name is refused by V8, and replaced", async () => {
  await foreignCacheRefused("compile", "compile");
});

Deno.test("code cache - a same-size edit of the source is another cache (V8 itself checks only the length)", async () => {
  await withFixture(async (file, dir) => {
    const options = { dir, name: "fixture" };
    const before = codeCachePath(file, options);
    await Deno.writeTextFile(file, FIXTURE.replace("x * 1 + 1", "x * 1 - 1"));
    await Deno.utime(file, 1, 2_000_000_000);
    assert.equal((await Deno.stat(file)).size, FIXTURE.length);
    assert.notEqual(codeCachePath(file, options), before);
  });
});

Deno.test("code cache - a changed source gets its own cache and the old one (and a crash's temp file) is removed; other names are kept", async () => {
  await withFixture(async (file, dir) => {
    const first = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
    await first.written;
    await Deno.writeTextFile(`${dir}/other-0123.v8`, "kept");
    await Deno.writeTextFile(`${dir}/.fixture-0123.v8.dead.tmp`, "left by a crash");
    await Deno.writeTextFile(file, FIXTURE + "\nexports.added = 1;\n");
    forget(file);
    const changed = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
    assert.equal(changed.use, "miss");
    assert.notEqual(changed.path, first.path);
    assert.equal((changed.exports as { added: number }).added, 1);
    await changed.written;
    assert.deepEqual(cacheFiles(dir), [changed.path.split("/").at(-1), "other-0123.v8"].sort());
  });
});

Deno.test("code cache - a folder it cannot write costs only the cache; a module that throws is not kept", async () => {
  await withFixture(async (file, dir) => {
    await Deno.writeTextFile(dir, "a file where the folder should be");
    const load = requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 });
    assert.equal((load.exports as { fib(n: number): number }).fib(10), 55);
    assert.equal(await load.written, false);
    assert.equal(await Deno.readTextFile(dir), "a file where the folder should be");
  });
  await withFixture((file, dir) => {
    assert.throws(
      () => requireWithCodeCache(file, { dir, name: "fixture", writeAfterMs: 0 }),
      /broken at load/,
    );
    // Not half-registered: a later require evaluates it again (and throws again).
    assert.throws(() => createRequire(file)(file), /broken at load/);
    assert.deepEqual(cacheFiles(dir), []);
  }, "throw new Error('broken at load');");
});

Deno.test('code cache - take "use": the cache is taken when written, with the functions that ran by then, and positions stay the file\'s', async () => {
  const source = FIXTURE + "\nexports.fails = () => { throw new Error('from line'); };\n";
  const line = source.split("\n").findIndex((l) => l.includes("from line")) + 1;
  await withFixture(async (file, dir) => {
    const options = { dir, name: "fixture", take: "use" as const, writeAfterMs: 0 };
    // Written before anything is called: the module's outer code only.
    const idle = requireWithCodeCache(file, options);
    assert.equal(idle.use, "miss");
    assert.equal(await idle.written, true);
    const idleSize = (await Deno.readFile(idle.path)).length;
    await Deno.remove(idle.path);
    forget(file);
    // Written after the module's functions ran: they are in it.
    const used = requireWithCodeCache(file, options);
    const api = used.exports as Record<string, (x: number) => number> & { fib(n: number): number };
    assert.equal(api.fib(20), 6765);
    for (let i = 0; i < 200; i++) assert.equal(api[`f${i}`](2), 3 * i);
    assert.equal(await used.written, true);
    const usedSize = (await Deno.readFile(used.path)).length;
    assert.ok(usedSize > idleSize * 1.5, `used ${usedSize} bytes against ${idleSize} unused`);
    forget(file);
    const again = requireWithCodeCache(file, options);
    assert.equal(again.use, "hit");
    assert.notEqual(again.exports, used.exports, "a fresh evaluation");
    const more = again.exports as typeof api & { fails(): never };
    assert.equal(more.fib(15), 610);
    assert.equal(createRequire(file)(file), again.exports, "one module for require too");
    // The wrapper shares the source's first line: a frame in the module names the file's line.
    assert.throws(() => more.fails(), (e: Error) => {
      assert.match(e.stack ?? "", new RegExp(`fixture\\.cjs:${line}:`));
      return true;
    });
  }, source);
});

Deno.test('code cache - take "use": a torn, flipped or foreign cache is never used, and is written again', async () => {
  await withFixture(async (file, dir) => {
    const options = { dir, name: "fixture", take: "use" as const, writeAfterMs: 0 };
    const first = requireWithCodeCache(file, options);
    await first.written;
    const good = await Deno.readFile(first.path);
    const flipped = good.slice();
    flipped[good.length - 10] ^= 0xff;
    const cases: [string, Uint8Array, string][] = [
      ["torn", good.subarray(0, good.length >> 1), "corrupt"],
      ["flipped", flipped, "corrupt"],
    ];
    for (const [what, bytes, use] of cases) {
      await Deno.writeFile(first.path, bytes);
      forget(file);
      const load = requireWithCodeCache(file, options);
      assert.equal(load.use, use, what);
      assert.equal((load.exports as { fib(n: number): number }).fib(15), 610, what);
      assert.equal(await load.written, true, what);
      forget(file);
      assert.equal(requireWithCodeCache(file, options).use, "hit", what);
    }
  }, FIXTURE + "\nexports.take = 'use';\n");
  await foreignCacheRefused("use", "use");
});
