// Runs every benchmark in turn (`deno task bench`); each prints its figures and ratios against a
// baseline measured in the same run. Pass names to run a subset: `deno task bench http session`.
const benches: Record<string, () => Promise<unknown>> = {
  // Issue 20's Aims table (every row, incl. the 1,000-cell and 20-session benches).
  aims: async () => (await import("./aims_bench.ts")).main(),
  // Where a warm single cell's time goes (issue 20 profile; docs/performance.md).
  "cell-steps": async () => (await import("./cell_steps_bench.ts")).main(),
  // Issue 20: a warm run's small file work, async calls against synchronous ones.
  "small-io": async () => (await import("./small_io_bench.ts")).main(),
  http: async () => (await import("./http_bench.ts")).main(),
  notebook: async () => (await import("./notebook_bench.ts")).main(),
  executor: async () => (await import("./executor_bench.ts")).main(),
  session: async () => (await import("./session_bench.ts")).main(),
  blob: async () =>
    (await import("./blob_bench.ts")).main(Number(Deno.env.get("BENCH_BLOB_MIB") ?? 200)),
  ui: async () => (await import("./ui_bench.ts")).main(),
  // Issue 20: a 1,000-cell notebook's page (editors near the viewport, typing per key).
  "ui-long": async () => (await import("./ui_bench.ts")).main({ cells: 1000, loads: 3 }),
  // Issue 20: a page open while 300 cells run (socket messages, long tasks, lag behind the server)
  page: async () => (await import("./page_runall_bench.ts")).main(),
  langservice: async () => (await import("./langservice_bench.ts")).main(),
  // Issue 20: /health while notebooks are edited (each edit re-checks its notebook's types).
  "typecheck-latency": async () => (await import("./typecheck_latency_bench.ts")).main(),
  mcp: async () => (await import("./mcp_bench.ts")).main(), // issue 18
  "large-value": async () =>
    (await import("./large_value_bench.ts")).main(Number(Deno.env.get("BENCH_VALUE_MB") ?? 200)),
  nats: async () => (await import("./nats_bench.ts")).main(),
  "nats-chaos": async () => (await import("./nats_chaos.ts")).main(),
  ownership: async () => (await import("./ownership_bench.ts")).main(), // issue 21 item 2
  widget: async () => (await import("./widget_bench.ts")).main(), // widgets (issue 16)
};

const wanted = Deno.args.length ? Deno.args : Object.keys(benches);
const results: Record<string, unknown> = {};
for (const name of wanted) {
  const run = benches[name];
  if (!run) {
    console.error(`unknown bench '${name}'; known: ${Object.keys(benches).join(", ")}`);
    Deno.exit(2);
  }
  console.log(`\n=== ${name}`);
  try {
    results[name] = await run();
  } catch (err) {
    console.log(`!!! ${name} failed: ${(err as Error).message}`);
    results[name] = { error: (err as Error).message };
  }
}
await Deno.mkdir("test-artifacts", { recursive: true });
await Deno.writeTextFile("test-artifacts/bench.json", JSON.stringify(results, null, 2) + "\n");
console.log("\nfigures written to test-artifacts/bench.json");
