// Issue 18 figures: the cost of the MCP surface over the JSON API for the same command. One
// in-process app (the real middleware, dispatcher and session); `GET /v1/notebooks/{sid}` is the
// baseline, `tools/call get_notebook` over streamable HTTP (a fresh MCP server per request, SSE
// answer) the subject, interleaved in the same run. Prints medians and the ratio.
// Run: scripts/deno run -A bench/mcp_bench.ts
import { inProcessApp, proxyHeaders } from "../tests/_app.ts";
import { median } from "./_load.ts";

/** Runs the benchmark; returns its figures. */
export async function main(rounds = 300): Promise<Record<string, number>> {
  const dir = await Deno.makeTempDir({ prefix: "strata-mcp-bench-" });
  const app = await inProcessApp(dir, { STRATA_RATE_LIMIT_ENABLED: "false" });
  const h = proxyHeaders("bench", "notebook:read notebook:write notebook:execute");
  try {
    const created = await app.api("POST", "/v1/notebooks/create", { name: "bench" }, h);
    const sid = created.body.sessionId;
    for (let i = 0; i < 10; i++) {
      await app.api("POST", `/v1/notebooks/${sid}/cells`, { source: `const v${i} = ${i}` }, h);
    }
    const call = {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "get_notebook", arguments: { sid } },
    };
    const sse = { ...h, accept: "application/json, text/event-stream" };
    const api: number[] = [];
    const tool: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      const a = await app.api("GET", `/v1/notebooks/${sid}`, undefined, h);
      api.push(performance.now() - t);
      if (a.status !== 200) throw new Error(`API answered ${a.status}`);
      t = performance.now();
      const r = await app.api("POST", "/mcp", call, sse);
      const text = String(r.body);
      tool.push(performance.now() - t);
      if (!text.includes('"result"') || text.includes('"isError":true')) {
        throw new Error(`MCP answered ${r.status}: ${text.slice(0, 300)}`);
      }
    }
    const figures = {
      api_state_median_ms: round(median(api)),
      mcp_get_notebook_median_ms: round(median(tool)),
      ratio_mcp_over_api: round(median(tool) / median(api)),
    };
    console.log(figures);
    return figures;
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.main) await main();
