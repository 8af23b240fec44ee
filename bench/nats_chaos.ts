/**
 * Issue 21 chaos: 20 rounds of SIGKILL-a-worker-mid-cell (tests/_nats_chaos.ts). Prints how long
 * each cell took to finish on another worker after the kill, and whether any cell was lost or
 * completed twice. Run: scripts/deno run -A bench/nats_chaos.ts [rounds]
 */
import { killMidCell } from "../tests/_nats_chaos.ts";

/** Runs the rounds; returns the figures (also printed). */
export async function main(rounds = 20): Promise<Record<string, unknown>> {
  const r = await killMidCell(rounds);
  const ok = r.results.filter((x) => x.status === "ok").length;
  const moved = r.begins.filter((b) => b.length >= 2 && b[0] !== b[1]).length;
  const twice = r.completions.filter((n) => n > 1).length +
    r.resultsSent.filter((n) => n > 1).length;
  const sorted = [...r.recoveryMs].sort((a, b) => a - b);
  const figures = {
    rounds,
    finished: ok,
    movedToAnotherWorker: moved,
    lost: rounds - ok,
    completedTwice: twice,
    recoveryP50Ms: Math.round(sorted[Math.floor(rounds / 2)]),
    recoveryMaxMs: Math.round(sorted[rounds - 1]),
  };
  if (twice > 0) {
    console.log(`completion markers per cell: ${r.completions.join(",")}`);
    console.log(`results sent per cell: ${r.resultsSent.join(",")}`);
  }
  console.log(
    `${rounds} workers killed mid-cell: ${ok} cells finished (${moved} on another worker), ` +
      `${figures.lost} lost, ${twice} completed twice; kill → result p50 ${figures.recoveryP50Ms} ms, ` +
      `max ${figures.recoveryMaxMs} ms (ack wait 2 s, cell 1.5 s)`,
  );
  return figures;
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 20));
