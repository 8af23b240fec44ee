import assert from "node:assert/strict";
import { sanitizeHtml } from "./sanitize_html.ts";

Deno.test("sanitizeHtml - keeps allowlisted markup", () => {
  assert.equal(
    sanitizeHtml('<p class="x">Hi <b>there</b> &amp; <a href="https://e.com">link</a></p>'),
    '<p class="x">Hi <b>there</b> &amp; <a href="https://e.com" rel="noopener noreferrer nofollow" target="_blank">link</a></p>',
  );
});

Deno.test("sanitizeHtml - drops scripts, handlers and javascript: URLs", () => {
  const cases = [
    "<script>alert(1)</script>ok",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    "<svg onload=alert(1)><script>alert(1)</script></svg>",
    '<iframe src="https://evil"></iframe>',
    '<div style="background:url(javascript:alert(1))">s</div>',
    "<scr<script>ipt>alert(1)</script>",
    '<img src="data:text/html,<script>alert(1)</script>">',
    "<<script>script>alert(1)<</script>/script>",
  ];
  for (const input of cases) {
    const out = sanitizeHtml(input);
    assert.ok(
      !/<script|onerror|onload|javascript:|<iframe|style=|data:text/i.test(out),
      `${input} -> ${out}`,
    );
  }
});

Deno.test("sanitizeHtml - balances tags and keeps raster data images", () => {
  assert.equal(sanitizeHtml("<div><b>x</div>"), "<div><b>x</b></div>");
  assert.equal(sanitizeHtml("<i>open"), "<i>open</i>");
  const img = '<img src="data:image/png;base64,AAAA" alt="a">';
  assert.equal(sanitizeHtml(img), img);
});
