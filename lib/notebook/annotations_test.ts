import assert from "node:assert/strict";
import { canonicalPermissions, parseAnnotations } from "./annotations.ts";

Deno.test("annotations - all kinds parse into a typed object", () => {
  const { annotations, diagnostics } = parseAnnotations([
    "// @name Load sales",
    "// @timeout 90",
    "// @env REGION=eu-west-1",
    "// @nocache",
    "",
    "// @after setup, a1b2c3d4",
    "// @worker gpu-1",
    "// @allow net=api.example.com,cdn.example.com read=./data env=REGION,HOME",
    "// plain comment",
    "const x = 1",
    "// @name ignored after code",
  ].join("\n"));
  assert.deepEqual(diagnostics, []);
  assert.equal(annotations.name, "Load sales");
  assert.equal(annotations.timeout, 90);
  assert.deepEqual(annotations.env, { REGION: "eu-west-1" });
  assert.equal(annotations.nocache, true);
  assert.deepEqual(annotations.after, ["setup", "a1b2c3d4"]);
  assert.equal(annotations.worker, "gpu-1");
  assert.deepEqual(annotations.allow.net, ["api.example.com", "cdn.example.com"]);
  assert.deepEqual(annotations.allow.read, ["./data"]);
  assert.deepEqual(annotations.allow.env, ["REGION", "HOME"]);
});

Deno.test("annotations - invalid lines become warnings with their position and are ignored", () => {
  const table: [string, RegExp][] = [
    ["// @timeout soon", /@timeout 'soon'/],
    ["// @timeout -1", /@timeout '-1'/],
    ["// @env NOEQUALS", /not KEY=VALUE/],
    ["// @env API_TOKEN=abc", /looks like a secret/],
    ["// @allow disk=/", /unknown permission 'disk'/],
    ["// @allow net=", /has no values/],
    ["// @worker bad name!", /not a worker name/],
    ["// @frobnicate", /Unknown annotation @frobnicate/],
    ["// @after", /needs a cell id or name/],
  ];
  for (const [line, pattern] of table) {
    const { diagnostics } = parseAnnotations(`\n${line}\nx()`);
    assert.equal(diagnostics.length, 1, line);
    assert.match(diagnostics[0].message, pattern);
    assert.equal(diagnostics[0].line, 2);
    assert.equal(diagnostics[0].column, 4);
    assert.equal(diagnostics[0].severity, "warning");
  }
  assert.equal(parseAnnotations("// @timeout soon").annotations.timeout, undefined);
});

Deno.test("annotations - bare @allow net grants all, canonical form is sorted and unique", () => {
  const { annotations } = parseAnnotations("// @allow net\n// @allow read=/b,/a,/b");
  assert.deepEqual(annotations.allow.net, ["*"]);
  assert.deepEqual(canonicalPermissions(annotations.allow).read, ["/a", "/b"]);
});
