// The `strata` CLI end to end: the real main.ts under the task's permissions (no write, no net),
// so every command goes through the launcher's permission-scoped re-run.
import assert from "node:assert/strict";
import { cliDir, type CliResult, runStrata } from "./_cli.ts";

interface Cli {
  /** Runs `strata <args>` in the work folder; `stdin` is piped in when given. */
  (args: string[], stdin?: string): Promise<CliResult>;
  dir: string;
}

async function cli(): Promise<Cli> {
  const dir = await cliDir("strata-cli-");
  return Object.assign((args: string[], stdin?: string) => runStrata(dir, args, { stdin }), {
    dir,
  });
}

function ok(r: { code: number; stdout: string; stderr: string }, code = 0): string {
  assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

Deno.test("cli - new, cell add, run, cache hits, edit makes stale, rerun gives the new value", async () => {
  const strata = await cli();
  try {
    // A relative folder outside the notebook root: resolved against the cwd, granted write.
    assert.match(ok(await strata(["new", "nb", "--name", "Demo"])), /created notebook 'Demo'/);
    const x = ok(await strata(["cell", "add", "nb", "--source", "const x = 1"])).trim();
    const y = ok(await strata(["cell", "add", "nb"], "const y = x + 1\n")).trim();
    const z = ok(await strata(["cell", "add", "nb", "--after", y, "--source", "y * 10"])).trim();
    assert.match(x, /^[0-9a-f]{8}$/);

    const first = ok(await strata(["run", "nb"]));
    assert.match(first, /^\s+20$/m);
    assert.match(first, /ok: 3 cell\(s\), 0 cache hit\(s\)/);

    const again = ok(await strata(["run", "nb", "--format", "json"]));
    const report = JSON.parse(again);
    assert.equal(report.ok, true);
    assert.deepEqual(report.cells.map((c: { id: string }) => c.id), [x, y, z]);
    assert.ok(report.cells.every((c: { cacheHit: boolean }) => c.cacheHit));
    assert.deepEqual(report.cells[2].displays, [{ type: "text", data: "20" }]);

    ok(await strata(["cell", "edit", "nb", x], "const x = 4"));
    const status = JSON.parse(ok(await strata(["status", "nb", "--format", "json"])));
    assert.deepEqual(
      status.cells.map((c: { status: string; staleReason: string }) => [c.status, c.staleReason]),
      [
        ["stale", "self"],
        ["stale", "upstream"],
        ["stale", "upstream"],
      ],
    );
    assert.match(ok(await strata(["status", "nb"])), /stale \(upstream\)/);

    const third = ok(await strata(["run", "nb", "--cell", z]));
    assert.match(third, /^\s+50$/m);

    const dot = ok(await strata(["dag", "nb", "--format", "dot"]));
    assert.match(dot, /^digraph strata \{/);
    assert.ok(dot.includes(`"${x}" -> "${y}" [label="x"];`));
    assert.ok(dot.includes(`"${y}" -> "${z}" [label="y"];`));

    ok(await strata(["cell", "rm", "nb", z]));
    assert.equal(ok(await strata(["cell", "list", "nb"])).trim().split("\n").length, 2);

    // Runs, edits and creation were audited into the shared database; the chain is intact.
    assert.match(ok(await strata(["audit", "verify"])), /audit log intact: \d+ rows in 1 chain/);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});

Deno.test("cli - a failing cell exits 1 and names the error; operator commands succeed", async () => {
  const strata = await cli();
  try {
    const abs = `${strata.dir}/notebooks/failing`;
    ok(await strata(["new", abs]));
    ok(await strata(["cell", "add", abs, "--source", "const a = 1"]));
    ok(await strata(["cell", "add", abs, "--source", 'throw new Error("boom")']));
    const failed = await strata(["run", abs]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /FAIL .*\n\s+! exception: boom/);
    assert.match(failed.stdout, /FAILED: 2 cell\(s\)/);

    const [gc, m1, job] = await Promise.all([
      strata(["gc", "--dry-run"]),
      strata(["migrate"]),
      strata(["jobs", "run", "retention"]),
    ]);
    assert.match(ok(gc), /^dry run: would delete/);
    assert.match(ok(m1), /database (up to date )?at version \d+/);
    assert.match(ok(job), /^retention: /);
    // Idempotent: a second migrate applies nothing.
    assert.match(ok(await strata(["migrate"])), /^database up to date at version \d+/);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});

Deno.test("cli - bad usage exits 2 with a one-line error and the command's usage, no stack trace", async () => {
  const strata = await cli();
  try {
    const cases: [string[], RegExp][] = [
      [["run"], /^strata run: missing <dir>\nUsage: strata run <dir>/],
      [["run", "nb", "--format", "xml"], /--format must be one of text, json, got 'xml'/],
      [["run", "nb", "--bogus"], /^strata run: Unknown option '--bogus'/],
      [["cell"], /^strata cell needs a sub-command/],
      [["frobnicate"], /^strata: unknown command 'frobnicate'/],
      [["jobs", "run", "nope"], /Unknown job 'nope'/],
    ];
    const results = await Promise.all(cases.map(([args]) => strata(args)));
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 2, `${cases[i][0].join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, cases[i][1]);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    const missing = await strata(["status", "nowhere"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^strata status: No notebook in '.*nowhere'/);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});

Deno.test("cli - a cell asking for grants waits until `strata approve`, then runs", async () => {
  const strata = await cli();
  try {
    await Deno.writeTextFile(`${strata.dir}/shared.txt`, "shared value");
    ok(await strata(["new", "nb"]));
    const source = `// @allow read=${strata.dir}/shared.txt\nDeno.readTextFileSync(${
      JSON.stringify(`${strata.dir}/shared.txt`)
    })`;
    ok(await strata(["cell", "add", "nb", "--source", source]));
    const before = await strata(["run", "nb"]);
    assert.equal(before.code, 1, before.stdout + before.stderr);
    assert.match(before.stdout, /waiting for approval of read=/);
    const approved = ok(await strata(["approve", "nb"]));
    assert.match(approved, new RegExp(`approved read=${strata.dir}/shared.txt`));
    assert.match(ok(await strata(["run", "nb"])), /shared value/);
    assert.match(ok(await strata(["approve", "nb"])), /nothing to approve/);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});
