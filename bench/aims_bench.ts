/**
 * Issue 20's Aims table: every row as a figure and a ratio against a baseline measured in the same
 * run (see docs/performance.md for what each baseline is and for recorded results).
 *
 *  - warm single cell, server side (in-process session, `rerun` of one trivial cell) vs importing
 *    the same code in-process;
 *  - trivial cell through the HTTP API, client-observed execute round trip vs GET /health;
 *  - per-cell overhead in a batch, cold 20 cells vs one `deno run` (from executor_bench);
 *  - cached run-all of 100 cells server side vs the same run-all cold;
 *  - start to /ready (personal) and idle RSS vs a bare Deno.serve;
 *  - one open 100-cell session and ten of them (RSS over idle);
 *  - first analysis of 100 cells vs a bare parse with the analyzer's parser (from notebook_bench);
 *  - the 1,000-cell notebook: open, dirty set after an edit, cached run-all;
 *  - 20 sessions running cells at once: cells/s (vs one session) and /health p99 (vs idle p99);
 *  - re-open of a 100- and a 1,000-cell notebook after a restart with the analysis cache warm vs
 *    the same open cold (the first analysis), each in a fresh process: time, CPU, RSS over idle.
 *
 * Run: scripts/deno run -A bench/aims_bench.ts [row ...]   (rows: cell api executor runall start
 * session analysis big reopen concurrent)
 */
import { createRuntime } from "../lib/runtime/runtime.ts";
import { fsBlobStore } from "../lib/artifacts/fs_blob_store.ts";
import { openSqlite } from "../lib/db/sqlite.ts";
import { migrate } from "../lib/db/migrate.ts";
import { createExecutor } from "../lib/executor/executor.ts";
import { nullLogger } from "../lib/log.ts";
import { createNotebook } from "../lib/notebook/format.ts";
import { NotebookSession } from "../lib/session/notebook_session.ts";
import { createAuditRecorder } from "../lib/audit/recorder.ts";
import { developmentAuditKey } from "../lib/audit/audit_key.ts";
import { freePort, startServer, type TestServer } from "../tests/_server.ts";
import { sessionSteps, writeNotebook } from "./_notebooks.ts";
import { V8_FLAGS } from "../lib/launcher/launch.ts";
import { childPids, median, rssMiB } from "./_load.ts";
import process from "node:process";

