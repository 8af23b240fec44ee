// Issue 16: a 1,000,000-row result pages, sorts and filters on the server; the page never
// receives more than one page of rows.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady, watchErrors } from "./_browser.ts";

const N = 1_000_000;

Deno.test({
  name: "browser - a 1,000,000-row table pages, sorts and filters from the server",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", { name: "Big", path: "big" });
      const open = await server.api("POST", "/v1/notebooks/open", { path: "big" });
      const sid = open.body.sessionId;
      await server.api("POST", `/v1/notebooks/${sid}/cells`, {
        source: `const big = Array.from({ length: ${N} }, (_, i) => ` +
          '({ id: i, v: (i * 7919) % 1000003, label: "r" + i }));\nbig',
        language: "typescript",
      });
      const run = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(run.status, 200, JSON.stringify(run.body).slice(0, 2000));
      const cell = run.body.state.cells[0];
      assert.equal(cell.status, "ready", JSON.stringify(cell.outputs).slice(0, 2000));
      const table = cell.outputs.displays[0];
      assert.equal(table.type, "table");
      assert.equal(table.data.totalRows, N);
      assert.equal(table.data.source, "$table:0"); // no other cell reads `big`: stored for paging
      assert.equal(table.data.rows.length, 50, "the display carries only the first page");

      await t.step("the command answers pages; bad input is a clear 400", async () => {
        const base = `/v1/notebooks/${sid}/cells/${cell.id}`;
        const p = await server.api("POST", `${base}/table-page`, {
          display: 0,
          offset: 10,
          limit: 5,
          sort: { col: 0, dir: -1 },
        });
        assert.equal(p.status, 200, JSON.stringify(p.body));
        assert.equal(p.body.rows.length, 5);
        assert.deepEqual(p.body.rows[0], [N - 11, ((N - 11) * 7919) % 1000003, `r${N - 11}`]);
        const bad = await server.api("POST", `${base}/table-page`, { display: 0, limit: 5000 });
        assert.equal(bad.status, 400);
        const file = await fetch(`${server.url}${base}/table?display=0&format=csv`);
        assert.equal(file.status, 200);
        const text = await file.text();
        assert.ok(text.startsWith("id,v,label\r\n0,0,r0\r\n"));
        assert.equal(text.split("\r\n").length, N + 2, "header + every row + final newline");
      });

      await t.step("the page pages, sorts and filters, one page at a time", async () => {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        const errors = watchErrors(page);
        const received: number[] = [];
        page.on("response", async (res) => {
          if (!res.url().includes("/table-page")) return;
          received.push(((await res.json()) as { rows: unknown[] }).rows.length);
        });
        const html = await (await fetch(`${server.url}/notebooks/big`)).text();
        assert.ok(html.length < 200_000, `the page HTML is ${html.length} bytes`);
        await page.goto(`${server.url}/notebooks/big`);
        await waitReady(page);
        const view = page.locator(".table-output[data-paged='server']");
        await view.waitFor({ timeout: 60_000 });
        const count = view.locator(".row-count");
        assert.match(await count.textContent() ?? "", /Rows 1–50 of 1000000/);
        await view.getByRole("button", { name: "Next page" }).click();
        await count.filter({ hasText: "Rows 51–100 of 1000000" }).waitFor();
        await view.locator("tbody tr").first().locator("td", { hasText: /^50$/ }).first()
          .waitFor();
        await view.getByRole("button", { name: "id" }).click(); // ascending, back to page 1
        await view.getByRole("button", { name: "id" }).click(); // descending
        await view.locator("tbody tr").first().locator("td").first()
          .filter({ hasText: String(N - 1) }).waitFor({ timeout: 30_000 });
        await view.getByLabel("Search rows").fill("r99999");
        await count.filter({ hasText: /of 11 \(filtered from 1000000\)/ }).waitFor({
          timeout: 30_000,
        });
        assert.equal(await view.locator("tbody tr").count(), 11);
        assert.ok(received.length >= 3, `pages fetched: ${received.length}`);
        assert.ok(received.every((n) => n <= 50), `rows per answer: ${received}`);
        await screenshot(page, "table-million-rows");
        assert.deepEqual(errors, []);
        await page.close();
      });
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
