/**
 * Where an open session's memory goes (issue 20, branch `sessmem`). The aims bench's session rows
 * (ten 100-cell notebooks opened and run through the HTTP API, then each edited once with a
 * completion), against the server started in this process (main.ts `startServer`), so that its
 * heap can be read and snapshotted: RSS, then (unless `--nogc`) the live V8 heap after a forced
 * GC and the size of each heap space. RSS matches the aims bench's rows within a few MiB.
 *
 * Run:
 *   scripts/deno run -A --v8-flags=--expose-gc bench/session_memory.ts [--nogc]
 *     [--snapshot DIR]       heap snapshots after each step (DIR/<step>.heapsnapshot)
 *     [--alloc FILE]         sampling allocation profile (garbage included) of opening sessions 2-10
 *   add e.g. --v8-flags=--expose-gc,--max-semi-space-size=8 to try V8 flags in process
 */
import v8 from "node:v8";
import { Session } from "node:inspector";
import { startServer } from "../main.ts";
import { sessionSteps, writeNotebook } from "./_notebooks.ts";
import { freePort } from "../tests/_server.ts";

const arg = (name: string) =>
  Deno.args.includes(name) ? Deno.args[Deno.args.indexOf(name) + 1] : undefined;
const snapDir = arg("--snapshot");
const allocFile = arg("--alloc");
const noGc = Deno.args.includes("--nogc");
const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc && !noGc) throw new Error("run with --v8-flags=--expose-gc (or pass --nogc)");

function rss(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))?.[1] ?? 0) / 1024;
}
const mib = (b: number) => b / 1048576;

function inspector(): Session {
  const s = new Session();
  s.connect();
  return s;
}
function post<T>(s: Session, method: string, params: Record<string, unknown> = {}): Promise<T> {
  return new Promise((ok, fail) =>
    s.post(method, params, (e: Error | null, r?: object) => e ? fail(e) : ok(r as T))
  );
}

async function snapshot(name: string): Promise<void> {
  if (!snapDir) return;
  const s = inspector();
  const chunks: string[] = [];
  s.on(
    "HeapProfiler.addHeapSnapshotChunk",
    (m: { params: { chunk: string } }) => chunks.push(m.params.chunk),
  );
  await post(s, "HeapProfiler.takeHeapSnapshot");
  Deno.writeTextFileSync(`${snapDir}/${name}.heapsnapshot`, chunks.join(""));
  s.disconnect();
}

let base: { rss: number; heap: number } | undefined;
async function measure(step: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500)); // background checks settle (as in the aims bench)
  const before = rss();
  if (!noGc) { for (let i = 0; i < 3; i++) gc!(); }
  const h = v8.getHeapStatistics();
  const now = { rss: before, heap: mib(h.used_heap_size) };
  base ??= now;
  const spaces = v8.getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) =>
      `${s.space_name.replace("_space", "")} ${mib(s.space_size).toFixed(1)}/${
        mib(s.space_used_size).toFixed(1)
      }`
    )
    .join(", ");
  console.log(
    `${step.padEnd(14)} RSS +${(now.rss - base.rss).toFixed(1)} MiB (${now.rss.toFixed(1)})  ` +
      `${noGc ? "used" : "live"} heap +${(now.heap - base.heap).toFixed(1)}  heap total ${
        mib(h.total_heap_size).toFixed(1)
      }` +
      `  spaces (size/used MiB): ${spaces}`,
  );
  await snapshot(step.replace(/\W+/g, "_"));
}

const dir = await Deno.makeTempDir({ prefix: "strata-sessmem-" });
const port = freePort();
const done = startServer({
  HOME: Deno.env.get("HOME") ?? dir,
  PATH: Deno.env.get("PATH") ?? "",
  STRATA_DATA_DIR: `${dir}/data`,
  STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/notebooks`,
  STRATA_PORT: String(port),
  STRATA_EXECUTOR_POOL_SIZE: "1",
  STRATA_RATE_LIMIT_ENABLED: "false",
  STRATA_LOG_LEVEL: "error",
  NO_COLOR: "1",
});
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 400; i++) {
  try {
    if ((await fetch(`${url}/ready`)).ok) break;
  } catch { /* not listening yet */ }
  await new Promise((r) => setTimeout(r, 50));
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const ids: string[][] = [];
for (let k = 0; k < 10; k++) ids.push(await writeNotebook(`${dir}/notebooks/rss${k}`, 100));
const { open, edit } = sessionSteps(api, ids);

console.log(`load ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
await new Promise((r) => setTimeout(r, 500));
await measure("idle");
await open(0);
await measure("one session");
await edit(0);
await measure("one edited");
const prof = allocFile ? inspector() : undefined;
if (prof) {
  await post(prof, "HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
for (let k = 1; k < 10; k++) await open(k);
if (prof) {
  const { profile } = await post<{ profile: unknown }>(prof, "HeapProfiler.stopSampling");
  Deno.writeTextFileSync(allocFile!, JSON.stringify(profile));
  prof.disconnect();
}
await measure("ten sessions");
for (let k = 1; k < 10; k++) await edit(k);
await measure("ten edited");
console.log(`load ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
Deno.kill(Deno.pid, "SIGTERM");
await done;
await Deno.remove(dir, { recursive: true });