/** CPU time (user + system, ms) this process spends in `fn`: steadier than wall time on a busy host. */
async function cpuMs(fn: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

/** One row of the Aims table. */
export interface Row {
  figure: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
  aim: string;
}

const rows: Row[] = [];
/** Servers in these rows run with the V8 flags `deno task start` sets (deno.json, Dockerfile). */
/** The server's V8 flags as `deno task start` sets them (BENCH_V8 measures others instead). */
const PRODUCTION_V8 = { DENO_V8_FLAGS: Deno.env.get("BENCH_V8") ?? V8_FLAGS };
const root = new URL("..", import.meta.url).pathname;
const HOME = Deno.env.get("HOME") ?? "/tmp";

function row(
  figure: string,
  value: number,
  unit: string,
  baseline: string,
  baselineValue: number,
  aim: string,
): void {
  const r = {
    figure,
    value: round(value),
    unit,
    baseline,
    baselineValue: round(baselineValue),
    ratio: round(value / baselineValue),
    aim,
  };
  rows.push(r);
  console.log(
    `${figure.padEnd(52)} ${String(r.value).padStart(9)} ${unit.padEnd(5)} ratio ${
      String(r.ratio).padStart(7)
    }x vs ${baseline} ${r.baselineValue} ${unit}  (aim ${aim})`,
  );
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function samples(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timeMs(() => fn(i)));
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

let counter = 0;
async function importInProcess(code: string): Promise<unknown> {
  const url = `data:application/typescript;base64,${btoa(`${code}\n// ${counter++}`)}`;
  return await import(url);
}

/** An in-process runtime like the server's (SQLite, fs blobs, the real executor, audit). */
/**
 * The record step alone (a run row and an audit event per cell of the session, as every run-all
 * writes them): the floor under a cached run-all's CPU, measured in the same run.
 */
async function recordStepAlone(
  rt: Awaited<ReturnType<typeof inProcess>>,
  s: NotebookSession,
): Promise<() => Promise<void>> {
  const { recordOutcomes } = await import("../lib/runtime/steps.ts");
  const db = rt.deps.runtime.deps.db;
  const outcomes = s.notebook.cells.map((c) => ({
    cellId: c.id,
    provenance: s.model.provenance.get(c.id)!.provenance,
    status: "ready" as const,
    cacheHit: true,
    result: { displays: [], console: [], consoleTruncated: false, durationMs: 0 },
    startedAt: Date.now(),
    finishedAt: Date.now(),
  }));
  const audit = createAuditRecorder({ db, key: developmentAuditKey(), log: nullLogger() });
  const scope = { tenantHash: "bench-floor", notebookId: "f", notebookPath: "f", principal: null };
  return async () => {
    await recordOutcomes({ db, audit }, scope, outcomes);
  };
}

async function inProcess(dir: string, poolSize = 1) {
  await Deno.mkdir(`${dir}/scratch`, { recursive: true });
  const db = openSqlite(`${dir}/strata.db`);
  await migrate(db);
  const executor = createExecutor({ scratchRoot: `${dir}/scratch`, poolSize, childEnv: { HOME } });
  const log = nullLogger();
  const deps = {
    runtime: createRuntime({
      db,
      audit: createAuditRecorder({ db, key: developmentAuditKey(), log }),
      blobs: fsBlobStore(`${dir}/artifacts`),
      executor,
      log,
      denoVersion: Deno.version.deno,
      memoryMb: 512,
      defaultTimeoutSeconds: 60,
    }),
  };
  const scope = (path: string) => ({ tenantId: "default", tenantHash: "bench", path });
  return {
    deps,
    open: (nb: string) => NotebookSession.open(nb, scope(nb), deps),
    async close() {
      await executor.close();
      await db.close();
    },
  };
}

// ---- rows --------------------------------------------------------------------------------

async function warmCell(dir: string): Promise<void> {
  const rt = await inProcess(dir);
  try {
    await createNotebook(`${dir}/nb1`, { name: "one" });
    const s = await rt.open(`${dir}/nb1`);
    const id = await s.addCell({ source: "const y = 2 * 21\ny" });
    for (let i = 0; i < 5; i++) await s.execute(id, "rerun");
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100)); // interactive pace: the pool has refilled
      const t = performance.now();
      const r = await s.execute(id, "rerun");
      times.push(performance.now() - t);
      if (!r.ok) throw new Error("warm cell failed");
    }
    const ms = median(times);
    const base = median(await samples(30, (i) => importInProcess(`const y${i} = 2 * 21;`)));
    row("warm single cell, end to end server side", ms, "ms", "in-process import", base, "<= 3 ms");
  } finally {
    await rt.close();
  }
}

async function apiCell(): Promise<void> {
  const s = await startServer({ STRATA_RATE_LIMIT_ENABLED: "false", ...PRODUCTION_V8 });
  try {
    const created = await s.api("POST", "/v1/notebooks/create", { name: "api" });
    const sid = created.body.sessionId;
    const added = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: "1 + 1" });
    const cid = added.body.cellId;
    let bytes = 0;
    const exec = async () => {
      const res = await fetch(`${s.url}/v1/notebooks/${sid}/cells/${cid}/execute?mode=rerun`, {
        method: "POST",
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`execute: ${res.status} ${text}`);
      bytes = text.length;
    };
    for (let i = 0; i < 5; i++) await exec();
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      times.push(await timeMs(exec));
    }
    const health = median(
      await samples(30, async () => await (await fetch(`${s.url}/health`)).arrayBuffer()),
    );
    row(
      "trivial cell through the API, execute round trip",
      median(times),
      "ms",
      "GET /health",
      health,
      "<= 4 ms",
    );
    console.log(`  (execute answer: ${bytes} bytes for a 1-cell notebook)`);
    // The answer grows with the notebook: measure it for 100 cells.
    for (let i = 1; i < 100; i++) {
      await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: `const q${i} = ${i}` });
    }
    await s.api("POST", `/v1/notebooks/${sid}/run-all`);
    const big: number[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      big.push(await timeMs(exec));
    }
    row(
      "  same, in a 100-cell notebook",
      median(big),
      "ms",
      "GET /health",
      health,
      "(no aim)",
    );
    console.log(`  (execute answer: ${bytes} bytes for a 100-cell notebook)`);
  } finally {
    await s.close();
  }
}

