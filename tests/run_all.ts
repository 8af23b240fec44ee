// The whole test suite: first what the machine needs (tests/_preflight.ts: nginx, Chromium,
// PostgreSQL installed or started, or one line saying what is missing and how to get it), then
// unit and integration tests, then the browser tests in their own `deno test -A` step. Ends with
// one plain line "N passed, N failed" (CI reads it).
import { applyPlan, missingLine, pgAnswers, planPreflight, probe } from "./_preflight.ts";
import { DEFAULT_TEST_PG_URL } from "../lib/db/testing.ts";

const deno = Deno.execPath();
const root = new URL("..", import.meta.url).pathname;
const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };

const plan = planPreflight(await probe(env));
const missing = missingLine(plan);
if (missing) {
  console.log(missing);
  console.log("\n0 passed, 1 failed");
  Deno.exit(1);
}
await applyPlan(plan, (line) => console.log(line));
// Still no PostgreSQL with trust auth at the default address: a throwaway cluster for this run.
const wrap = plan.virtualenvFallback && !env.STRATA_TEST_PG_URL &&
    !(await pgAnswers(DEFAULT_TEST_PG_URL))
  ? [
    "pg_virtualenv",
    "sh",
    "-c",
    'STRATA_TEST_PG_URL="postgres://$PGUSER:$PGPASSWORD@127.0.0.1:$PGPORT/postgres" exec "$@"',
    "sh",
  ]
  : [];
if (wrap.length) {
  console.log("test setup: no trust-auth PostgreSQL at 127.0.0.1:5432; using pg_virtualenv");
}

interface Step {
  name: string;
  args: string[];
  /** Return a reason to skip loudly, or null to run. */
  skip?: () => string | null;
}

const steps: Step[] = [
  { name: "unit + integration", args: ["test", "-A", "--ignore=tests/browser", "--parallel"] },
  {
    name: "browser (chromium)",
    args: ["test", "-A", "tests/browser/"],
    skip: () => {
      if (env.STRATA_TEST_SKIP_BROWSER === "1") return "STRATA_TEST_SKIP_BROWSER=1";
      try {
        Deno.statSync("/usr/bin/chromium");
      } catch {
        return "/usr/bin/chromium is not installed (apt-get install chromium)";
      }
      try {
        Deno.statSync(`${root}tests/browser`);
      } catch {
        return "no tests/browser folder yet";
      }
      return null;
    },
  },
];

let passed = 0;
let failed = 0;
let broken = false;
for (const step of steps) {
  const reason = step.skip?.() ?? null;
  if (reason) {
    console.log(`\n!!! SKIPPED ${step.name} tests: ${reason}\n`);
    continue;
  }
  console.log(`\n=== ${step.name}: deno ${step.args.join(" ")}`);
  const command = [...wrap, deno, ...step.args];
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: root,
    env,
    stdout: "piped",
    stderr: "inherit",
  })
    .spawn();
  let tail = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    const text = decoder.decode(chunk, { stream: true });
    await Deno.stdout.write(chunk);
    tail = (tail + text).slice(-4000);
  }
  const status = await child.status;
  const m = [...tail.matchAll(/(\d+) passed.*?\| (\d+) failed/g)].at(-1);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (!status.success && (!m || Number(m[2]) === 0)) {
    console.log(
      `\n!!! ${step.name} step exited with code ${status.code} without a test failure count`,
    );
    broken = true;
  }
}
if (broken) failed += 1;
console.log(`\n${passed} passed, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);
