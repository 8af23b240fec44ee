// Issue 16: a Plot chart with no setup (light and dark screenshots) and a sandboxed iframe output
// whose script runs but can neither read the page nor reach the network.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady, watchErrors } from "./_browser.ts";

const SALES = [["a", 3], ["b", 7], ["c", 5], ["d", 2], ["e", 6]];

/** Cells run `--cached-only` here (no registry host granted): put Plot and linkedom in the cache. */
async function precache(): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "--no-config", "npm:@observablehq/plot@0.6.17", "npm:linkedom@0.18.15"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: "browser - Plot charts, sandboxed iframe outputs, table tools, variables panel",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await precache();
    // An attacker's listener: any request the iframe manages to make lands here.
    const hits: string[] = [];
    const spy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      hits.push(req.url);
      return new Response("leak", { headers: { "access-control-allow-origin": "*" } });
    });
    const spyUrl = `http://127.0.0.1:${spy.addr.port}`;
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", { name: "Charts", path: "charts" });
      const open = await server.api("POST", "/v1/notebooks/open", { path: "charts" });
      const sid = open.body.sessionId;
      const add = (source: string) =>
        server.api("POST", `/v1/notebooks/${sid}/cells`, { source, language: "typescript" });
      await add(
        'import * as Plot from "npm:@observablehq/plot";\n' +
          `const sales = ${JSON.stringify(SALES.map(([k, v]) => ({ k, v })))};\n` +
          'Plot.plot({ marks: [Plot.barY(sales, { x: "k", y: "v" }), Plot.ruleY([0])] })',
      );
      await add(
        'display(html`<p id="out">waiting</p><script>\n' +
          "const r = [];\n" +
          'try { r.push("doc:" + parent.document.title); } catch { r.push("doc:blocked"); }\n' +
          'try { r.push("cookie:" + document.cookie); } catch { r.push("cookie:blocked"); }\n' +
          `new Image().src = "${spyUrl}/img";\n` +
          `fetch("${spyUrl}/fetch").then(() => "fetch:leaked", () => "fetch:blocked")\n` +
          '  .then((f) => { document.getElementById("out").textContent = [...r, f].join(" "); });\n' +
          '</script>`, { type: "iframe" })',
      );
      await add('[{ n: 1, name: "alpha" }, { n: 2, name: "beta" }, { n: 3, name: null }]');
      const run = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(run.status, 200, JSON.stringify(run.body));

      for (const scheme of ["light", "dark"] as const) {
        await t.step(`a Plot bar chart is an SVG with one bar per datum (${scheme})`, async () => {
          const page = await browser.newPage({
            viewport: { width: 1100, height: 900 },
            colorScheme: scheme,
          });
          const errors = watchErrors(page);
          await page.goto(`${server.url}/notebooks/charts`);
          await waitReady(page);
          const img = page.locator(".cell").first().locator("img.output-svg");
          await img.waitFor({ timeout: 60_000 });
          const svg = await img.evaluate((el: HTMLImageElement) => {
            const b64 = el.src.slice(el.src.indexOf(",") + 1);
            return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
          });
          // Plot's bars are the rects of the barY group (its ruleY is a line).
          assert.equal((svg.match(/<rect\b/g) ?? []).length, SALES.length);
          assert.match(svg, /fill="currentColor"/);
          assert.match(svg, /prefers-color-scheme: dark/);
          assert.ok(await img.evaluate((el: HTMLImageElement) => el.naturalWidth > 0));
          await img.scrollIntoViewIfNeeded();
          await img.screenshot({ path: await screenshot(page, `plot-chart-${scheme}`) });
          // The iframe cell on the same page is blocked from the spy, as it should be.
          assert.deepEqual(errors.filter((e) => !e.includes(spyUrl)), []);
          await page.close();
        });
      }

      await t.step("an iframe output's script runs but cannot read the page or fetch", async () => {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(`${server.url}/notebooks/charts`);
        await waitReady(page);
        const frame = page.locator("iframe.output-iframe");
        await frame.waitFor({ timeout: 60_000 });
        assert.equal(await frame.getAttribute("sandbox"), "allow-scripts");
        const out = page.frameLocator("iframe.output-iframe").locator("#out");
        await out.filter({ hasText: "fetch:" }).waitFor({ timeout: 30_000 });
        assert.equal(await out.textContent(), "doc:blocked cookie:blocked fetch:blocked");
        // Give a leaked request every chance to arrive before asserting none did.
        await page.waitForTimeout(500);
        assert.deepEqual(hits, []);
        await screenshot(page, "iframe-output");
        await page.close();
      });

      await t.step("a table shows column types, searches, and downloads CSV", async () => {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(`${server.url}/notebooks/charts`);
        await waitReady(page);
        const table = page.locator(".table-output");
        await table.waitFor({ timeout: 60_000 });
        assert.deepEqual(await table.locator(".col-type").allTextContents(), [
          "number",
          "string · 1 null",
        ]);
        assert.match(await table.locator("th").first().getAttribute("title") ?? "", /min 1, max 3/);
        await table.getByLabel("Search rows").fill("BET");
        assert.equal(await table.locator("tbody tr").count(), 1);
        assert.match(
          await table.locator(".row-count").textContent() ?? "",
          /of 1 \(filtered from 3\)/,
        );
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          table.getByRole("button", { name: "Download CSV" }).click(),
        ]);
        const path = await download.path();
        assert.equal(await Deno.readTextFile(path!), "n,name\r\n2,beta\r\n");
        await screenshot(page, "table-tools");
        await page.close();
      });

      await t.step("the variables panel lists names with type, size and preview", async () => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors = watchErrors(page);
        await page.goto(`${server.url}/notebooks/charts`);
        await waitReady(page);
        await page.getByRole("button", { name: "Variables" }).click();
        const row = page.locator("table.variables tr[data-name='sales']");
        await row.waitFor({ timeout: 30_000 });
        assert.equal(await row.locator(".var-type").textContent(), "Array");
        assert.equal(await row.locator(".var-size").textContent(), "5 items");
        assert.match(await row.locator(".var-preview").textContent() ?? "", /k: "a", v: 3/);
        assert.match(
          await page.locator("table.variables tr[data-name='Plot'] .var-type").textContent() ??
            "",
          /^module$/,
        );
        await row.getByRole("button", { name: "sales" }).click();
        await screenshot(page, "variables-panel");
        assert.deepEqual(errors.filter((e) => !e.includes(spyUrl)), []);
        await page.close();
      });
    } finally {
      await browser.close();
      await server.stop();
      await spy.shutdown();
    }
  },
});
