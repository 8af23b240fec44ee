// The server's own permissions: in personal mode even a bug cannot bind a public interface.
import assert from "node:assert/strict";
import { freePort } from "./_server.ts";
import { loadConfig } from "../lib/config/load.ts";
import { serverPermissionFlags } from "../lib/launcher/permissions.ts";

const fixture = new URL("./fixtures/bind_any.ts", import.meta.url).pathname;
const codeRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

async function bindUnder(flags: string[], host: string, port: number): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, fixture, host, String(port)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

Deno.test("permission-scoped server - personal flags refuse binding 0.0.0.0 with Deno's permission error", async () => {
  const port = freePort();
  const home = await Deno.makeTempDir();
  try {
    const { config } = loadConfig({ HOME: home, STRATA_PORT: String(port) });
    const flags = serverPermissionFlags(config, { denoPath: Deno.execPath(), codeRoot, env: {} });
    const refused = await bindUnder(flags, "0.0.0.0", port);
    assert.match(refused, /REFUSED NotCapable: Requires net access to "0\.0\.0\.0:\d+"/);
    const allowed = await bindUnder(flags, "127.0.0.1", port);
    assert.match(allowed, new RegExp(`LISTENING 127\\.0\\.0\\.1:${port}`));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
