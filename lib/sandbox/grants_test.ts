import assert from "node:assert/strict";
import { isAbsolute, normalize, resolve } from "node:path";
import { absolutePath } from "./grants.ts";

/** What absolutePath computed with node:path before it worked on strings. */
function viaNodePath(p: string, base: string): string {
  const abs = normalize(isAbsolute(p) ? p : resolve(base, p));
  return abs.length > 1 && abs.endsWith("/") ? abs.slice(0, -1) : abs;
}

Deno.test("grants - absolutePath resolves and normalizes as node:path does", () => {
  const cases: [string, string][] = [
    ["data", "/srv/nb"],
    ["./data/", "/srv/nb"],
    ["../data", "/srv/nb"],
    ["../../../..", "/srv/nb"],
    ["/etc//passwd", "/srv/nb"],
    ["/", "/srv/nb"],
    ["//", "/srv/nb"],
    ["/a/./b/../c/", "/x"],
    [".", "/srv/nb/"],
    ["", "/srv/nb"],
    ["x", ""],
    ["x", "rel/dir"],
    ["..", "."],
    ["a/..", "/"],
    ["...", "/srv"],
    ["a b/ c", "/srv"],
  ];
  for (const [p, base] of cases) {
    assert.equal(absolutePath(p, base), viaNodePath(p, base), `${p} against ${base}`);
  }
  // Random paths over the segments that matter.
  const parts = ["", ".", "..", "a", "b", "..."];
  let seed = 7;
  const pick = () => parts[(seed = (seed * 1103515245 + 12345) % 2147483648) % parts.length];
  const path = () => {
    const n = 1 + (seed % 5);
    const segs = Array.from({ length: n }, pick);
    return (seed % 2 ? "/" : "") + segs.join("/") + (seed % 3 ? "" : "/");
  };
  for (let i = 0; i < 2000; i++) {
    const p = path();
    const base = path();
    assert.equal(absolutePath(p, base), viaNodePath(p, base), `${p} against ${base}`);
  }
});
