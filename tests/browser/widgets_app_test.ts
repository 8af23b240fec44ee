// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// Widgets and app mode in a real browser (issues 16 and 17): a ui.slider drives its dependent and
// moving back is a cache hit for both cells; a ui.table selection drives a count; two app viewers
// see their own values, and a third choosing the first's value gets cache hits.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady, watchErrors } from "./_browser.ts";

/** Moves a range input to `value` the way a user's release does (input, then change). */
async function slide(page: Page, scope: string, value: number): Promise<void> {
  await page.locator(`${scope} .widget-slider input[type=range]`).evaluate((el, v) => {
    const input = el as HTMLInputElement;
    input.value = String(v);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }, value);
}

/** The run summary answered to the next widget request matching `part`. */
function nextRun(page: Page, part: string): Promise<any> {
  return page.waitForResponse((r) => r.url().includes(part) && r.request().method() === "PUT", {
    timeout: 60_000,
  }).then(async (r) => {
    assert.equal(r.status(), 200, await r.text());
    return await r.json();
  });
}

Deno.test({
  name: "browser - widgets drive dependents with cache hits; app viewers keep their own values",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      let r = await server.api("POST", "/v1/notebooks/create", { name: "Knobs", path: "knobs" });
      const sid = r.body.sessionId;
      const add = async (source: string, language?: string) =>
        (await server.api("POST", `/v1/notebooks/${sid}/cells`, { source, language })).body
          .cellId;
      await add("# Knobs\nMove the slider.", "markdown");
      const a = await add("const n = ui.slider({ min: 1, max: 10, value: 3, label: 'N' })");
      const b = await add("n.value * 7");
      const tb = await add(
        "const t = ui.table([{ name: 'a', v: 1 }, { name: 'b', v: 2 }, { name: 'c', v: 3 }], { selection: 'multi' })",
      );
      const count = await add("`selected: ${t.value.length}`");
      r = await server.api("POST", `/v1/notebooks/${sid}/run-all`);
      assert.equal(r.status, 200, JSON.stringify(r.body));

      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(`${server.url}/notebooks/knobs`);
      await waitReady(page);
      const cellOf = (id: string) => `[data-cell-id="${id}"]`;
      const out = (id: string) => page.locator(`${cellOf(id)} .output-text`).first();

      await t.step(
        "the slider drives n.value * 7: 3 → 21, 5 → 35, back to 3 is cached",
        async () => {
          assert.equal(await out(b).textContent(), "21");
          let run = nextRun(page, "/widgets/");
          await slide(page, cellOf(a), 5);
          let body = await run;
          assert.deepEqual(body.run.cells.map((c: any) => [c.cellId, c.cacheHit]), [[a, false], [
            b,
            false,
          ]]);
          await page.locator(`${cellOf(b)} .output-text`, { hasText: /^35$/ }).waitFor();
          await screenshot(page, "widgets-slider-5");
          run = nextRun(page, "/widgets/");
          await slide(page, cellOf(a), 3);
          body = await run;
          assert.deepEqual(
            body.run.cells.map((c: any) => [c.cellId, c.cacheHit]),
            [[a, true], [b, true]],
            "back to 3: both cells are cache hits",
          );
          await page.locator(`${cellOf(b)} .output-text`, { hasText: /^21$/ }).waitFor();
          assert.equal(await page.locator(`${cellOf(a)} .widget-value`).textContent(), "3");
        },
      );

      await t.step("ui.table selection drives a downstream count", async () => {
        assert.equal(await out(count).textContent(), "selected: 0");
        let run = nextRun(page, "/widgets/");
        await page.locator(`${cellOf(tb)} input[type=checkbox]`).nth(0).check();
        await run;
        await page.locator(`${cellOf(count)} .output-text`, { hasText: "selected: 1" }).waitFor();
        run = nextRun(page, "/widgets/");
        await page.locator(`${cellOf(tb)} input[type=checkbox]`).nth(2).check();
        await run;
        await page.locator(`${cellOf(count)} .output-text`, { hasText: "selected: 2" }).waitFor();
        await screenshot(page, "widgets-table-selection");
      });

      await t.step("two app viewers keep their own values; a third gets cache hits", async () => {
        const viewer = async () => {
          const ctx = await browser.newContext({ viewport: { width: 900, height: 800 } });
          const p = await ctx.newPage();
          errors.push(...[]); // each page's errors are collected below
          const errs = watchErrors(p);
          await p.goto(`${server.url}/apps/knobs`);
          await waitReady(p);
          return { p, errs };
        };
        const appOut = (p: Page) => p.locator(`${cellOf(b)} .output-text`).first();
        const A = await viewer();
        const B = await viewer();
        assert.equal(await A.p.locator(".app-header .app-name").textContent(), "Knobs");
        assert.equal(
          await A.p.locator(".cm-content, textarea, .cell-source").count(),
          0,
          "no code",
        );
        assert.equal(await A.p.locator(".app-markdown h1").textContent(), "Knobs");
        assert.equal(await appOut(A.p).textContent(), "21");

        let run = nextRun(A.p, "/v1/apps/widget");
        await slide(A.p, cellOf(a), 6);
        await run;
        await A.p.locator(`${cellOf(b)} .output-text`, { hasText: /^42$/ }).waitFor();
        run = nextRun(B.p, "/v1/apps/widget");
        await slide(B.p, cellOf(a), 9);
        await run;
        await B.p.locator(`${cellOf(b)} .output-text`, { hasText: /^63$/ }).waitFor();
        await A.p.reload();
        await waitReady(A.p);
        assert.equal(await appOut(A.p).textContent(), "42", "A keeps its value across a reload");
        assert.equal(await A.p.locator(`${cellOf(a)} .widget-value`).textContent(), "6");
        await screenshot(A.p, "app-viewer-a-6");
        await screenshot(B.p, "app-viewer-b-9");

        const C = await viewer();
        assert.equal(await appOut(C.p).textContent(), "21", "C starts at the notebook's value");
        run = nextRun(C.p, "/v1/apps/widget");
        await slide(C.p, cellOf(a), 6);
        const body = await run;
        assert.deepEqual(
          body.run.map((c: any) => [c.cellId, c.cacheHit]),
          [[a, true], [b, true]],
          "C chose A's value: cache hits",
        );
        await C.p.locator(`${cellOf(b)} .output-text`, { hasText: /^42$/ }).waitFor();
        await C.p.locator(".app-footer", { hasText: "2 from cache" }).waitFor();
        await screenshot(C.p, "app-viewer-c-6-cached");

        // The run records: cell executions of app runs, the cached ones included.
        const events = (await server.api("GET", "/v1/audit/events?action=cell.execute&limit=1000"))
          .body;
        const appRuns = events.events
          .map((e: any) => ({ ...e, details: JSON.parse(e.detailsJson) }))
          .filter((e: any) => e.details.app === true);
        assert.ok(appRuns.length >= 6, `app runs are recorded: ${appRuns.length}`);
        const last = appRuns.sort((x: any, y: any) => x.seq - y.seq).slice(-2);
        assert.deepEqual(last.map((e: any) => [e.resource.split("/").pop(), e.details.cacheHit]), [
          [a, true],
          [b, true],
        ]);

        // The notebook itself never saw the viewers' values.
        r = await server.api("GET", `/v1/notebooks/${sid}`);
        const shown = r.body.cells.find((c: any) => c.id === b).outputs.displays[0].data;
        assert.equal(shown, "21");
        assert.deepEqual([...A.errs, ...B.errs, ...C.errs], []);
      });
      await t.step(
        "a web page elsewhere cannot move the notebook's or an app's widgets",
        async () => {
          const evil = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
          r = await server.api("PUT", `/v1/notebooks/${sid}/widgets/${a}/n`, { value: 7 }, evil);
          assert.equal(r.status, 403, JSON.stringify(r.body));
          r = await server.api(
            "PUT",
            "/v1/apps/widget",
            { path: "knobs", cellId: a, name: "n", value: 7 },
            evil,
          );
          assert.equal(r.status, 403, JSON.stringify(r.body));
          r = await server.api("GET", `/v1/notebooks/${sid}`);
          assert.equal(r.body.cells.find((c: any) => c.id === a).outputs.displays[0].data.value, 3);
        },
      );
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
