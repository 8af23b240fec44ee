/**
 * The worker-death scenario of issue 21, shared by tests/nats_chaos_test.ts (a few rounds) and
 * bench/nats_chaos.ts (20 rounds): two `strata worker --nats` processes; each round queues one
 * cell, SIGKILLs the worker that began it (and the cell's process group, as a dying machine
 * would), starts a replacement, and waits for the cell's result.
 */
import type { CellResult } from "../lib/executor/types.ts";
import { connectNats } from "../lib/cluster/jetstream.ts";
import { natsExecutor } from "../lib/cluster/nats_executor.ts";
import { spawnNatsWorker, startNats, type WorkerProcess } from "../lib/cluster/_test_nats.ts";
import type { JobEvent } from "../lib/cluster/protocol.ts";

/** What happened over the rounds, indexed by round. */
export interface ChaosReport {
  results: CellResult[];
  /** Worker pids that began each cell. */
  begins: number[][];
  /** Completion markers the cell wrote (it writes one as its last statement). */
  completions: number[];
  /** Results workers sent for each cell (seen on the wire). */
  resultsSent: number[];
  /** ms from the kill to the result, per round. */
  recoveryMs: number[];
}

/** Runs `rounds` kill-mid-cell rounds; ackWaitMs is the consumers' ack wait. */
export async function killMidCell(rounds: number, ackWaitMs = 2000): Promise<ChaosReport> {
  const nats = await startNats();
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-chaos-" }));
  const doneDir = `${dir}/done`;
  await Deno.mkdir(doneDir);
  const workers: WorkerProcess[] = [];
  let nextWorker = 0;
  const spawn = async () => {
    const n = nextWorker++;
    workers.push(
      await spawnNatsWorker(nats.urls[0], `w${n}`, `${dir}/w${n}`, ["--allow-host-paths"]),
    );
  };
  const nc = await connectNats({ servers: nats.urls, name: "chaos-server" });
  const sniffer = await connectNats({ servers: nats.urls, name: "chaos-sniffer" });
  const report: ChaosReport = {
    results: [],
    begins: [],
    completions: [],
    resultsSent: Array(rounds).fill(0),
    recoveryMs: [],
  };
  sniffer.subscribe("_INBOX.>", {
    callback(_err, msg) {
      try {
        const ev = msg.json() as JobEvent;
        if (ev.t === "result") report.resultsSent[Number(ev.result.cellId.slice(1))]++;
      } catch { /* not an event */ }
    },
  });
  await sniffer.flush();
  const ex = await natsExecutor({ nc, ownsConnection: true, ackWaitMs });
  try {
    await spawn();
    await spawn();
    for (let i = 0; i < rounds; i++) {
      report.begins[i] = [];
      let killedAt = 0;
      let replacement: Promise<void> | undefined;
      const [r] = await ex.runBatch([{
        cellId: `c${i}`,
        source: `console.log("begin " + Deno.ppid + " " + Deno.pid);
await new Promise((r) => setTimeout(r, 1500));
Deno.writeTextFileSync("${doneDir}/c${i}-" + crypto.randomUUID(), "");
const out = ${i};`,
        inputs: [],
        outputs: ["out"],
        permissions: { notebookDir: "/srv/notebooks/nb", write: [doneDir] },
        timeoutMs: 30_000,
      }], {
        onConsole(entry) {
          const m = /begin (\d+) (\d+)/.exec(entry.text);
          if (!m) return;
          report.begins[i].push(Number(m[1]));
          if (killedAt) return;
          killedAt = performance.now();
          Deno.kill(Number(m[1]), "SIGKILL"); // the worker
          // Its cell: the process group of a cell that may start processes, else the one process.
          for (const pid of [-Number(m[2]), Number(m[2])]) {
            try {
              Deno.kill(pid, "SIGKILL");
            } catch { /* not a group, or already gone */ }
          }
          replacement = spawn();
        },
      });
      report.recoveryMs.push(performance.now() - killedAt);
      report.results.push(r);
      await replacement;
    }
    await sniffer.flush();
    for (let i = 0; i < rounds; i++) {
      let n = 0;
      for await (const e of Deno.readDir(doneDir)) if (e.name.startsWith(`c${i}-`)) n++;
      report.completions.push(n);
    }
    return report;
  } finally {
    await ex.close();
    await sniffer.close();
    await Promise.all(workers.map((w) => w.stop()));
    await nats.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
