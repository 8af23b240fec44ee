/**
 * Issue 21 item 2: what forwarding to the owner replica costs. Two replicas (shared NATS,
 * PostgreSQL, notebook folder); the same read (`GET /v1/notebooks/:sid`) and edit
 * (`PUT .../cells/:id`) sent to the owner and to the other replica, interleaved, as a ratio of
 * p50s in the same run. Run: scripts/deno run -A bench/ownership_bench.ts [rounds]
 */
import { who, withReplicas } from "../tests/_replicas.ts";

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}

/** Runs the rounds; returns the figures (also printed). */
export async function main(rounds = 200): Promise<Record<string, unknown>> {
  let figures: Record<string, unknown> = {};
  await withReplicas(2, {}, async (c) => {
    const [owner, other] = c.replicas;
    const h = who("bench");
    let r = await owner.api("POST", "/v1/notebooks/create", { name: "bench" }, h);
    const sid = r.body.sessionId;
    r = await owner.api("POST", `/v1/notebooks/${sid}/cells`, { source: "const x = 0" }, h);
    const cell = r.body.cellId;
    const t = { readOwner: [] as number[], readOther: [] as number[] };
    const e = { editOwner: [] as number[], editOther: [] as number[] };
    const time = async (f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) { // warm-up
      await owner.api("GET", `/v1/notebooks/${sid}`, undefined, h);
      await other.api("GET", `/v1/notebooks/${sid}`, undefined, h);
    }
    for (let i = 0; i < rounds; i++) {
      t.readOwner.push(await time(() => owner.api("GET", `/v1/notebooks/${sid}`, undefined, h)));
      t.readOther.push(await time(() => other.api("GET", `/v1/notebooks/${sid}`, undefined, h)));
      const put = (s: typeof owner, v: string) =>
        time(() => s.api("PUT", `/v1/notebooks/${sid}/cells/${cell}`, { source: v }, h));
      e.editOwner.push(await put(owner, `const x = ${2 * i}`));
      e.editOther.push(await put(other, `const x = ${2 * i + 1}`));
    }
    const load = Deno.loadavg()[0];
    figures = {
      rounds,
      readOwnerP50Ms: +pct(t.readOwner, 0.5).toFixed(2),
      readOtherP50Ms: +pct(t.readOther, 0.5).toFixed(2),
      readRatioP50: +(pct(t.readOther, 0.5) / pct(t.readOwner, 0.5)).toFixed(2),
      editOwnerP50Ms: +pct(e.editOwner, 0.5).toFixed(2),
      editOtherP50Ms: +pct(e.editOther, 0.5).toFixed(2),
      editRatioP50: +(pct(e.editOther, 0.5) / pct(e.editOwner, 0.5)).toFixed(2),
      readOtherP99Ms: +pct(t.readOther, 0.99).toFixed(2),
      editOtherP99Ms: +pct(e.editOther, 0.99).toFixed(2),
      load1m: load,
    };
    console.log(
      `forwarding to the owner (${rounds} rounds, load ${load.toFixed(2)}): read p50 ` +
        `${figures.readOwnerP50Ms} ms at the owner vs ${figures.readOtherP50Ms} ms forwarded ` +
        `(×${figures.readRatioP50}); edit p50 ${figures.editOwnerP50Ms} vs ` +
        `${figures.editOtherP50Ms} ms (×${figures.editRatioP50}); forwarded p99 read ` +
        `${figures.readOtherP99Ms} ms, edit ${figures.editOtherP99Ms} ms`,
    );
  });
  return figures;
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 200));
