// Issue #7's Runtime panel surface in a real browser: configure Infisical, see INFISICAL badges
// (values hidden), see a fetch error, and refresh after fixing it.
import assert from "node:assert/strict";
import { startInfisicalMock } from "../fixtures/infisical_mock.ts";
import { startServer } from "../_server.ts";
import { launchBrowser, screenshot, waitReady } from "./_browser.ts";

const CREDS = { clientId: "mi-browser", clientSecret: "cs-browser-SECRETCRED-77" };
const SECRET = "sk-browser-secret-value-0042";

Deno.test({
  name: "browser - runtime panel: INFISICAL badges, fetch error shown, refresh recovers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using mock = startInfisicalMock({ universalAuth: CREDS });
    mock.setSecrets({ projectId: "proj-ui" }, { OPENAI_API_KEY: SECRET });
    const server = await startServer({
      INFISICAL_CLIENT_ID: CREDS.clientId,
      INFISICAL_CLIENT_SECRET: CREDS.clientSecret,
      INFISICAL_HOST: mock.url,
    });
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", { name: "Keys", path: "keys" });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}/notebooks/keys`);
      await waitReady(page);
      await page.getByRole("button", { name: "Runtime" }).click();
      await page.getByLabel("Infisical project id").fill("proj-ui");
      await page.getByRole("button", { name: "Use Infisical" }).click();
      const row = page.locator("tr[data-env-key='OPENAI_API_KEY']");
      await row.locator(".badge", { hasText: "INFISICAL" }).waitFor();
      await row.locator(".secret").waitFor();
      assert.ok(
        !(await page.content()).includes(SECRET),
        "the secret value never reaches the page",
      );

      // Credentials revoked: the error is shown and the page keeps working.
      mock.setUniversalAuth(null);
      await page.getByRole("button", { name: "Refresh secrets" }).click();
      await page.locator("[role=alert]", { hasText: "Infisical authentication failed" }).waitFor();
      assert.equal(
        await page.getByText("Secrets refreshed").count(),
        0,
        "a failed refresh is not reported as done",
      );
      await screenshot(page, "runtime-secrets-error");
      mock.setUniversalAuth(CREDS);
      await page.getByRole("button", { name: "Refresh secrets" }).click();
      await page.getByText("Secrets refreshed").waitFor();
      assert.equal(await page.locator("[role=alert]").count(), 0);
      await screenshot(page, "runtime-secrets");
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "browser - runtime panel: a value added as secret is hidden, never on the page or on disk",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const VALUE = "postgres://ui:typed-secret-5150@db/x";
    const server = await startServer();
    const browser = await launchBrowser();
    try {
      await server.api("POST", "/v1/notebooks/create", { name: "Db", path: "db" });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}/notebooks/db`);
      await waitReady(page);
      await page.getByRole("button", { name: "Runtime" }).click();
      await page.getByLabel("New variable name").fill("DATABASE_URL");
      const secret = page.getByLabel("Keep as secret");
      assert.equal(await secret.isChecked(), false, "a plain name defaults to a plain value");
      await secret.check();
      assert.equal(await page.getByLabel("New variable value").getAttribute("type"), "password");
      await page.getByLabel("New variable value").fill(VALUE);
      await page.getByRole("button", { name: "Add" }).click();
      const row = page.locator("tr[data-env-key='DATABASE_URL']");
      await row.locator(".secret").waitFor();
      await page.getByLabel("New variable name").fill("SERVICE_TOKEN");
      assert.equal(await secret.isChecked(), true, "sensitive names are always secrets");
      assert.equal(await secret.isDisabled(), true);
      assert.ok(!(await page.content()).includes("typed-secret-5150"));
      const toml = await Deno.readTextFile(`${server.dir}/notebooks/db/notebook.toml`);
      assert.ok(!toml.includes("typed-secret-5150"), toml);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
