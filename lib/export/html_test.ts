import assert from "node:assert/strict";
import { renderHtml } from "./html.ts";
import { codeCell, snapshotOf } from "./_snapshot_fixture.ts";

const HOSTILE = "</details><script>alert(1)</script>";

Deno.test("html export - hostile sources, names and outputs stay text", () => {
  const cell = codeCell("c1", `// ${HOSTILE}\nconst x = 1`, `"><img src=x onerror=alert(1)>`);
  cell.name = `<b onmouseover=alert(1)>`;
  cell.outputs!.console = [{ stream: "stdout", text: "</pre><script>alert(3)</script>" }];
  cell.outputs!.displays.push(
    { type: "html", data: `<p onclick="alert(4)">hi</p><script>alert(5)</script>` },
    { type: "markdown", data: `[x](javascript:alert(6)) <script>alert(7)</script>` },
    { type: "table", data: { columns: ["<th>"], rows: [["</td><script>"]], totalRows: 1 } },
    { type: "svg", data: `<svg onload="alert(8)"></svg>"'>` },
  );
  const html = renderHtml(snapshotOf([cell], `</title><script>alert(9)</script>`));
  // The only script element is the JSON receipts block.
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script type="application\/json" id="strata-receipts">/);
  assert.ok(html.includes("&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(!/ on[a-z]+=/i.test(html.replace(/&quot;|&#39;|&lt;[^&]*&gt;/g, "")));
  assert.ok(!/href="javascript:/i.test(html));
  assert.ok(html.includes("&lt;/td&gt;&lt;script&gt;"));
  // The SVG travels base64 inside an image: it can neither run nor break the attribute.
  assert.match(
    html,
    /<img class="output svg" alt="SVG output" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+">/,
  );
});

Deno.test("html export - remote images are dropped and the CSP forbids every request", () => {
  const cell = codeCell("c1", "x");
  cell.outputs!.displays = [
    { type: "html", data: `<img src="https://tracker.invalid/p.png" alt="t">` },
    { type: "markdown", data: `![pixel](http://tracker.invalid/q.png)` },
  ];
  const html = renderHtml(snapshotOf([cell]));
  assert.ok(!html.includes("tracker.invalid"));
  assert.match(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;/,
  );
});

Deno.test("html export - --no-code drops sources and keeps one receipt per output", () => {
  const snap = snapshotOf([codeCell("c1", "const secretSauce = 1"), codeCell("c2", "secretSauce")]);
  snap.cells[1].receipt = null;
  snap.cells[1].outputs = null;
  const withCode = renderHtml(snap);
  const without = renderHtml(snap, { code: false });
  assert.ok(withCode.includes("const secretSauce = 1"));
  assert.ok(!without.includes("secretSauce"));
  assert.equal((without.match(/<details class="receipt"/g) ?? []).length, 1);
  assert.match(without, /No current output \(ready\)/);
  assert.match(without, /<dt>by<\/dt><dd>ada<\/dd>/);
  assert.match(without, /<dt>env keys read<\/dt><dd>REGION<\/dd>/);
});
