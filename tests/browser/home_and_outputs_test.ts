// Home page (filter, sort, open errors, delete with confirmation), output types (table, markdown,
// sanitized html, svg), markdown cells, and friendly error pages, in a real browser.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady, watchErrors } from "./_browser.ts";

Deno.test({
  name: "browser - home page, output types and error pages",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      for (
        const [name, path] of [["Alpha sales", "alpha"], ["Beta costs", "team/beta"], [
          "Gamma",
          "gamma",
        ]]
      ) {
        await server.api("POST", "/v1/notebooks/create", { name, path });
      }
      await Deno.mkdir(`${server.dir}/notebooks/plain-folder`);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = watchErrors(page);
      let dialogs = 0;
      page.on("dialog", (d) => {
        dialogs++;
        d.dismiss();
      });

      await t.step(
        "home: filter, sort, open a non-notebook, delete with confirmation",
        async () => {
          await page.goto(`${server.url}/`);
          await waitReady(page);
          const rows = page.locator(".nb-list tbody tr");
          assert.equal(await rows.count(), 3);
          await page.getByLabel("Filter notebooks").fill("team");
          assert.equal(await rows.count(), 1);
          assert.equal(await rows.first().getAttribute("data-path"), "team/beta");
          await page.getByLabel("Filter notebooks").fill("");
          await page.getByRole("button", { name: "Name" }).click();
          assert.deepEqual(
            await rows.evaluateAll((r) => r.map((x) => x.getAttribute("data-path"))),
            ["alpha", "team/beta", "gamma"],
          );
          await page.getByRole("button", { name: "Name" }).click();
          assert.equal(await rows.first().getAttribute("data-path"), "gamma");

          await page.getByLabel("Path").fill("plain-folder");
          await page.getByRole("button", { name: "Open", exact: true }).click();
          await page.locator(".form-error", { hasText: "not a notebook folder" }).waitFor();

          await page.getByRole("button", { name: "Delete Gamma" }).click();
          await page.getByRole("button", { name: "Cancel" }).click();
          assert.equal(await rows.count(), 3);
          await page.getByRole("button", { name: "Delete Gamma" }).click();
          await page.getByRole("button", { name: "Delete permanently" }).click();
          await page.getByText("Deleted 'gamma'").waitFor();
          assert.equal(await rows.count(), 2);
          const listed = await server.api("GET", "/v1/notebooks/discover");
          assert.deepEqual(listed.body.notebooks.map((n: { path: string }) => n.path).sort(), [
            "alpha",
            "team/beta",
          ]);
        },
      );

      await t.step(
        "outputs: table sorted and paged, markdown, sanitized html, svg; markdown cell",
        async () => {
          const open = await server.api("POST", "/v1/notebooks/open", { path: "alpha" });
          const sid = open.body.sessionId;
          const add = (source: string, language = "typescript") =>
            server.api("POST", `/v1/notebooks/${sid}/cells`, { source, language });
          await add("# Sales\n\nSome **bold** notes.", "markdown");
          await add("Array.from({ length: 25 }, (_, i) => ({ n: i, sq: i * i, name: `r${i}` }))");
          await add(
            'display(md`## Heading\\n\\n- item`);\nhtml`<b class="bold">safe</b><img src=x onerror="alert(1)">`',
          );
          await add(
            'svg`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="teal"/></svg>`',
          );
          await add('console.log("hello from the console")');
          const run = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
          assert.equal(run.status, 200);

          await page.goto(`${server.url}/notebooks/alpha`);
          await waitReady(page, true);
          await page.locator(".cell-markdown .md-rendered h1", { hasText: "Sales" }).waitFor();
          const table = page.locator(".table-output");
          assert.match(await table.locator(".row-count").textContent() ?? "", /Rows 1–10 of 25/);
          await table.getByRole("button", { name: "sq" }).click();
          await table.getByRole("button", { name: "sq" }).click();
          assert.equal(
            await table.locator("tbody tr").first().locator("td").first().textContent(),
            "24",
          );
          await table.getByRole("button", { name: "Next page" }).click();
          assert.match(await table.locator(".row-count").textContent() ?? "", /Rows 11–20 of 25/);
          await page.locator(".output-markdown h2", { hasText: "Heading" }).waitFor();
          await page.locator(".output-html b.bold").waitFor();
          assert.equal(
            await page.locator(".output-html script, .output-html [onerror]").count(),
            0,
          );
          await page.locator(".output-svg").waitFor();
          assert.match(
            await page.locator(".console summary").textContent() ?? "",
            /Console \(1 line\)/,
          );
          await page.locator(".console pre", { hasText: "hello from the console" }).waitFor();
          await screenshot(page, "editor-output-types", true);

          // A markdown cell switches to an editor on Enter and back on Escape.
          await page.locator(".md-rendered").focus();
          await page.keyboard.press("Enter");
          await page.locator(".cell-markdown .cm-content").waitFor();
          await page.keyboard.press("Escape");
          await page.locator(".cell-markdown .md-rendered").waitFor();
          assert.equal(dialogs, 0, "no script ran");
        },
      );

      await t.step("friendly 404 pages without stack traces", async () => {
        for (
          const path of ["/no/such/page", "/notebooks/missing-one", "/notebooks/..%2F..%2Fetc"]
        ) {
          const res = await page.goto(`${server.url}${path}`);
          assert.ok(res && res.status() >= 400 && res.status() < 500, `${path}: ${res?.status()}`);
          await page.locator(".error-page a[href='/']").waitFor();
          assert.ok(!(await page.content()).match(/\bat .*\.ts:\d+/), "no stack trace");
        }
        const api = await server.api("GET", "/v1/no-such-route");
        assert.equal(api.status, 404);
        assert.equal(api.body.error.code, "not_found");
      });

      await t.step("assets: hashed URLs are immutable, unknown hashes are 404", async () => {
        await page.goto(`${server.url}/`);
        const src = await page.locator("script[type=module]").getAttribute("src");
        assert.match(src ?? "", /^\/static\/[0-9a-f]{20}\/home\.js$/);
        const res = await fetch(`${server.url}${src}`);
        await res.body?.cancel();
        assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
        const bad = await fetch(`${server.url}/static/0000/home.js`);
        await bad.body?.cancel();
        assert.equal(bad.status, 404);
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
