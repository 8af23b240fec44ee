// `strata run <dir> --set n=5` end to end: the real main.ts through the launcher (issue 16).
import assert from "node:assert/strict";
import { type CliResult, runStrata } from "./_cli.ts";

function strata(dir: string, args: string[], stdin?: string): Promise<CliResult> {
  return runStrata(dir, args, { stdin });
}

Deno.test("widgets cli - run --set moves a slider, back to a seen value is cached, a bad value names the range", async () => {
  const dir = await Deno.makeTempDir({ prefix: "strata-widgets-cli-" });
  await Deno.mkdir(`${dir}/work`);
  const ok = async (args: string[], stdin?: string, code = 0) => {
    const r = await strata(dir, args, stdin);
    assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  };
  await ok(["new", "nb", "--name", "W"]);
  await ok(["cell", "add", "nb"], "const n = ui.slider({ min: 1, max: 10, value: 3 })\n");
  await ok(["cell", "add", "nb"], "n.value * 7\n");

  let r = await ok(["run", "nb"]);
  assert.match(r.stdout, /^\s+21$/m);
  r = await ok(["run", "nb", "--set", "n=5"]);
  assert.match(r.stdout, /^\s+35$/m);
  assert.match(r.stdout, /0 cache hit\(s\)/);
  const rt = JSON.parse(await Deno.readTextFile(`${dir}/work/nb/.strata/runtime.json`));
  assert.deepEqual(Object.values(rt.widgets), [{ n: 5 }]);
  r = await ok(["run", "nb"]);
  assert.match(r.stdout, /^\s+35$/m, "the value stays set");
  r = await ok(["run", "nb", "--set", "n=3"]);
  assert.match(r.stdout, /^\s+21$/m);
  assert.match(r.stdout, /2 cache hit\(s\)/);

  // The script export runs with the current value (5 now) and prints it, then the product.
  await ok(["run", "nb", "--set", "n=5"]);
  await Deno.mkdir(`${dir}/work/out`);
  await ok(["export", "nb", "--format", "script", "-o", "out/notebook.ts"]);
  const script = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", `${dir}/work/out/notebook.ts`],
    cwd: `${dir}/work/out`,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const printed = new TextDecoder().decode(script.stdout);
  assert.equal(script.code, 0, new TextDecoder().decode(script.stderr));
  assert.match(printed, /^n: 5$/m);
  assert.match(printed, /^35$/m);

  r = await ok(["run", "nb", "--set", "n=42"], undefined, 1);
  assert.match(r.stderr, /widget 'n'.*from 1 to 10/);
  r = await ok(["run", "nb", "--set", "nope"], undefined, 1);
  assert.match(r.stderr, /expected name=value/);
});
