/**
 * What a sandboxed run pays before it starts: approvals read and verified, the notebook folder
 * walked for symlinks (`Sandbox.inputFor`), on a 1,000-cell folder with its console files.
 * Run: scripts/deno run -A bench/sandbox_input_bench.ts [base-checkout]
 * With a second checkout's root (e.g. /work/main), both are timed interleaved in one run.
 */
import process from "node:process";
import { median } from "./_load.ts";

const dirs = [new URL("..", import.meta.url).pathname, ...Deno.args];
const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-sandbox-bench-" }));
try {
  const nb = `${base}/nb`;
  await Deno.mkdir(`${nb}/.strata/console`, { recursive: true });
  for (let i = 0; i < 1000; i++) {
    await Deno.writeTextFile(`${nb}/c${String(i).padStart(4, "0")}.ts`, `const v${i} = ${i}`);
    await Deno.writeTextFile(`${nb}/.strata/console/c${i}.json`, "{}");
  }
  await Deno.writeTextFile(`${nb}/notebook.toml`, "");
  const past = new Date(Date.now() - 3_600_000);
  for (const d of [nb, `${nb}/.strata`, `${nb}/.strata/console`]) await Deno.utime(d, past, past);
  // A listing is remembered once its folder's mtime and ctime are over 2 s old (utime sets ctime).
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const variants = [];
  for (const dir of dirs) {
    const { sandboxFrom } = await import(`${dir}/lib/sandbox/sandbox.ts`);
    const { loadApprovalKey } = await import(`${dir}/lib/sandbox/approvals.ts`);
    const key = await loadApprovalKey(`${base}/data`);
    const sandbox = sandboxFrom({
      mode: "personal",
      policy: {},
      protectedPaths: [],
      listen: { host: "127.0.0.1", port: 8080 },
    }, key);
    await sandbox.approve(nb, ["net=a.com", "read=/tmp", "env=HOME", "run=git", "write=/tmp"], {
      by: null,
      now: new Date(),
    });
    await Deno.utime(`${nb}/.strata`, past, past);
    variants.push({ dir, sandbox, cpu: [] as number[], wall: [] as number[] });
  }
  for (let round = 0; round < 30; round++) {
    for (const v of variants) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await v.sandbox.inputFor({
        tenantId: "default",
        principal: null,
        notebookDir: nb,
        notebookEnv: [],
      });
      v.wall.push(performance.now() - t0);
      const d = process.cpuUsage(c0);
      v.cpu.push((d.user + d.system) / 1000);
    }
  }
  for (const v of variants) {
    console.log(
      `sandbox inputFor, 1,000-cell folder (${v.dir}): CPU ${median(v.cpu).toFixed(2)} ms, wall ${
        median(v.wall).toFixed(2)
      } ms`,
    );
  }
} finally {
  await Deno.remove(base, { recursive: true });
}
