// The whole test suite: unit and integration tests, then the browser tests in their own
// `deno test -A` step. Ends with one plain line "N passed, N failed" (CI reads it).
const deno = Deno.execPath();
const root = new URL("..", import.meta.url).pathname;
const env = { ...Deno.env.toObject(), NO_COLOR: "1" };

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
      try {
        Deno.statSync("/usr/bin/chromium");
      } catch {
        return "/usr/bin/chromium is not installed (apt-get install chromium); .ci/run installs it";
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
  const child = new Deno.Command(deno, {
    args: step.args,
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