async function executorRows(): Promise<void> {
  const ex = await (await import("./executor_bench.ts")).main({ quiet: true });
  const by = (p: string) => ex.find((f) => f.name.startsWith(p))!;
  // Per-cell figures are overheads: what a cell costs beyond importing it in-process.
  const overhead = (figure: string, f: (typeof ex)[number], aim: string) =>
    row(figure, f.ms - f.baselineMs, "ms", "in-process per cell", f.baselineMs, aim);
  overhead("per-cell overhead in a batch of 20", by("per cell in a batch"), "<= 1 ms");
  overhead(
    "  the same, batches back to back (a child's start spread over 20 cells)",
    by("per cell, batches back to back"),
    "(no aim)",
  );
  const single = by("single cell, warm pool");
  const typed = by("single cell, TypeScript");
  row(
    "  executor alone: warm cell, TypeScript (vs the same in plain JavaScript)",
    typed.ms,
    "ms",
    "plain JavaScript",
    single.ms,
    "(no aim)",
  );
  const cold = by("cold run");
  row("cold run of 20 cells", cold.ms, "ms", "one deno run", cold.baselineMs, "<= 2x");
}

async function cachedRunAll(dir: string): Promise<void> {
  const rt = await inProcess(dir);
  try {
    await writeNotebook(`${dir}/nb100`, 100);
    const s = await rt.open(`${dir}/nb100`);
    const coldMs = await timeMs(async () => {
      if (!(await s.runAll()).ok) throw new Error("cold run failed");
    });
    const repeat = Number(Deno.env.get("BENCH_REPEAT") ?? 15);
    // The first cached run-alls after a start run colder code (the JIT has seen one run-all):
    // shown on their own line; the row is the steady state of a server that has been running.
    const first: number[] = [];
    for (let i = 0; i < 3; i++) first.push(await timeMs(() => s.runAll()));
    for (let i = 0; i < 20; i++) await s.runAll();
    const cached: number[] = [];
    const cpu = await cpuMs(async () => {
      cached.push(
        ...await samples(repeat, async () => {
          const r = await s.runAll();
          if (!r.cells.every((c) => c.cacheHit)) throw new Error("expected all cache hits");
        }),
      );
    }) / repeat;
    row(
      "cached run-all, 100 cells, server side",
      median(cached),
      "ms",
      "cold run-all",
      coldMs,
      "<= 10 ms",
    );
    row(
      "  the first three cached run-alls after the cold one",
      median(first),
      "ms",
      "cold run-all",
      coldMs,
      "(no aim)",
    );
    // What every execute / run-all answer adds: the whole notebook state, built and serialized.
    let bytes = 0;
    const stateMs = median(
      await samples(20, () => {
        bytes = JSON.stringify(s.state()).length;
        return Promise.resolve();
      }),
    );
    row(
      "  notebook state in each answer, 100 cells",
      stateMs,
      "ms",
      "cached run-all",
      median(cached),
      "(no aim)",
    );
    console.log(`  (${bytes} bytes of JSON)`);
    // Server CPU per cached run-all against the record step alone (100 run rows and audit
    // events, which every run-all writes), measured in the same run.
    const recordOnce = await recordStepAlone(rt, s);
    const recordCpu = await cpuMs(async () => {
      for (let i = 0; i < repeat; i++) await recordOnce();
    }) / repeat;
    row(
      "cached run-all, 100 cells, server CPU",
      cpu,
      "ms",
      "record step alone",
      recordCpu,
      "<= 10 ms",
    );
  } finally {
    await rt.close();
  }
}

