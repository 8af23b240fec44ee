// The real start paths: `deno task start` (start.ts) and `strata serve` (main.ts serve), each a
// launcher that re-runs the server under its permission set.
import assert from "node:assert/strict";
import { freePort, untilReady } from "./_server.ts";

const main = new URL("../main.ts", import.meta.url).pathname;
const start = new URL("../start.ts", import.meta.url).pathname;

function strataEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? dir,
    STRATA_DATA_DIR: `${dir}/data`,
    STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
    NO_COLOR: "1",
    ...extra,
  };
}

async function runToExit(env: Record<string, string>, entry: string[] = [main, "serve"]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", "--allow-run", ...entry],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout),
  };
}

Deno.test("server start - personal mode with nothing configured serves /ready 200 on loopback", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", "--allow-run", start],
    env: strataEnv(dir, { STRATA_PORT: String(port) }),
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Wait for the banner rather than sleeping.
  const stderr = await untilReady(child);
  try {
    assert.match(stderr.text, new RegExp(`URL: +http://127\\.0\\.0\\.1:${port}`));
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.equal(body.checks.db.status, "ok");
    assert.equal(body.checks.migrations.status, "ok");
    await Deno.stat(`${dir}/data/strata.db`);
  } finally {
    child.kill("SIGTERM");
    // The rest of stderr: graceful shutdown logs "stopped".
    await stderr.rest;
    const status = await child.status;
    assert.match(stderr.text, /stopped/);
    assert.equal(status.code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server start - service mode alone exits non-zero listing every missing piece", async () => {
  const dir = await Deno.makeTempDir();
  const { code, text } = await runToExit(strataEnv(dir, { STRATA_DEPLOYMENT_MODE: "service" }), [
    start,
  ]);
  assert.notEqual(code, 0);
  assert.match(text, /auth_mode=trusted_proxy/);
  assert.match(text, /proxy token/);
  assert.match(text, /artifact target/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("server start - 0.0.0.0 in personal mode exits non-zero unless opted in", async () => {
  const dir = await Deno.makeTempDir();
  const { code, text } = await runToExit(strataEnv(dir, { STRATA_HOST: "0.0.0.0" }));
  assert.notEqual(code, 0);
  assert.match(text, /STRATA_ALLOW_REMOTE_CLIENTS_IN_PERSONAL=true/);
  await Deno.remove(dir, { recursive: true });
});
