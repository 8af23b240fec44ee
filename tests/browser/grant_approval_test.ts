// Issue 13 in a real browser (personal mode): a notebook whose cell asks for a grant shows what it
// asks for and runs it only after the owner clicks Approve once.
import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady } from "./_browser.ts";

Deno.test({
  name: "browser - a cell's @allow grant waits for Approve, then runs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const outside = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-approve-ui-" }));
    const browser = await launchBrowser();
    try {
      await Deno.writeTextFile(`${outside}/motd.txt`, "hello from outside");
      let r = await server.api("POST", "/v1/notebooks/create", { name: "Ask", path: "ask" });
      const sid = r.body.sessionId;
      const source = `// @allow read=${outside}\nDeno.readTextFileSync(${
        JSON.stringify(`${outside}/motd.txt`)
      })`;
      r = await server.api("POST", `/v1/notebooks/${sid}/cells`, { source });
      assert.equal(r.status, 201);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}/notebooks/ask`);
      await waitReady(page);
      const banner = page.locator(".banner-approval");
      await banner.getByText(`read=${outside}`).waitFor();
      await page.getByRole("button", { name: "Run all" }).click();
      await page.getByText(/waiting for approval of read=/).first().waitFor();
      assert.equal(
        await page.getByText("hello from outside").count(),
        0,
        "not run before approval",
      );
      await screenshot(page, "grant-approval-waiting");
      await banner.getByRole("button", { name: "Approve" }).click();
      await banner.waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Run all" }).click();
      await page.getByText("hello from outside").first().waitFor();
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(outside, { recursive: true });
    }
  },
});