async function spawnServer(args: string[], env: Record<string, string>, port: number) {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME, NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const path = args.includes("start.ts") ? "/ready" : "/health";
  while (true) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - t0;
  return {
    child,
    readyMs,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function startAndIdle(dir: string): Promise<void> {
  const strata = () => {
    const port = freePort();
    // Exactly `deno task start` (deno.json): its leading VAR=value words, then deno's arguments.
    const task = (JSON.parse(Deno.readTextFileSync(`${root}/deno.json`)).tasks.start as string)
      .split(" ");
    const vars = task.slice(0, task.indexOf("deno")).map((
      w,
    ) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]);
    return spawnServer(task.slice(task.indexOf("deno") + 1), {
      ...Object.fromEntries(vars),
      STRATA_DATA_DIR: `${dir}/data`,
      STRATA_NOTEBOOK_STORAGE_DIR: `${dir}/nb`,
      STRATA_PORT: String(port),
      STRATA_LOG_LEVEL: "warn",
    }, port);
  };
  const bare = () => {
    const port = freePort();
    return spawnServer(["run", "-A", "bench/fixtures/bare_server.ts", String(port)], {}, port);
  };
  await (await strata()).stop(); // the first start migrates a new database
  const starts: number[] = [];
  const bares: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await strata();
    starts.push(s.readyMs);
    await s.stop();
    const b = await bare();
    bares.push(b.readyMs);
    await b.stop();
  }
  row(
    "start to /ready 200 (personal)",
    median(starts),
    "ms",
    "bare Deno.serve",
    median(bares),
    "<= 150 ms",
  );
  const s = await strata();
  const b = await bare();
  await new Promise((r) => setTimeout(r, 1000));
  const pid = (await childPids(s.child.pid))[0] ?? s.child.pid;
  row(
    "idle server RSS",
    await rssMiB(pid),
    "MiB",
    "bare Deno.serve",
    await rssMiB(b.child.pid),
    "<= 64 MiB",
  );
  await s.stop();
  await b.stop();
}

/**
 * RSS of open 100-cell sessions over the idle server (issue 20). A notebook is opened from disk
 * and run (what reading or running it costs; again 30 s later, settled),
 * then edited once (the first edit builds the type service of issue 15 in the type Worker: the
 * TypeScript compiler, the parsed declarations and a checker), then nine more are opened, run, and
 * edited. Each figure is taken after the background check settled.
 */
/** Has the server write its compiler code cache, then restarts it (the rows after use it). */
async function primeCodeCache(s: TestServer): Promise<void> {
  const r = await s.api("POST", "/v1/notebooks/create", { name: "prime" });
  await s.api("POST", `/v1/notebooks/${r.body.sessionId}/cells`, { source: "const p: number = 1" });
  const dir = `${s.dir}/data/code-cache`;
  for (let i = 0; i < 300; i++) {
    try {
      if ([...Deno.readDirSync(dir)].some((e) => e.name.endsWith(".v8"))) break;
    } catch { /* not yet */ }
    await new Promise((res) => setTimeout(res, 50));
  }
  await s.restart();
}

