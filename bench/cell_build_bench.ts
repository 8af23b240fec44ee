/**
 * Issue 20, branch `cellbabel`: what building cells' modules costs, and what the first run of a
 * re-opened notebook costs the server.
 *
 *  - `modules`: in a fresh process, load the builder's parser and build 100 cells (cold), then the
 *    best of 10 further passes over the same 100 (warm); wall, CPU and RSS over the process start.
 *  - `reopen`: a 100-cell notebook is opened once (its analyses stored), the server restarts, and
 *    the notebook is opened, its first cell run (alone: `on_change = "lazy"`), then all (`run-all`:
 *    cells executed, the database has no results yet); wall time from the open to each answer, the server's CPU time over
 *    them, and its RSS over its idle once settled.
 *
 * `scripts/deno run -A bench/cell_build_bench.ts [modules|reopen] [rounds]`; one JSON line a round.
 */
import process from "node:process";
import { chainSource, writeNotebook } from "./_notebooks.ts";
import { childPids, rssMiB } from "./_load.ts";
import { cellFileName } from "../lib/notebook/cell_files.ts";
import { startServer } from "../tests/_server.ts";

const [what = "modules", roundsArg = "3"] = Deno.args;
const rounds = Number(roundsArg);

/** Cells a notebook holds: the chain, plus typed and imported ones every tenth cell. */
function source(i: number): string {
  if (i % 10 === 3) {
    return `import { join as join${i} } from "node:path";\nconst v${i} = v${
      i - 1
    } + join${i}("a", "b").length`;
  }
  if (i % 10 === 7) {
    return `interface R${i} { a: number }\nconst r${i}: R${i} = { a: v${
      i - 1
    } };\nconst v${i} = r${i}.a * 2;\nv${i}`;
  }
  return chainSource(i);
}

async function modulesChild(): Promise<void> {
  const rss0 = Deno.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { buildCellModule } = await import("../lib/executor/cell_module.ts");
  const sources = Array.from({ length: 100 }, (_, i) => source(i));
  const build = async () => {
    for (const [i, s] of sources.entries()) {
      const r = await buildCellModule(s, { inputs: i ? [`v${i - 1}`] : [], outputs: [`v${i}`] });
      if (!r.ok) throw new Error(r.error.message);
    }
  };
  await build();
  const coldMs = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  const coldCpuMs = (c.user + c.system) / 1000;
  const rssMiB = (Deno.memoryUsage().rss - rss0) / 2 ** 20;
  const warm: number[] = [];
  for (let k = 0; k < 10; k++) {
    const t = performance.now();
    await build();
    warm.push(performance.now() - t);
  }
  console.log(JSON.stringify({ coldMs, coldCpuMs, warmMs: Math.min(...warm), rssMiB }));
}

async function modules(): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "modules-child"],
      stdout: "piped",
    }).output();
    const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1);
    console.log(JSON.stringify({ what: "modules", load: Deno.loadavg()[0], ...JSON.parse(line!) }));
  }
}

/** CPU time (user + system) of a process so far, in ms (Linux /proc, 100 ticks a second). */
async function cpuMs(pid: number): Promise<number> {
  const stat = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
  return (Number(stat[11]) + Number(stat[12])) * 10;
}

async function reopen(): Promise<void> {
  const V8 = { DENO_V8_FLAGS: "--min-semi-space-size=16,--max-semi-space-size=16" };
  for (let r = 0; r < rounds; r++) {
    const s = await startServer({ STRATA_RATE_LIMIT_ENABLED: "false", ...V8 });
    try {
      const nb = `${s.dir}/notebooks/nb`;
      const ids = await writeNotebook(nb, 100);
      // Running the first cell runs only it (its dependents wait for run-all).
      await Deno.writeTextFile(`${nb}/notebook.toml`, '\n[runtime]\non_change = "lazy"\n', {
        append: true,
      });
      for (const [i, id] of ids.entries()) {
        await Deno.writeTextFile(`${nb}/${cellFileName(id, `c${i}`, ".ts")}`, source(i));
      }
      const first = await s.api("POST", "/v1/notebooks/open", { path: "nb" });
      if (first.status !== 200 && first.status !== 201) throw new Error(`open: ${first.status}`);
      await new Promise((res) => setTimeout(res, 1000)); // the analyses are written
      await s.restart();
      const pid = (await childPids(s.pid()))[0] ?? s.pid();
      await new Promise((res) => setTimeout(res, 1000));
      const idle = await rssMiB(pid);
      const cpu0 = await cpuMs(pid);
      const t = performance.now();
      const o = await s.api("POST", "/v1/notebooks/open", { path: "nb" });
      if (o.status !== 200 && o.status !== 201) throw new Error(`open: ${o.status}`);
      const openMs = performance.now() - t;
      const sid = o.body.sessionId;
      const one = await s.api("POST", `/v1/notebooks/${sid}/cells/${ids[0]}/execute`);
      if (one.status !== 200) throw new Error(`execute: ${one.status} ${JSON.stringify(one.body)}`);
      const firstCellMs = performance.now() - t;
      const run = await s.api("POST", `/v1/notebooks/${sid}/run-all`);
      if (run.status !== 200) throw new Error(`run-all: ${run.status} ${JSON.stringify(run.body)}`);
      const wallMs = performance.now() - t;
      const serverCpuMs = (await cpuMs(pid)) - cpu0;
      await new Promise((res) => setTimeout(res, 1500));
      const overIdle = (await rssMiB(pid)) - idle;
      const analyses = [...Deno.readDirSync(`${s.dir}/data/analysis`)].length;
      console.log(JSON.stringify({
        what: "reopen",
        load: Deno.loadavg()[0],
        openMs,
        openAndFirstCellMs: firstCellMs,
        openAndRunAllMs: wallMs,
        serverCpuMs,
        idleMiB: idle,
        overIdleMiB: overIdle,
        analysisDirs: analyses,
        firstRan: one.body.run.cells.length,
        ran: run.body.run.cells.length,
        errors: run.body.state.cells.filter((c: { status: string }) => c.status === "error").length,
      }));
    } finally {
      await s.close();
    }
  }
}

if (what === "modules-child") await modulesChild();
else if (what === "modules") await modules();
else if (what === "reopen") await reopen();
else throw new Error(`Unknown bench '${what}': modules or reopen`);
