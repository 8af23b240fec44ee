// `strata plan <dir> --since <git ref>` (issue 17 item 6): for CI on pull requests, the cells that
// changed since the notebook as committed, and why, through the real CLI and a real git repo.
import assert from "node:assert/strict";
import { cliDir, runStrata } from "./_cli.ts";

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test("plan since - lists the edited cell and its downstream as changed since the commit, the rest unchanged", async () => {
  const dir = await cliDir("strata-plan-since-");
  const ok = async (...args: string[]) => {
    const r = await runStrata(dir, args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  try {
    const work = `${dir}/work`;
    await git(work, "init", "-q");
    await git(work, "config", "user.email", "ci@example.com");
    await git(work, "config", "user.name", "CI");
    await ok("new", "nb");
    const a = await ok("cell", "add", "nb", "--source", "const a = 1");
    const b = await ok("cell", "add", "nb", "--source", "const b = a + 1");
    const c = await ok("cell", "add", "nb", "--source", "const c = 3");
    await git(work, "add", "-A");
    await git(work, "commit", "-q", "-m", "notebook");

    let plan = JSON.parse(await ok("plan", "nb", "--since", "HEAD", "--format", "json"));
    assert.deepEqual(plan.cells.map((x: { action: string }) => x.action), ["hit", "hit", "hit"]);

    await ok("cell", "edit", "nb", a, "--source", "const a = 2");
    plan = JSON.parse(await ok("plan", "nb", "--since", "HEAD", "--format", "json"));
    const by = new Map(plan.cells.map((x: { id: string }) => [x.id, x]));
    assert.equal(plan.run, 2);
    assert.match((by.get(a) as { reason: string }).reason, /own source changed since HEAD/);
    assert.match((by.get(b) as { reason: string }).reason, /upstream changed since HEAD: \[1\]/);
    assert.equal((by.get(c) as { action: string }).action, "hit");
    const text = await ok("plan", "nb", "--since", "HEAD");
    assert.match(text, /2 cell\(s\) would run, 1 cache hit/);

    // A ref that does not exist: a clear error, exit 1, nothing changed.
    const bad = await runStrata(dir, ["plan", "nb", "--since", "no-such-branch"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /not in git at 'no-such-branch'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
