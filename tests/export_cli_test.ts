// `strata export` and `strata import` end to end through the real main.ts (launcher + scoped
// process): the exported script runs under exactly the flags its header prints, and a Jupyter
// round trip keeps every source byte for byte.
import assert from "node:assert/strict";
import { cliDir, type CliResult, runStrata } from "./_cli.ts";
import { displayText } from "../lib/cli/render.ts";

type Result = CliResult;

async function cli() {
  const dir = await cliDir("strata-export-");
  const run = (args: string[]): Promise<Result> => runStrata(dir, args);
  return Object.assign(run, { dir, work: `${dir}/work` });
}

function ok(r: Result, code = 0): string {
  assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

const CELLS = [
  "// @name base\nconst base = 10",
  '// @allow read=./data.txt\nconst text = await Deno.readTextFile("data.txt")\ntext.trim()',
  'const region = Deno.env.get("REGION") ?? "unset"\nregion',
  "const rows = [1, 2, 3].map((i) => ({ i, sq: i * i * base }))\n" +
  'console.log("rows:", rows.length)\nrows',
  "md`# total ${rows.reduce((s, r) => s + r.sq, 0)} in ${region}`",
];

Deno.test("export cli - the script runs with its printed flags and prints what the notebook shows", async () => {
  const strata = await cli();
  try {
    ok(await strata(["new", "nb", "--name", "Five cells"]));
    // A non-secret [env] value travels in the script; a secret one must not.
    const manifest = `${strata.work}/nb/notebook.toml`;
    await Deno.writeTextFile(
      manifest,
      (await Deno.readTextFile(manifest)) + '\n[env]\nREGION = "eu-west"\nAPI_TOKEN = ""\n',
    );
    await Deno.writeTextFile(`${strata.work}/nb/data.txt`, "hello from data\n");
    for (const source of CELLS) ok(await strata(["cell", "add", "nb", "--source", source]));
    const report = JSON.parse(ok(await strata(["run", "nb", "--format", "json"])));
    assert.equal(report.ok, true, JSON.stringify(report));
    const shown = report.cells.flatMap((
      c: { console: { text: string }[]; displays: Parameters<typeof displayText>[0][] },
    ) => [...c.console.map((e) => e.text.replace(/\n$/, "")), ...c.displays.map(displayText)]);
    assert.equal(shown.length, 5);

    const missing = await strata(["export", "nb", "--format", "script", "-o", "out/notebook.ts"]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /Cannot write '.*\/work\/out\/notebook\.ts': folder '.*\/out' does not exist/,
    );
    await Deno.mkdir(`${strata.work}/out`);
    ok(await strata(["export", "nb", "--format", "script", "-o", "out/notebook.ts"]));
    const script = await Deno.readTextFile(`${strata.work}/out/notebook.ts`);
    const line = /^\/\/ {3}deno run (.*) notebook\.ts$/m.exec(script);
    assert.ok(line, script.slice(0, 600));
    const flags = line[1].split(" ");
    assert.deepEqual(flags, [
      "--allow-env=API_TOKEN,REGION",
      `--allow-read=${strata.work}/nb,${strata.work}/nb/data.txt`,
    ]);
    assert.ok(script.includes('"REGION":"eu-west"'));

    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, `${strata.work}/out/notebook.ts`],
      cwd: strata.dir,
      env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? strata.dir },
      clearEnv: true,
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(stdout, shown.join("\n") + "\n");
    assert.match(stdout, /^# total 140 in eu-west$/m);

    // Without the printed flags the script fails: the header's permissions are needed.
    const denied = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `${strata.work}/out/notebook.ts`],
      cwd: strata.dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.notEqual(denied.code, 0);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});

