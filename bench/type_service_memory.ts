/**
 * What the type service costs next to read-only sessions (issue 20, the "ten sessions" row): the
 * real server, ten 100-cell notebooks opened and run, then one edited (which builds its type
 * service), RSS over idle after each step.
 *
 * Run: scripts/deno run -A bench/type_service_memory.ts [main] [v8-flags]
 *   main      the server's `type_check_thread = "main"` (default: the type Worker)
 *   v8-flags  the server's DENO_V8_FLAGS (default: what `deno task start` sets)
 */
import { startServer } from "../tests/_server.ts";
import { sessionSteps, writeNotebook } from "./_notebooks.ts";
import { V8_FLAGS } from "../lib/launcher/launch.ts";
import { childPids, rssMiB } from "./_load.ts";

const main = Deno.args.includes("main");
const flags = Deno.args.find((a) => a.startsWith("--")) ?? V8_FLAGS;
const s = await startServer({
  STRATA_RATE_LIMIT_ENABLED: "false",
  DENO_V8_FLAGS: flags,
  ...(main ? { STRATA_TYPE_CHECK_THREAD: "main" } : {}),
});
try {
  const ids: string[][] = [];
  for (let k = 0; k < 10; k++) ids.push(await writeNotebook(`${s.dir}/notebooks/rss${k}`, 100));
  const pid = (await childPids(s.pid()))[0] ?? s.pid();
  await new Promise((r) => setTimeout(r, 500));
  const idle = await rssMiB(pid);
  const { open, edit } = sessionSteps(s.api.bind(s), ids);
  const settle = () => new Promise((r) => setTimeout(r, 1500));
  const over = async () => ((await rssMiB(pid)) - idle).toFixed(1);
  console.log(`type checks: ${main ? "main thread" : "Worker"}; DENO_V8_FLAGS=${flags}`);
  console.log(`  idle RSS                                ${idle.toFixed(1)} MiB`);
  await open(0);
  await settle();
  console.log(`  one session opened and run             +${await over()} MiB`);
  for (let k = 1; k < 10; k++) await open(k);
  await settle();
  console.log(`  ten sessions, none edited              +${await over()} MiB`);
  await edit(0);
  await settle();
  console.log(`  ten sessions, one edited (type service) +${await over()} MiB`);
} finally {
  await s.close();
}
