import assert from "node:assert/strict";
import { installDom, isDomElement, needsDom, themedSvg } from "./_dom.ts";
import { toDisplay } from "./display.ts";

const PLOT = "npm:@observablehq/plot@0.6.17";

Deno.test("needsDom - Plot, d3 and document trigger it; ordinary cells do not", () => {
  assert.equal(needsDom(['import * as Plot from "npm:@observablehq/plot";']), true);
  assert.equal(needsDom(['import * as d3 from "npm:d3@7";']), true);
  assert.equal(needsDom(["const p = document.createElement('p'); p"]), true);
  assert.equal(needsDom(["const documents = [1, 2]; documents.length"]), false);
  assert.equal(needsDom(["const x = 1;", "export const y = x + 1;"]), false);
});

Deno.test("themedSvg - adds the namespace and the theme style as the first child", () => {
  const out = themedSvg('<svg viewBox="0 0 1 1" fill="currentColor"><rect/></svg>');
  assert.match(out, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox/);
  assert.match(out, /^<svg[^>]*><style>:root\{color:#1d1f23/);
  assert.match(out, /prefers-color-scheme: dark/);
});

Deno.test({
  name: "toDisplay - a Plot bar chart made on the server DOM is an SVG with one bar per datum",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await installDom();
    const Plot = await import(PLOT);
    const data = [{ k: "a", v: 1 }, { k: "b", v: 3 }, { k: "c", v: 2 }, { k: "d", v: 5 }];
    const chart = Plot.plot({ marks: [Plot.barY(data, { x: "k", y: "v" })] });
    assert.equal(isDomElement(chart), true);
    const d = toDisplay(chart);
    assert.equal(d?.type, "svg");
    const svg = d!.data as string;
    assert.equal((svg.match(/<rect\b/g) ?? []).length, data.length);
    assert.match(svg, /fill="currentColor"/);
    assert.match(svg, /<style>:root\{color:/);
    const titled = Plot.plot({ title: "T", marks: [Plot.barY(data, { x: "k", y: "v" })] });
    assert.equal(toDisplay(titled)?.type, "iframe", "a figure with an SVG needs the iframe");
    const p = (globalThis as unknown as { document: Document }).document.createElement("p");
    p.textContent = "hi";
    assert.deepEqual(toDisplay(p), { type: "html", data: "<p>hi</p>" });
  },
});