async function openSessions(): Promise<void> {
  const s = await startServer({ STRATA_RATE_LIMIT_ENABLED: "false", ...PRODUCTION_V8 });
  try {
    // As on a server that has opened a notebook before: the compiler's code cache is written
    // (`<data_dir>/code-cache`, 1 s after the type Worker's first load), then the server restarts.
    // BENCH_CODE_CACHE=cold measures a first-ever start instead.
    if (Deno.env.get("BENCH_CODE_CACHE") !== "cold") await primeCodeCache(s);
    const ids: string[][] = [];
    for (let k = 0; k < 10; k++) ids.push(await writeNotebook(`${s.dir}/notebooks/rss${k}`, 100));
    const pid = (await childPids(s.pid()))[0] ?? s.pid();
    await new Promise((r) => setTimeout(r, 500));
    const idle = await rssMiB(pid);
    const settle = () => new Promise((r) => setTimeout(r, 1500)); // background check settles
    const { open, edit } = sessionSteps(s.api.bind(s), ids);
    const mib = async () => (await rssMiB(pid)) - idle;
    /**
     * The previous row's figure again, 33 s later (V8's memory reducer has run by then), or after
     * BENCH_SETTLE_MS: the type Worker stops 30 s after its last use and V8 gives its pooled pages
     * back 8 s after that, so the ten-session reading at 33 s may fall either side of it.
     */
    const settledRow = async (aim: string) => {
      await new Promise((r) => setTimeout(r, Number(Deno.env.get("BENCH_SETTLE_MS") ?? 33_000)));
      row("  the same 30 s later (settled)", await mib(), "MiB", "idle RSS", idle, aim);
    };
    await open(0);
    await settle();
    row(
      "one open 100-cell session (RSS over idle)",
      await mib(),
      "MiB",
      "idle RSS",
      idle,
      "<= +25 MiB",
    );
    // What a read-only session costs once settled. (Until the eighth session the first open's
    // analyses were made in the type Worker, which stops 30 s after its last use; an open now
    // starts no Worker.)
    await settledRow("<= +25 MiB");
    await edit(0);
    await settle();
    row(
      "  the same after one edit + completion (type service on)",
      await mib(),
      "MiB",
      "idle RSS",
      idle,
      "(no aim)",
    );
    for (let k = 1; k < 10; k++) await open(k);
    await settle();
    row(
      "ten open 100-cell sessions (RSS over idle)",
      await mib(),
      "MiB",
      "idle RSS",
      idle,
      "<= +150 MiB",
    );
    // As for one session: what ten cost once V8's memory reducer has run (the row above is the
    // peak right after the tenth open and run-all, with the first one's type service on).
    await settledRow("<= +150 MiB");
    for (let k = 1; k < 10; k++) await edit(k);
    await settle();
    row(
      "  the same, each edited once (ten type services)",
      await mib(),
      "MiB",
      "idle RSS",
      idle,
      "(no aim)",
    );
  } finally {
    await s.close();
  }
}

/** One first analysis of 100 cells in a fresh process (`_first_analysis_child.ts`). */
async function firstAnalysisChild(cacheDir: string | null) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}bench/_first_analysis_child.ts`, ...(cacheDir ? [cacheDir] : [])],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  return JSON.parse(line) as { coldMs: number; use: string | null };
}

async function analysis(dir: string): Promise<void> {
  const nb = (await import("./notebook_bench.ts")).main;
  const f = await nb(100);
  row(
    "first analysis of 100 cells (in process, no code cache)",
    f.coldMs,
    "ms",
    "bare Babel parse (warm)",
    f.baselineParseMs,
    "<= 50 ms",
  );
  // A server keeps the parser's V8 code cache in its data folder (taken a second after its first
  // analyses): every start but the first loads the parser from it. Fresh processes, interleaved:
  // with that cache (written by a first process here) against none.
  const cache = `${dir}/code-cache`;
  const primed = await firstAnalysisChild(cache);
  if (primed.use !== "miss") throw new Error(`a fresh code cache folder gave ${primed.use}`);
  const withCache: number[] = [], without: number[] = [];
  for (let i = 0; i < 5; i++) {
    const hit = await firstAnalysisChild(cache);
    if (hit.use !== "hit") throw new Error(`the parser's code cache was not used: ${hit.use}`);
    withCache.push(hit.coldMs);
    without.push((await firstAnalysisChild(null)).coldMs);
  }
  row(
    "first analysis of 100 cells after a restart (fresh process, parser's code cache)",
    median(withCache),
    "ms",
    "the same without a code cache (a first start)",
    median(without),
    "<= 50 ms",
  );
}

