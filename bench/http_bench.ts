// Issue #2 figures: GET /health through the full middleware stack vs a bare Deno.serve handler
// (same load generator, same run), start-to-ready time, and idle RSS.
// Run: scripts/deno run -A bench/http_bench.ts
import { childPids, load, median, rssMiB } from "./_load.ts";
import { freePort } from "../tests/_server.ts";

const root = new URL("..", import.meta.url).pathname;

interface Proc {
  child: Deno.ChildProcess;
  port: number;
  readyMs: number;
  stop(): Promise<void>;
}

async function spawn(args: string[], env: Record<string, string>, port: number): Promise<Proc> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Poll until the first successful answer: what a user (or a probe) experiences.
  while (true) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - t0;
  return {
    child,
    port,
    readyMs,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function strata(dir: string): Promise<Proc> {
  const port = freePort();
  return await spawn(
    ["run", "--node-modules-dir=manual", "--allow-read", "--allow-env", "--allow-run", "start.ts"],
    {
      STRATA_DATA_DIR: `${dir}/data`,
      STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/nb`,
      STRATA_PORT: String(port),
      STRATA_RATE_LIMIT_ENABLED: "false",
      STRATA_LOG_LEVEL: "warn",
    },
    port,
  );
}

async function bare(): Promise<Proc> {
  const port = freePort();
  return await spawn(["run", "-A", "bench/fixtures/bare_server.ts", String(port)], {}, port);
}

/** Runs the bench and returns its figures. */
export async function main() {
  const dir = await Deno.makeTempDir({ prefix: "strata-bench-" });
  const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 3);
  try {
    // Start-to-ready, 5 cold starts each (the first start also migrates a new database).
    const strataStarts: number[] = [];
    const bareStarts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await strata(dir);
      strataStarts.push(s.readyMs);
      await s.stop();
      const b = await bare();
      bareStarts.push(b.readyMs);
      await b.stop();
    }

    const b = await bare();
    await load(`http://127.0.0.1:${b.port}/health`, { seconds: 1, concurrency: 16 });
    const bareRps = await load(`http://127.0.0.1:${b.port}/health`, { seconds, concurrency: 16 });
    const bareRss = await rssMiB(b.child.pid);
    await b.stop();

    const s = await strata(dir);
    const serverPid = (await childPids(s.child.pid))[0] ?? s.child.pid;
    const idleRss = await rssMiB(serverPid);
    await load(`http://127.0.0.1:${s.port}/health`, { seconds: 1, concurrency: 16 });
    const strataRps = await load(`http://127.0.0.1:${s.port}/health`, { seconds, concurrency: 16 });
    await s.stop();

    const figures = {
      healthRps: Math.round(strataRps),
      bareRps: Math.round(bareRps),
      throughputRatio: Math.round((strataRps / bareRps) * 100) / 100,
      startToReadyMs: Math.round(median(strataStarts)),
      bareStartMs: Math.round(median(bareStarts)),
      startRatio: Math.round((median(strataStarts) / median(bareStarts)) * 100) / 100,
      idleRssMiB: idleRss,
      bareRssMiB: bareRss,
    };
    console.log(`GET /health, full stack:     ${figures.healthRps} req/s`);
    console.log(`GET /health, bare Deno.serve: ${figures.bareRps} req/s`);
    console.log(`  throughput ratio (aim >= 0.6): ${figures.throughputRatio}`);
    console.log(
      `start to ready (launcher + scoped server, median of 5): ${figures.startToReadyMs} ms`,
    );
    console.log(`  bare Deno.serve start: ${figures.bareStartMs} ms; ratio ${figures.startRatio}`);
    console.log(
      `idle RSS of the server process: ${figures.idleRssMiB} MiB (bare Deno.serve: ${figures.bareRssMiB} MiB)`,
    );
    return figures;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
