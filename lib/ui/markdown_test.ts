import assert from "node:assert/strict";
import { mapInWorker } from "./_test_in_worker.ts";
import { renderMarkdown } from "./markdown.ts";

/** The HTML without the whitespace markdown-it puts between block tags. */
const flat = (html: string) => html.replace(/>\s+</g, "><").trim();

Deno.test("renderMarkdown - headings, emphasis, code, lists, links", () => {
  const html = flat(renderMarkdown(
    "# Title\n\nSome **bold** and *it* with `a<b`.\n\n- one\n- two\n\n[x](https://e.com)",
  ));
  assert.match(html, /<h1>Title<\/h1>/);
  assert.match(html, /<strong>bold<\/strong> and <em>it<\/em> with <code>a&lt;b<\/code>/);
  assert.match(html, /<ul><li>one<\/li><li>two<\/li><\/ul>/);
  assert.match(
    html,
    /<a href="https:\/\/e.com" rel="noopener noreferrer nofollow" target="_blank"/,
  );
});

Deno.test("renderMarkdown - raw HTML and javascript: links stay inert", () => {
  const html = renderMarkdown(
    '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="y">\n\n' +
      "[y](JaVaScRiPt:alert(1)) [z](data:text/html;base64,PHNjcmlwdD4=) ![i](javascript:x) " +
      "[w](&#106;avascript:alert(1)) [v](vbscript:x) [f](file:///etc/passwd)",
  );
  assert.ok(!html.includes("<script"));
  assert.ok(!html.includes("<img src=x"));
  assert.doesNotMatch(html, /href="(javascript|data|vbscript|file)/i);
  assert.doesNotMatch(html, /src="javascript/i);
});

Deno.test("renderMarkdown - images: http(s) and data:image only; a data: link is no link", () => {
  const png = "data:image/png;base64,iVBORw0KGgo=";
  const html = renderMarkdown(`![a](https://e.com/a.png) ![b](${png}) [c](${png})`);
  assert.match(html, /<img src="https:\/\/e.com\/a.png" alt="a">/);
  assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="b">/);
  assert.match(html, /<a>c<\/a>/);
});

Deno.test("renderMarkdown - fenced code and tables", () => {
  const html = flat(
    renderMarkdown("```ts\nconst a = 1 < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
  );
  assert.match(html, /<pre><code class="language-ts">const a = 1 &lt; 2;\n<\/code><\/pre>/);
  assert.match(
    html,
    /<table><thead><tr><th>a<\/th><th>b<\/th><\/tr><\/thead><tbody><tr><td>1<\/td><td>2<\/td><\/tr><\/tbody><\/table>/,
  );
});

/**
 * Attack: markdown that makes a backtracking renderer run for minutes on the server's thread
 * (a cell's `display.markdown`, or a collaborator's markdown cell, rendered by every page load).
 * The hand-written renderer took 17 s for the first input at 4,000 spaces; here they are 20,000
 * long. Rendered in a Worker stopped after 20 s, so a regression fails instead of hanging.
 */
Deno.test("renderMarkdown - pathological inputs render, each in a Worker stopped after 20 s", async () => {
  const n = 20_000;
  const inputs: [string, RegExp][] = [
    ["# a" + " ".repeat(n) + "b", /^<h1>a\s+b<\/h1>$/],
    ["# " + "#".repeat(n) + "x", /^<h1>#+x<\/h1>$/],
    ["| a |\n|" + " ".repeat(n) + "x", /^<p>\| a \|\n\|\s+x<\/p>$/],
    ["**a" + " ".repeat(n), /^<p>\*\*a<\/p>$/],
    ["*a" + " x".repeat(n), /^<p>\*a( x)+<\/p>$/],
    ["[".repeat(n) + "a", /^<p>\[+a<\/p>$/],
    ["`".repeat(n) + "a", /^<pre><code class="language-a"><\/code><\/pre>$/], // a fence
    ["x `" + "`".repeat(n) + "a", /^<p>x `+a<\/p>$/],
    ["-" + " -".repeat(n) + " x", /^<ul>/],
  ];
  const out = await mapInWorker(
    new URL("./markdown.ts", import.meta.url).href,
    "renderMarkdown",
    inputs.map(([s]) => s),
    20_000,
  );
  inputs.forEach(([, want], i) => assert.match(out[i].trim(), want, `input ${i}`));
});