async function bigNotebook(dir: string): Promise<void> {
  const rt = await inProcess(dir);
  try {
    const ids = await writeNotebook(`${dir}/nb1000`, 1000);
    const analyzer = await rt.deps.runtime.analyzer(); // shared by every session: load it first
    const openMs = await timeMs(() => rt.open(`${dir}/nb1000`));
    const s = await rt.open(`${dir}/nb1000`);
    const readMs = median(
      await samples(3, async () => {
        const { readNotebook } = await import("../lib/notebook/format.ts");
        await readNotebook(`${dir}/nb1000`);
      }),
    );
    row("1,000-cell notebook: open", openMs, "ms", "read its files", readMs, "<= 300 ms");
    const coldMs = await timeMs(async () => {
      if (!(await s.runAll()).ok) throw new Error("1000-cell cold run failed");
    });
    // The dirty set after an edit of cell 500, as the session derives it: the model updated from
    // the previous one (only the edited cell re-derived, the DAG kept when the edit does not change
    // what the cell defines or reads, provenance re-hashed downstream of it, statuses), against a
    // full model build of the same notebook in the same run, interleaved.
    const { buildModel } = await import("../lib/session/cell_model.ts");
    const { readRuntimeState } = await import("../lib/notebook/runtime_state.ts");
    const input = {
      root: `${dir}/nb1000`,
      cells: s.notebook.cells,
      analyzer,
      analysisCache: new Map(),
      env: {},
      denoVersion: Deno.version.deno,
      lockHash: null,
      runtime: (await readRuntimeState(`${dir}/nb1000`)).state,
      running: new Set<string>(),
      forced: new Set<string>(),
    };
    const previous = buildModel(input);
    const edited = (n: number) =>
      input.cells.map((c, i) => i === 500 ? { ...c, source: `const v500 = v499 + ${n}` } : c);
    const notReady = (m: ReturnType<typeof buildModel>) =>
      m.dag.order.filter((id) => m.states.get(id)?.status !== "ready").length;
    const inc: number[] = [], incCpu: number[] = [], full: number[] = [], fullCpu: number[] = [];
    let dirty = 0;
    for (let i = 0; i < 15; i++) {
      const cells = edited(1000 + i);
      incCpu.push(
        await cpuMs(async () => {
          inc.push(
            await timeMs(() => {
              dirty = notReady(buildModel({ ...input, cells }, previous));
              return Promise.resolve();
            }),
          );
        }),
      );
      const cells2 = edited(5000 + i);
      fullCpu.push(
        await cpuMs(async () => {
          full.push(
            await timeMs(() => {
              notReady(buildModel({ ...input, cells: cells2 }));
              return Promise.resolve();
            }),
          );
        }),
      );
    }
    row(
      "1,000-cell notebook: dirty set after an edit (model)",
      median(inc),
      "ms",
      "full model build",
      median(full),
      "<= 5 ms",
    );
    console.log(
      `  (${dirty} cells not ready after the edit; CPU ${median(incCpu).toFixed(2)} ms vs ${
        median(fullCpu).toFixed(2)
      } ms for the full build)`,
    );
    // Through the session: the cell file written, the notebook read back, the model, the state.
    const edits = await samples(5, (i) => s.editCell(ids[500], `const v500 = v499 + ${1000 + i}`));
    row(
      "1,000-cell notebook: session edit (write+dirty set)",
      median(edits),
      "ms",
      "full model build",
      median(full),
      "(no aim)",
    );
    await s.editCell(ids[500], "const v500 = v499 + 500");
    await s.runAll();
    // The record step alone (1,000 run rows and audit events), which every run-all pays: the
    // floor under the cached run-all's CPU.
    const recordOnce = await recordStepAlone(rt, s);
    const recordCpu: number[] = [];
    const cached: number[] = [];
    const cachedCpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      cachedCpu.push(
        await cpuMs(async () => {
          cached.push(
            await timeMs(async () => {
              const r = await s.runAll();
              if (!r.cells.every((c) => c.cacheHit)) throw new Error("expected all cache hits");
            }),
          );
        }),
      );
      recordCpu.push(await cpuMs(recordOnce));
    }
    row(
      "1,000-cell notebook: cached run-all",
      median(cached),
      "ms",
      "cold run-all",
      coldMs,
      "<= 100 ms",
    );
    row(
      "1,000-cell notebook: cached run-all, server CPU",
      median(cachedCpu),
      "ms",
      "record step alone",
      median(recordCpu),
      "<= 100 ms",
    );
  } finally {
    await rt.close();
  }
}

