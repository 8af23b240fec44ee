// deno-lint-ignore-file no-explicit-any -- JSON answers of tools are read untyped
// `strata mcp`: the MCP server over stdio, spawned through the real main.ts (launcher and
// permission-scoped re-run, as an agent's config starts it), driven by the official MCP client.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const main = new URL("../main.ts", import.meta.url).pathname;
const FLAGS = ["run", "--allow-read", "--allow-env", "--allow-run", "--allow-sys=osRelease,uid"];

function envFor(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? dir,
    STRATA_DATA_DIR: `${dir}/data`,
    STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
    STRATA_EXECUTOR_POOL_SIZE: "1",
    NO_COLOR: "1",
    ...extra,
  };
}

Deno.test("mcp stdio - strata mcp serves the tools on the same data dir as the server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-mcp-stdio-" });
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [...FLAGS, main, "mcp"],
    env: envFor(dir),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Uint8Array) => stderr += new TextDecoder().decode(d));
  const client = new Client({ name: "strata-stdio-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 12, `tools listed: ${tools.map((t: any) => t.name).join(", ")}`);

    const text = async (name: string, args: Record<string, unknown>) => {
      const r: any = await client.callTool({ name, arguments: args });
      assert.ok(!r.isError, `${name}: ${JSON.stringify(r.content)}\n${stderr}`);
      return r.content;
    };
    const nb = JSON.parse((await text("create_notebook", { name: "Stdio nb" }))[0].text);
    const a = JSON.parse((await text("add_cell", { sid: nb.sid, source: "const n = 20" }))[0].text);
    const b = JSON.parse((await text("add_cell", { sid: nb.sid, source: "n + 22" }))[0].text);
    const run = JSON.parse((await text("run_all", { sid: nb.sid }))[0].text);
    assert.equal(run.ok, true);
    assert.deepEqual(run.ran.map((c: any) => c.cellId), [a.cellId, b.cellId]);
    const out = await text("get_output", { sid: nb.sid, cellId: b.cellId });
    assert.ok(out.some((c: any) => c.text === "42"), JSON.stringify(out));

    // The notebook is where the server would look: the configured notebook root.
    const manifest = await Deno.readTextFile(`${dir}/notebooks/stdio-nb/notebook.toml`);
    assert.match(manifest, /name = "Stdio nb"/);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mcp stdio - strata mcp refuses service mode (agents go through the proxy)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-mcp-stdio-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...FLAGS, main, "mcp"],
      env: envFor(dir, {
        STRATA_DEPLOYMENT_MODE: "service",
        STRATA_AUTH_MODE: "trusted_proxy",
        STRATA_PROXY_TOKEN: "stdio-test-proxy-token-0123456",
        STRATA_ARTIFACT_DIR: `${dir}/artifacts`,
        STRATA_AUDIT_HMAC_KEY: "s".repeat(40),
      }),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, err);
    assert.match(err, /stdio MCP is for personal mode/);
    assert.equal(out.stdout.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
