import assert from "node:assert/strict";
import { renderMarkdown } from "./markdown.ts";

Deno.test("renderMarkdown - headings, emphasis, code, lists, links", () => {
  const html = renderMarkdown(
    "# Title\n\nSome **bold** and *it* with `a<b`.\n\n- one\n- two\n\n[x](https://e.com)",
  );
  assert.match(html, /<h1>Title<\/h1>/);
  assert.match(html, /<strong>bold<\/strong> and <em>it<\/em> with <code>a&lt;b<\/code>/);
  assert.match(html, /<ul><li>one<\/li><li>two<\/li><\/ul>/);
  assert.match(html, /<a href="https:\/\/e.com"/);
});

Deno.test("renderMarkdown - raw HTML and javascript: links stay inert", () => {
  const html = renderMarkdown(
    '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror="y">',
  );
  assert.ok(!html.includes("<script"));
  assert.ok(!html.includes("<img"));
  assert.ok(!html.includes('href="javascript'));
});

Deno.test("renderMarkdown - fenced code and tables", () => {
  const html = renderMarkdown("```ts\nconst a = 1 < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |");
  assert.match(html, /<pre><code class="language-ts">const a = 1 &lt; 2;<\/code><\/pre>/);
  assert.match(
    html,
    /<table><thead><tr><th>a<\/th><th>b<\/th><\/tr><\/thead><tbody><tr><td>1<\/td><td>2<\/td><\/tr><\/tbody><\/table>/,
  );
});
