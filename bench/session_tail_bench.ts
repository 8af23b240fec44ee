/**
 * The server side around the executor for one warm cell through the API (issue 20, branch
 * `warmtail`): a real server (launcher + permission-scoped process, as `deno task start`) runs
 * `POST .../execute?mode=rerun` of a trivial cell, 100 ms apart; printed are the client-observed
 * round trip (median, p90) and the server process's CPU per execute (utime + stime from /proc,
 * over the whole loop: the request, the session, the executor's parent side, the replacement
 * child's spawn). `--root DIR` runs another checkout's server (for interleaved A/B);
 * `--prof DIR` runs the server in process under `--cpu-prof` (profile written at shutdown).
 * Run: scripts/deno run -A bench/session_tail_bench.ts [runs] [--root DIR] [--prof DIR]
 */
import { freePort, untilReady } from "../tests/_server.ts";
import { V8_FLAGS } from "../lib/launcher/launch.ts";
import { childPids, median } from "./_load.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/** utime + stime of a process in ms (Linux /proc, 100 ticks a second). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Runs the loop against the server of checkout `root`; returns the figures (also printed). */
export async function main(
  options: { runs?: number; root?: string; prof?: string } = {},
): Promise<Record<string, number>> {
  const runs = options.runs ?? 60;
  const root = options.root ?? new URL("..", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "strata-tail-" });
  const port = freePort();
  const args = options.prof
    ? ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${options.prof}`, `${root}/main.ts`, "serve"]
    : [
      "run",
      "--node-modules-dir=manual",
      "--allow-read",
      "--allow-env",
      "--allow-run",
      `${root}/start.ts`,
    ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? dir,
      STRATA_DATA_DIR: `${dir}/data`,
      STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
      STRATA_PORT: String(port),
      STRATA_EXECUTOR_POOL_SIZE: "1",
      STRATA_RATE_LIMIT_ENABLED: "false",
      NO_COLOR: "1",
      DENO_V8_FLAGS: V8_FLAGS,
      ...(options.prof ? { STRATA_IN_PROCESS: "1" } : {}),
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = await untilReady(child);
  const url = `http://127.0.0.1:${port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { text, json: JSON.parse(text) };
  };
  try {
    const serverPid = options.prof ? child.pid : (await childPids(child.pid))[0];
    const sid = (await api("POST", "/v1/notebooks/create", { name: "tail" })).json.sessionId;
    const cid = (await api("POST", `/v1/notebooks/${sid}/cells`, { source: "1 + 1" })).json.cellId;
    const exec = () => api("POST", `/v1/notebooks/${sid}/cells/${cid}/execute?mode=rerun`);
    for (let i = 0; i < 10; i++) await exec();
    const times: number[] = [];
    let bytes = 0;
    await new Promise((r) => setTimeout(r, 200));
    const cpu0 = await cpuMs(serverPid);
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 100)); // interactive pace: the pool has refilled
      const t = performance.now();
      bytes = (await exec()).text.length;
      times.push(performance.now() - t);
    }
    await new Promise((r) => setTimeout(r, 100));
    const cpu = (await cpuMs(serverPid) - cpu0) / runs;
    const out = {
      "round trip median (ms)": median(times),
      "round trip p90 (ms)": quantile(times, 0.9),
      "server CPU per execute (ms)": cpu,
      "answer bytes": bytes,
    };
    for (const [k, v] of Object.entries(out)) {
      console.log(`  ${k.padEnd(32)} ${v.toFixed(2).padStart(9)}`);
    }
    return out;
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await log.rest;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const runs = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 60);
  await main({ runs, root: arg("--root"), prof: arg("--prof") });
}
