/**
 * Issue 20: the file work of one warm cell run, done with async calls (the old code) against
 * synchronous ones (what lib/artifacts/fs_blob_store.ts, lib/notebook/_atomic.ts and
 * lib/sandbox/ do now for small files), interleaved in the same run: the notebook folder's real
 * path and a listing of `.strata`, runtime.json and a console file replaced atomically (write +
 * rename), and one small blob put (exclusive create + rename).
 *
 * Each async call hands the work to Deno's blocking thread pool and wakes a thread; with other
 * processes competing for the cores that wake-up can cost the event loop far more than the
 * system call itself. So the bench runs each mode quiet and with busy processes beside it (one
 * per core, each spinning), and prints median and p90 wall time per run's file work.
 *
 * Run: scripts/deno run -A bench/small_io_bench.ts [rounds]
 */
import { median } from "./_load.ts";

/** One mode's figures (ms per run's file work). */
export interface IoFigure {
  mode: string;
  busy: number;
  median: number;
  p90: number;
}

const RUNTIME_JSON = JSON.stringify({
  cells: { c1: { status: "ready", provenance: "x".repeat(64) } },
})
  .padEnd(400, " ");
const CONSOLE_JSON = JSON.stringify({ cellId: "c1", console: [] }).padEnd(200, " ");
const BLOB = new Uint8Array(300).fill(7);

async function asyncRun(dir: string, i: number): Promise<void> {
  await Deno.realPath(dir);
  await Array.fromAsync(Deno.readDir(`${dir}/.strata`));
  await Deno.writeTextFile(`${dir}/.strata/.runtime.json.${i}.tmp`, RUNTIME_JSON);
  await Deno.rename(`${dir}/.strata/.runtime.json.${i}.tmp`, `${dir}/.strata/runtime.json`);
  await Deno.writeTextFile(`${dir}/.strata/console/.c1.${i}.tmp`, CONSOLE_JSON);
  await Deno.rename(`${dir}/.strata/console/.c1.${i}.tmp`, `${dir}/.strata/console/c1.json`);
  await Deno.writeFile(`${dir}/blobs/.~${i}.tmp`, BLOB, { createNew: true });
  await Deno.rename(`${dir}/blobs/.~${i}.tmp`, `${dir}/blobs/b${i % 4}`);
}

// deno-lint-ignore require-await
async function syncRun(dir: string, i: number): Promise<void> {
  Deno.realPathSync(dir);
  Array.from(Deno.readDirSync(`${dir}/.strata`));
  Deno.writeTextFileSync(`${dir}/.strata/.runtime.json.${i}.tmp`, RUNTIME_JSON);
  Deno.renameSync(`${dir}/.strata/.runtime.json.${i}.tmp`, `${dir}/.strata/runtime.json`);
  Deno.writeTextFileSync(`${dir}/.strata/console/.c1.${i}.tmp`, CONSOLE_JSON);
  Deno.renameSync(`${dir}/.strata/console/.c1.${i}.tmp`, `${dir}/.strata/console/c1.json`);
  Deno.writeFileSync(`${dir}/blobs/.~${i}.tmp`, BLOB, { createNew: true });
  Deno.renameSync(`${dir}/blobs/.~${i}.tmp`, `${dir}/blobs/b${i % 4}`);
}

/** Processes spinning beside the bench, as other work on the machine would (killed after). */
function busyProcesses(n: number): Deno.ChildProcess[] {
  return Array.from({ length: n }, () =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", "let x = 0; for (;;) x = (x + 1) % 1e9;"],
      stdout: "null",
      stderr: "null",
    }).spawn());
}

function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))];
}

/** Runs both modes, quiet and busy, interleaved; prints and returns the figures. */
export async function main(rounds = 200): Promise<IoFigure[]> {
  const dir = await Deno.makeTempDir({ prefix: "strata-small-io-" });
  await Deno.mkdir(`${dir}/.strata/console`, { recursive: true });
  await Deno.mkdir(`${dir}/blobs`);
  const figures: IoFigure[] = [];
  try {
    for (const busy of [0, navigator.hardwareConcurrency]) {
      const hogs = busyProcesses(busy);
      await new Promise((r) => setTimeout(r, 200)); // let them start spinning
      const times: Record<string, number[]> = { async: [], sync: [] };
      for (let i = 0; i < rounds; i++) {
        for (const [mode, run] of [["async", asyncRun], ["sync", syncRun]] as const) {
          await new Promise((r) => setTimeout(r, 2)); // a run comes after idle time, as in use
          const t = performance.now();
          await run(dir, i);
          times[mode].push(performance.now() - t);
        }
      }
      for (const h of hogs) h.kill("SIGKILL");
      await Promise.all(hogs.map((h) => h.status));
      for (const mode of ["async", "sync"]) {
        figures.push({ mode, busy, median: median(times[mode]), p90: p90(times[mode]) });
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  for (const f of figures) {
    const base = figures.find((g) => g.busy === f.busy && g.mode === "sync")!;
    console.log(
      `${`one run's file work, ${f.mode}, ${f.busy} busy processes`.padEnd(48)} median ${
        f.median.toFixed(3).padStart(7)
      } ms  p90 ${f.p90.toFixed(3).padStart(7)} ms  ratio ${
        (f.median / base.median).toFixed(2).padStart(6)
      }x vs sync`,
    );
  }
  return figures;
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 200));