/** One open of `nb` in a fresh process (`_reopen_child.ts`), analyses persisted under `cache`. */
async function reopenChild(nb: string, cache: string, parserCache?: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}bench/_reopen_child.ts`,
      nb,
      cache,
      ...(parserCache ? [parserCache] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  return JSON.parse(line) as {
    wallMs: number;
    cpuMs: number;
    analysisMs: number;
    analysisCpuMs: number;
    idleMiB: number;
    overIdleMiB: number;
    typeScriptLoaded: boolean;
    parserCodeCache: string | null;
    hits: number;
    misses: number;
  };
}

/**
 * Issue 20, the analysis cache: re-opening a notebook after a restart with every analysis stored
 * (warm) against the same open with nothing stored (cold: the first analysis, the parser loaded),
 * each in a fresh process, rounds interleaved.
 */
async function reopen(dir: string): Promise<void> {
  for (const n of [100, 1000]) {
    const nb = `${dir}/nb${n}`;
    await writeNotebook(nb, n);
    const cold: Awaited<ReturnType<typeof reopenChild>>[] = [];
    const warm: typeof cold = [];
    const coldParserCached: typeof cold = [];
    // The parser's code cache as a server keeps it from its first start (written by this open).
    const parserCache = `${dir}/parser-cache${n}`;
    await reopenChild(nb, `${dir}/cache${n}-prime`, parserCache);
    for (let round = 0; round < 3; round++) {
      const cache = `${dir}/cache${n}-${round}`;
      cold.push(await reopenChild(nb, cache));
      const cached = await reopenChild(nb, `${cache}-p`, parserCache);
      if (cached.parserCodeCache !== "hit") {
        throw new Error(`parser cache: ${cached.parserCodeCache}`);
      }
      coldParserCached.push(cached);
      warm.push(await reopenChild(nb, cache));
    }
    // Since the analyzer parses with Babel, a first open loads no compiler: the compiler's code
    // cache (measured here until the eighth session) no longer applies to it.
    row(
      `first open of a new ${n === 100 ? "100" : "1,000"}-cell notebook (fresh process)`,
      median(cold.map((c) => c.wallMs)),
      "ms",
      "re-open, cache warm",
      median(warm.map((w) => w.wallMs)),
      n === 100 ? "<= 50 ms (first analysis)" : "<= 300 ms",
    );
    row(
      `the same after a restart (the parser's code cache)`,
      median(coldParserCached.map((c) => c.wallMs)),
      "ms",
      "without it (a first start)",
      median(cold.map((c) => c.wallMs)),
      n === 100 ? "(no aim)" : "<= 300 ms",
    );
    row(
      `the same, RSS over idle`,
      median(cold.map((c) => c.overIdleMiB)),
      "MiB",
      "re-open, cache warm",
      median(warm.map((w) => w.overIdleMiB)),
      n === 100 ? "<= +25 MiB" : "(no aim)",
    );
    const loaded = warm.filter((w) => w.typeScriptLoaded).length;
    const what = `re-open of a ${n === 100 ? "100" : "1,000"}-cell notebook, cache warm`;
    row(
      `${what}: open`,
      median(warm.map((w) => w.wallMs)),
      "ms",
      "cold first analysis",
      median(cold.map((c) => c.wallMs)),
      n === 100 ? "(no aim)" : "<= 300 ms",
    );
    row(
      `${what}: read + analysis`,
      median(warm.map((w) => w.analysisMs)),
      "ms",
      "cold first analysis",
      median(cold.map((c) => c.analysisMs)),
      n === 100 ? "<= 50 ms" : "(no aim)",
    );
    row(
      `${what}: read + analysis, CPU`,
      median(warm.map((w) => w.analysisCpuMs)),
      "ms",
      "cold first analysis",
      median(cold.map((c) => c.analysisCpuMs)),
      "(no aim)",
    );
    row(
      `${what}: CPU`,
      median(warm.map((w) => w.cpuMs)),
      "ms",
      "cold first analysis",
      median(cold.map((c) => c.cpuMs)),
      "(no aim)",
    );
    row(
      `${what}: RSS over idle`,
      median(warm.map((w) => w.overIdleMiB)),
      "MiB",
      "cold first analysis",
      median(cold.map((c) => c.overIdleMiB)),
      n === 100 ? "<= +25 MiB" : "(no aim)",
    );
    console.log(
      `  (TypeScript loaded in ${loaded}/3 warm and ${
        cold.filter((c) => c.typeScriptLoaded).length
      }/3 cold opens; ` +
        `warm hits ${warm.map((w) => w.hits).join("/")}, misses ${
          warm.map((w) => w.misses).join("/")
        }; ` +
        `idle RSS ${median(warm.map((w) => w.idleMiB)).toFixed(1)} MiB)`,
    );
    if (loaded > 0 || cold.some((c) => c.typeScriptLoaded)) {
      throw new Error("an open loaded TypeScript");
    }
  }
}

