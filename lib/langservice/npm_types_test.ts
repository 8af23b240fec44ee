import assert from "node:assert/strict";
import { loadAnalyzer } from "../notebook/analyzer.ts";
import { createLanguageService } from "./language_service.ts";
import { npmCacheDirFrom } from "./npm_types.ts";

const analyzer = await loadAnalyzer();

/** A Deno npm cache with two versions of a typed package and one using `exports`. */
async function fakeCache(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "strata-npm-cache-" });
  const dir = `${root}/npm/registry.npmjs.org`;
  const write = async (path: string, text: string) => {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  };
  await write(`${dir}/tinypkg/1.2.3/package.json`, '{"name":"tinypkg","types":"index.d.ts"}');
  await write(
    `${dir}/tinypkg/1.2.3/index.d.ts`,
    'import type { Tone } from "./tone";\nexport declare function greet(name: string, tone?: Tone): string;\n',
  );
  await write(`${dir}/tinypkg/1.2.3/tone.d.ts`, 'export type Tone = "warm" | "dry";\n');
  await write(`${dir}/tinypkg/2.0.0/package.json`, '{"name":"tinypkg","types":"index.d.ts"}');
  await write(`${dir}/tinypkg/2.0.0/index.d.ts`, "export declare function greet(): number;\n");
  await write(
    `${dir}/@scope/mapped/0.1.0/package.json`,
    '{"name":"@scope/mapped","exports":{".":{"types":"./dist/main.d.ts","import":"./dist/main.js"}}}',
  );
  await write(`${dir}/@scope/mapped/0.1.0/dist/main.d.ts`, "export declare const answer: 42;\n");
  return root;
}

Deno.test("npm types - npm: imports in Deno's cache are typed, the version range picks the major", async () => {
  const root = await fakeCache();
  try {
    const src = [
      'import { greet } from "npm:tinypkg@^1.2";',
      'import { answer } from "npm:@scope/mapped";',
      'import missing from "npm:not-cached@3";',
      'greet("a", "loud");',
      "const s: string = answer;",
      "missing.anything();",
    ].join("\n");
    const ls = await createLanguageService({
      cells: [{ id: "a", language: "typescript", source: src, analysis: analyzer.analyze(src) }],
      analyzer,
      npmCacheDir: npmCacheDirFrom({ DENO_DIR: root }),
    });
    const hover = ls.hover("a", src, src.indexOf("greet(") + 1);
    assert.equal(hover.text, "greet(name: string, tone?: Tone): string");
    const warnings = ls.diagnostics("a");
    assert.equal(warnings.length, 2, JSON.stringify(warnings));
    assert.equal(warnings[0].line, 4);
    assert.match(warnings[0].message, /"loud"' is not assignable to parameter of type 'Tone/);
    assert.equal(warnings[1].line, 5, "types from package.json exports");
    assert.match(warnings[1].message, /Type 'number' is not assignable to type 'string'/);
    ls.dispose();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("npm types - the cache folder follows DENO_DIR, then XDG_CACHE_HOME, then HOME", () => {
  assert.equal(npmCacheDirFrom({ DENO_DIR: "/d" }), "/d/npm/registry.npmjs.org");
  assert.equal(
    npmCacheDirFrom({ XDG_CACHE_HOME: "/x", HOME: "/h" }),
    "/x/deno/npm/registry.npmjs.org",
  );
  assert.equal(npmCacheDirFrom({ HOME: "/h" }), "/h/.cache/deno/npm/registry.npmjs.org");
  assert.equal(npmCacheDirFrom({}), undefined);
});
