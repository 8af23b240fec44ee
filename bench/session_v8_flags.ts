/**
 * The aims bench's session rows (same steps as its `session` row) against the real server
 * (start.ts → launcher → server) started with the given DENO_V8_FLAGS, which the launcher passes
 * on to the server. Also prints the server's idle RSS (absolute), start → /ready and the server's
 * CPU time up to ready, so a young-generation setting can be judged against start-up (branch
 * `startperf` chose `--min-semi-space-size=16` for that). Interleave flag sets, same minutes.
 *
 * Run: scripts/deno run -A bench/session_v8_flags.ts "" "--min-semi-space-size=16" \
 *        "--min-semi-space-size=16,--max-semi-space-size=16" [rounds]
 * With QUIET=30 in the environment each row is also read after 30 s more without requests
 * (V8's memory reducer has run by then): "peak/quiet"; the next step starts after that reading.
 */
import { startServer } from "../tests/_server.ts";
import { childPids, rssMiB } from "./_load.ts";
import { sessionSteps, writeNotebook } from "./_notebooks.ts";

/** User + system CPU time of a process (ms), from /proc. */
function cpuMs(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function once(flags: string): Promise<void> {
  const t0 = performance.now();
  const s = await startServer({
    STRATA_RATE_LIMIT_ENABLED: "false",
    ...(flags ? { DENO_V8_FLAGS: flags } : {}),
  });
  const ready = performance.now() - t0;
  try {
    const pid = (await childPids(s.pid()))[0] ?? s.pid();
    const startCpu = cpuMs(pid);
    const ids: string[][] = [];
    for (let k = 0; k < 10; k++) ids.push(await writeNotebook(`${s.dir}/notebooks/rss${k}`, 100));
    await new Promise((r) => setTimeout(r, 500));
    const idle = await rssMiB(pid);
    const settle = () => new Promise((r) => setTimeout(r, 1500));
    const quiet = Number(Deno.env.get("QUIET") ?? 0);
    const read = async () => `+${((await rssMiB(pid)) - idle).toFixed(1)}`;
    const over = async () => {
      const peak = await read();
      if (!quiet) return peak;
      await new Promise((r) => setTimeout(r, quiet * 1000));
      return `${peak}/${await read()}`;
    };
    const { open, edit } = sessionSteps(s.api.bind(s), ids);
    const before = cpuMs(pid);
    await open(0);
    await settle();
    const one = await over();
    await edit(0);
    await settle();
    const oneEdited = await over();
    for (let k = 1; k < 10; k++) await open(k);
    await settle();
    const ten = await over();
    for (let k = 1; k < 10; k++) await edit(k);
    await settle();
    const tenEdited = await over();
    console.log(
      `${(flags || "(none)").padEnd(50)} ready ${ready.toFixed(0).padStart(5)} ms, start CPU ` +
        `${startCpu} ms, idle ${
          idle.toFixed(1)
        } MiB | one ${one}, edited ${oneEdited}, ten ${ten}, ` +
        `ten edited ${tenEdited} MiB | sessions' CPU ${cpuMs(pid) - before} ms | load ` +
        Deno.loadavg()[0].toFixed(1),
    );
  } finally {
    await s.close();
  }
}

const last = Deno.args.at(-1);
const rounds = last !== undefined && /^\d+$/.test(last) ? Number(last) : 1;
const sets = rounds > 1 || /^\d+$/.test(last ?? "") ? Deno.args.slice(0, -1) : Deno.args;
for (let r = 0; r < rounds; r++) for (const flags of sets.length ? sets : [""]) await once(flags);
