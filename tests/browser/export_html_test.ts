// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// The HTML export end to end: a notebook with markdown, a table, a chart, a secret in its env and
// a hostile cell is run on the real server, exported over HTTP, and opened from disk in Chromium.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady } from "./_browser.ts";

const SECRET = "tok-S3CR3T-98765-zz";
const HOSTILE = "</details><script>alert(1)</script>";

Deno.test({
  name: "export html - self-contained, receipts match /artifacts, no secret, nothing runs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      const created = await server.api("POST", "/v1/notebooks/create", { name: "Sales report" });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sid = created.body.sessionId;
      const env = await server.api("PUT", `/v1/notebooks/${sid}/env`, {
        values: { API_TOKEN: SECRET, REGION: "eu-west" },
      });
      assert.equal(env.status, 200, JSON.stringify(env.body));
      const add = async (source: string, language = "typescript") => {
        const r = await server.api("POST", `/v1/notebooks/${sid}/cells`, { source, language });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.cellId as string;
      };
      await add("# Quarterly sales\nNumbers *by region*, from the **store**.", "markdown");
      const table = await add(
        "// @name sales\nconst sales = [\n  { region: 'north', q1: 120, q2: 135 },\n" +
          "  { region: 'south', q1: 98, q2: 143 },\n]\nsales",
      );
      const chart = await add(
        "// @name chart\nconst bars = sales.map((s, i) =>\n" +
          '  `<rect x="${i * 70 + 10}" y="${150 - s.q2}" width="50" height="${s.q2}" ' +
          "fill=\"#2f6feb\"/>`).join('')\n" +
          'svg`<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160">${bars}</svg>`',
      );
      const secretCell = await add(
        '// @name token check\nconst token = Deno.env.get("API_TOKEN") ?? ""\n' +
          'console.log("using token", token);\n`token has ${token.length} characters`',
      );
      const hostile = await add(
        `// ${HOSTILE}\n// @name hostile\n` +
          'html`<b>bold</b><img src="https://example.invalid/pixel.png"><script>alert(2)</script>`',
      );
      const run = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(run.status, 200, JSON.stringify(run.body));
      assert.equal(
        run.body.run.ok,
        true,
        JSON.stringify(run.body.state.cells.map((c: any) => c.outputs?.error)),
      );

      const res = await fetch(`${server.url}/v1/notebooks/${sid}/export?format=html`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const html = await res.text();

      // No secret value anywhere: not in the console output, not in receipts (key names only).
      assert.ok(!html.includes(SECRET), "the secret value leaked into the export");
      assert.match(html, /using token \[secret:API_TOKEN\]/);
      // The hostile source is text, never markup.
      assert.ok(html.includes("&lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
      assert.ok(!html.includes("<script>alert"), "a cell's script reached the export");

      // One receipt per output, each matching the artifact index.
      const receipts = [...html.matchAll(
        /data-cell="([^"]+)" data-provenance="([0-9a-f]+)" data-output-hash="([^"]+)"/g,
      )].map((m) => ({ cell: m[1], provenance: m[2], output: m[3] }));
      assert.deepEqual(receipts.map((r) => r.cell), [table, chart, secretCell, hostile]);
      const artifacts = (await server.api("GET", `/v1/notebooks/${sid}/artifacts`)).body.artifacts;
      for (const r of receipts) {
        const stored = artifacts.find((a: any) => a.cellId === r.cell && a.variable === "$result");
        assert.ok(stored, `no $result artifact for ${r.cell}`);
        assert.equal(r.output, stored.contentHash);
        assert.equal(r.provenance, stored.provenance);
      }
      const embedded = JSON.parse(
        /<script type="application\/json" id="strata-receipts">(.*?)<\/script>/s.exec(html)![1],
      );
      assert.equal(embedded.length, 4);
      assert.deepEqual(embedded[2].env.readKeys, ["API_TOKEN"]);
      assert.equal(embedded[2].env.denoVersion, Deno.version.deno);
      assert.match(embedded[0].computedAt, /^\d{4}-\d\d-\d\dT/);

      const noCode = await (await fetch(
        `${server.url}/v1/notebooks/${sid}/export?format=html&code=false`,
      )).text();
      assert.ok(!noCode.includes('class="code"'));
      assert.ok(!noCode.includes("const sales"));
      assert.equal((noCode.match(/class="receipt"/g) ?? []).length, 4);

      for (const format of ["ipynb", "script"]) {
        const text =
          await (await fetch(`${server.url}/v1/notebooks/${sid}/export?format=${format}`))
            .text();
        assert.ok(text.length > 200, `${format} export is empty`);
        assert.ok(!text.includes(SECRET), `the secret value leaked into the ${format} export`);
      }
      const bad = await server.api("GET", `/v1/notebooks/${sid}/export?format=pdf`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /Invalid format: .*"html"\|"ipynb"\|"script"/);

      // The notebook page's Export HTML link downloads the same report.
      const app = await browser.newPage({ acceptDownloads: true });
      await app.goto(`${server.url}/notebooks/${created.body.notebook.path}`);
      await waitReady(app);
      await screenshot(app, "export-html-toolbar-link");
      const [download] = await Promise.all([
        app.waitForEvent("download"),
        app.getByRole("link", { name: "Export HTML" }).click(),
      ]);
      assert.equal(download.suggestedFilename(), "sales-report.html");
      const downloaded = await Deno.readTextFile(await download.path());
      assert.equal((downloaded.match(/<details class="receipt"/g) ?? []).length, 4);
      await app.close();

      // Opened from disk: nothing is fetched, nothing runs, the outputs show.
      const file = `${server.dir}/report.html`;
      await Deno.writeTextFile(file, html);
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on("request", (r) => {
        const url = r.url();
        if (!url.startsWith("file://") && !url.startsWith("data:")) requests.push(url);
      });
      let dialogs = 0;
      page.on("dialog", (d) => {
        dialogs++;
        d.dismiss();
      });
      await page.goto(`file://${file}`);
      await page.waitForLoadState("load");
      assert.equal(await page.locator("h1", { hasText: "Quarterly sales" }).count(), 1);
      assert.equal(await page.locator(".output.table tbody tr").count(), 2);
      assert.equal(await page.locator(".output.table td", { hasText: "south" }).count(), 1);
      const chartWidth = await page.locator("img.output.svg").evaluate((img) =>
        (img as HTMLImageElement).naturalWidth
      );
      assert.equal(chartWidth, 160);
      assert.equal(await page.locator(".output.html b", { hasText: "bold" }).count(), 1);
      await page.locator(`#cell-${table} details.receipt summary`).click();
      await page.locator(`#cell-${table} details.code summary`).click();
      await screenshot(page, "export-html-report", true);
      assert.deepEqual(requests, [], "the exported page made network requests");
      assert.equal(dialogs, 0, "a script ran in the exported page");
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