Deno.test("export cli - ipynb export then import keeps sources; bad input writes nothing", async () => {
  const strata = await cli();
  try {
    ok(await strata(["new", "nb"]));
    ok(
      await strata([
        "cell",
        "add",
        "nb",
        "--language",
        "markdown",
        "--source",
        "# Notes\n\nA *list*:\n- one\n",
      ]),
    );
    for (const source of CELLS.slice(0, 1)) {
      ok(await strata(["cell", "add", "nb", "--source", source]));
    }
    ok(await strata(["cell", "add", "nb", "--source", "const s = `a\r\nb`;\n\n\ns.length\n"]));
    ok(await strata(["run", "nb"]));
    ok(await strata(["export", "nb", "--format", "ipynb", "-o", "nb.ipynb"]));
    const nb = JSON.parse(await Deno.readTextFile(`${strata.work}/nb.ipynb`));
    assert.equal(nb.metadata.kernelspec.name, "deno");
    assert.equal(nb.cells[2].outputs.at(-1).data["text/plain"][0], "3"); // template literals read CRLF as LF

    const imported = ok(await strata(["import", "nb.ipynb", "copy"]));
    assert.match(imported, /imported 3 cell\(s\) from nb\.ipynb into .*\/copy/);
    const list = async (d: string) =>
      JSON.parse(ok(await strata(["cell", "list", d, "--format", "json"])))
        .map((c: { source: string; language: string }) => [c.language, c.source]);
    const original = await list("nb");
    assert.equal(original.length, 3);
    assert.deepEqual(await list("copy"), original);

    // Malformed: a clear error, exit 1, no folder.
    await Deno.writeTextFile(`${strata.work}/bad.ipynb`, '{"cells": "nope"}');
    const bad = await strata(["import", "bad.ipynb", "fresh"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Cannot import '.*bad\.ipynb': not a Jupyter notebook/);
    await assert.rejects(Deno.stat(`${strata.work}/fresh`), Deno.errors.NotFound);

    // Two cells defining one name: both are named, both cells are kept.
    await Deno.writeTextFile(
      `${strata.work}/dup.ipynb`,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { language_info: { name: "typescript" } },
        cells: [
          { cell_type: "code", metadata: {}, outputs: [], source: ["const total = 1"] },
          { cell_type: "code", metadata: {}, outputs: [], source: ["const total = 2\n", "total"] },
        ],
      }),
    );
    const dup = ok(await strata(["import", "dup.ipynb", "dup"]));
    assert.match(dup, /warning: 'total' is defined in cell 1 \(\w+\) and cell 2 \(\w+\)/);
    const status = JSON.parse(ok(await strata(["status", "dup", "--format", "json"])));
    assert.equal(
      status.cells.filter((c: { diagnostics: { code: string }[] }) =>
        c.diagnostics.some((d) => d.code === "duplicate-definition")
      ).length,
      2,
    );

    const html = ok(await strata(["export", "nb", "--format", "html", "--no-code"]));
    assert.match(html, /^<!doctype html>/);
    assert.ok(!html.includes("const base"));
    assert.equal((html.match(/<details class="receipt"/g) ?? []).length, 2);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});

Deno.test("export cli - plan lists the edited cell and its downstream; verify catches Math.random", async () => {
  const strata = await cli();
  try {
    ok(await strata(["new", "nb"]));
    const add = async (source: string) =>
      ok(await strata(["cell", "add", "nb", "--source", source])).trim();
    const a = await add("const a = 1");
    const b = await add("const b = a + 1");
    const c = await add("const c = b * 10\nc");
    const d = await add("const d = a + 100\nd");
    ok(await strata(["run", "nb"]));
    // An exported report's receipts check out against the store; a tampered one does not.
    ok(await strata(["export", "nb", "--format", "html", "-o", "report.html"]));
    assert.match(ok(await strata(["verify", "report.html"])), /ok: all 4 receipt\(s\) match/);
    const report0 = await Deno.readTextFile(`${strata.work}/report.html`);
    const forged = /"outputHash":"([0-9a-f]+)"/.exec(report0)![1];
    await Deno.writeTextFile(
      `${strata.work}/forged.html`,
      report0.replace(`"outputHash":"${forged}"`, `"outputHash":"${"0".repeat(forged.length)}"`),
    );
    const tampered = await strata(["verify", "forged.html"]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stdout, /mismatch .*file says 000000000000/);
    const planOf = async () => JSON.parse(ok(await strata(["plan", "nb", "--format", "json"])));
    let plan = await planOf();
    assert.deepEqual(plan.cells.map((x: { action: string }) => x.action), [
      "hit",
      "hit",
      "hit",
      "hit",
    ]);

    ok(await strata(["cell", "edit", "nb", b, "--source", "const b = a + 2"]));
    plan = await planOf();
    assert.deepEqual(
      plan.cells.filter((x: { action: string }) => x.action === "run").map((x: { id: string }) =>
        x.id
      ),
      [b, c],
    );
    assert.deepEqual(plan.cells.map((x: { id: string }) => x.id), [a, b, c, d]);
    assert.match(plan.cells[1].reason, /own source changed/);
    assert.match(plan.cells[2].reason, /upstream/);
    assert.match(ok(await strata(["plan", "nb"])), /2 cell\(s\) would run, 2 cache hit\(s\)/);

    ok(await strata(["run", "nb"]));
    assert.match(ok(await strata(["verify", "nb"])), /ok: all 4 cell\(s\) reproduce/);

    const r = await add("// @name dice\nMath.random()");
    const first = JSON.parse(ok(await strata(["run", "nb", "--format", "json"])));
    const rolled = first.cells.find((x: { id: string }) => x.id === r).displays[0].data;
    const verify = await strata(["verify", "nb", "--format", "json"]);
    assert.equal(verify.code, 1, verify.stderr);
    const report = JSON.parse(verify.stdout);
    assert.deepEqual(
      report.cells.filter((x: { verdict: string }) => x.verdict !== "same").map((
        x: { id: string; name: string },
      ) => [x.id, x.name]),
      [[r, "dice"]],
    );
    assert.match(report.cells.at(-1).detail, /display 1 differs: stored "0\.\d+", now "0\.\d+"/);
    assert.match((await strata(["verify", "nb"])).stdout, /differs\s+\w+ \(dice\)/);
    // Verify overwrote nothing: the stored roll is still the one served from the cache.
    const again = JSON.parse(ok(await strata(["run", "nb", "--format", "json"])));
    const hit = again.cells.find((x: { id: string }) => x.id === r);
    assert.equal(hit.cacheHit, true);
    assert.equal(hit.displays[0].data, rolled);
  } finally {
    await Deno.remove(strata.dir, { recursive: true });
  }
});
