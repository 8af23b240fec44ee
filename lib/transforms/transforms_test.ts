import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { ValidationError } from "../errors.ts";
import { parseStreamId, parseTransforms, resolveParams, streamId } from "./transforms.ts";

const TOML = `
[transforms.daily_report]
notebook = "reports/daily"
cell = "summary"
params = ["REGION", "DAYS"]
defaults = { DAYS = "7" }
output = "report"
description = "Daily numbers per region"

[transforms.plain]
notebook = "plain"
cell = "c1"
`;

Deno.test("transforms - TOML tables parse with defaults applied", () => {
  const t = parseTransforms((parseToml(TOML) as { transforms: unknown }).transforms);
  assert.deepEqual([...t.keys()], ["daily_report", "plain"]);
  const daily = t.get("daily_report")!;
  assert.equal(daily.notebook, "reports/daily");
  assert.deepEqual(daily.params, ["REGION", "DAYS"]);
  assert.equal(daily.output, "report");
  const plain = t.get("plain")!;
  assert.deepEqual(plain.params, []);
  assert.deepEqual(plain.defaults, {});
  assert.equal(plain.output, "$result");
  assert.ok(Object.isFrozen(plain));
});

Deno.test("transforms - STRATA_TRANSFORMS JSON has the same shape", () => {
  const t = parseTransforms(JSON.parse('{"t1":{"notebook":"n","cell":"c","params":["K"]}}'));
  assert.equal(t.get("t1")!.params[0], "K");
  assert.equal(parseTransforms(undefined).size, 0);
});

Deno.test("transforms - invalid tables are refused naming every problem", () => {
  const cases: [unknown, RegExp][] = [
    [{ "bad.name": { notebook: "n", cell: "c" } }, /names are 1-64/],
    [{ _x: { notebook: "n", cell: "c" } }, /names are 1-64/],
    [{ t: { notebook: "n" } }, /cell/],
    [{ t: { notebook: "n", cell: "c", params: ["API_KEY"] } }, /must not look like a secret/],
    [{ t: { notebook: "n", cell: "c", params: ["1X"] } }, /environment key/],
    [
      { t: { notebook: "n", cell: "c", defaults: { K: "1" } } },
      /defaults must be listed in params/,
    ],
    [{ t: { notebook: "n", cell: "c", output: "a.b" } }, /top-level variable/],
    [{ t: { notebook: "n", cell: "c", typo: 1 } }, /typo/],
    [{ t: { notebook: "a\0b", cell: "c" } }, /NUL/],
  ];
  for (const [input, re] of cases) {
    assert.throws(() => parseTransforms(input), (err: Error) => {
      assert.ok(err instanceof ValidationError, String(err));
      assert.match(err.message, /^Invalid \[transforms\]/);
      assert.match(err.message, re, `${JSON.stringify(input)}: ${err.message}`);
      return true;
    });
  }
});

Deno.test("transforms - parameters: caller values over defaults, undeclared ones refused", () => {
  const t = parseTransforms({
    r: { notebook: "n", cell: "c", params: ["REGION", "DAYS"], defaults: { DAYS: "7" } },
  }).get("r")!;
  assert.deepEqual(resolveParams(t), { DAYS: "7" });
  assert.deepEqual(resolveParams(t, { REGION: "eu", DAYS: 30 }), { DAYS: "30", REGION: "eu" });
  assert.deepEqual(resolveParams(t, { REGION: true }), { DAYS: "7", REGION: "true" });
  assert.throws(
    () => resolveParams(t, { PATH: "/tmp" }),
    /Transform 'r' has no parameter 'PATH' \(allowed: REGION, DAYS\)/,
  );
  assert.throws(() => resolveParams(t, { REGION: "a\0b" }), /contains NUL/);
});

Deno.test("transforms - stream ids round-trip and anything else is refused", () => {
  const prov = "ab".repeat(32);
  const id = streamId("daily_report", prov);
  assert.deepEqual(parseStreamId(id), { transform: "daily_report", provenance: prov });
  for (
    const bad of [
      "",
      "x",
      `x.${prov}0`,
      `x.${prov.toUpperCase()}`,
      `.${prov}`,
      `_x.${prov}`,
      `a/b.${prov}`,
    ]
  ) {
    assert.equal(parseStreamId(bad), null, bad);
  }
});