async function concurrent(): Promise<void> {
  const s: TestServer = await startServer({
    ...PRODUCTION_V8,
    STRATA_RATE_LIMIT_ENABLED: "false",
    STRATA_EXECUTOR_POOL_SIZE: "2",
  });
  const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
  try {
    const cells: { sid: string; cid: string }[] = [];
    for (let k = 0; k < 20; k++) {
      const created = await s.api("POST", "/v1/notebooks/create", { name: `c${k}` });
      const sid = created.body.sessionId;
      const added = await s.api("POST", `/v1/notebooks/${sid}/cells`, { source: `${k} * 2` });
      cells.push({ sid, cid: added.body.cellId });
    }
    const healthTimes = async (untilMs: number) => {
      const times: number[] = [];
      while (performance.now() < untilMs) {
        times.push(await timeMs(async () => await (await fetch(`${s.url}/health`)).arrayBuffer()));
        await new Promise((r) => setTimeout(r, 20));
      }
      return times;
    };
    const loop = async (c: { sid: string; cid: string }, untilMs: number) => {
      let n = 0;
      while (performance.now() < untilMs) {
        const res = await fetch(
          `${s.url}/v1/notebooks/${c.sid}/cells/${c.cid}/execute?mode=rerun`,
          {
            method: "POST",
          },
        );
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`execute: ${res.status}`);
        n++;
      }
      return n;
    };
    // Creating 20 notebooks starts 20 background type checks (each a synchronous 100–200 ms
    // task on the server's event loop; docs/performance.md, "Fourth session"): the row measures
    // running cells, so it starts once they are done (/health fast 40 times in a row, ≤ 30 s).
    for (let fast = 0, end = performance.now() + 30_000; fast < 40 && performance.now() < end;) {
      const t = await timeMs(async () => await (await fetch(`${s.url}/health`)).arrayBuffer());
      fast = t < 10 ? fast + 1 : 0;
      await new Promise((r) => setTimeout(r, 20));
    }
    const idle = await healthTimes(performance.now() + 2000);
    let until = performance.now() + seconds * 1000;
    const t1 = performance.now();
    const one = await loop(cells[0], until);
    const oneRate = one / ((performance.now() - t1) / 1000);
    until = performance.now() + seconds * 1000;
    const t20 = performance.now();
    const [counts, busy] = await Promise.all([
      Promise.all(cells.map((c) => loop(c, until))),
      healthTimes(until),
    ]);
    const rate = counts.reduce((a, b) => a + b, 0) / ((performance.now() - t20) / 1000);
    row("20 sessions running cells at once: cells/s", rate, "/s", "one session", oneRate, "report");
    row(
      "20 sessions running cells at once: /health p99",
      percentile(busy, 0.99),
      "ms",
      "idle /health p99",
      percentile(idle, 0.99),
      "<= 50 ms",
    );
  } finally {
    await s.close();
  }
}

/** Runs the chosen rows (all by default) and returns them. */
export async function main(only: string[] = []): Promise<Row[]> {
  rows.splice(0);
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-aims-" }));
  const all: Record<string, (d: string) => Promise<void>> = {
    cell: warmCell,
    api: apiCell,
    executor: executorRows,
    runall: cachedRunAll,
    start: startAndIdle,
    session: openSessions,
    analysis,
    big: bigNotebook,
    reopen,
    concurrent,
  };
  try {
    for (const [name, fn] of Object.entries(all)) {
      if (only.length && !only.includes(name)) continue;
      await Deno.mkdir(`${dir}/${name}`);
      try {
        await fn(`${dir}/${name}`);
      } catch (err) {
        console.log(`!!! ${name} failed: ${(err as Error).stack}`);
      }
    }
    return rows;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  await main(Deno.args);
}
