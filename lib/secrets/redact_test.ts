import assert from "node:assert/strict";
import type { CellResult } from "../executor/types.ts";
import { decodeValue, encodeValue } from "../executor/codecs.ts";
import { MIN_REDACTED_LENGTH, redactCellResult, secretRedactor } from "./redact.ts";

Deno.test("secretRedactor - names the secret it replaced, longest first", () => {
  const r = secretRedactor({ DATABASE_URL: "postgres://u:pw-123456@db/x", PW: "pw-123456" });
  assert.equal(
    r.text("url=postgres://u:pw-123456@db/x pw=pw-123456"),
    "url=[secret:DATABASE_URL] pw=[secret:PW]",
  );
});

Deno.test("secretRedactor - URL-encoded and JSON-escaped forms are replaced too", () => {
  const r = secretRedactor({ TOKEN: 'a/b="c"' + "x".repeat(4) });
  assert.equal(r.text(`q=${encodeURIComponent('a/b="c"xxxx')}`), "q=[secret:TOKEN]");
  assert.equal(r.text(JSON.stringify({ t: 'a/b="c"xxxx' })), '{"t":"[secret:TOKEN]"}');
});

Deno.test("secretRedactor - short values and non-matching text are left alone", () => {
  const short = "x".repeat(MIN_REDACTED_LENGTH - 1);
  const r = secretRedactor({ FLAG: "true", SHORT: short });
  assert.equal(r.size, 0);
  assert.equal(r.text(`true ${short}`), `true ${short}`);
});

Deno.test("secretRedactor - regex characters in a value are matched literally", () => {
  const r = secretRedactor({ K: "a.b*c+d?(e)" });
  assert.equal(r.text("aXb*c+d?(e) a.b*c+d?(e)"), "aXb*c+d?(e) [secret:K]");
});

Deno.test("redactCellResult - console, nested displays, error message and stack; values untouched", () => {
  const secret = "sk-live-0123456789";
  const bytes = new TextEncoder().encode(secret);
  const result: CellResult = {
    cellId: "c1",
    status: "error",
    outputs: [{ name: "k", codec: "json", bytes }],
    displays: [
      { type: "text", data: `"${secret}"` },
      { type: "table", data: { columns: ["k"], rows: [[secret]], totalRows: 1 } },
      { type: "json", data: { [secret]: [secret] } },
    ],
    console: [{ stream: "stdout", text: `key is ${secret}\n` }],
    consoleTruncated: false,
    error: { kind: "exception", message: `bad ${secret}`, stack: `Error: bad ${secret}` },
    durationMs: 1,
  };
  const out = redactCellResult(result, secretRedactor({ API_KEY: secret }));
  const shown = JSON.stringify({ ...out, outputs: [] });
  assert.ok(!shown.includes(secret), shown);
  assert.equal(out.console[0].text, "key is [secret:API_KEY]\n");
  assert.deepEqual(out.displays[2], {
    type: "json",
    data: { "[secret:API_KEY]": ["[secret:API_KEY]"] },
  });
  assert.equal(out.error?.stack, "Error: bad [secret:API_KEY]");
  assert.equal(out.outputs[0].bytes, bytes, "artifact values are not rewritten");
  assert.ok(!JSON.stringify(result.console).includes("[secret:"), "the input is not mutated");
});

Deno.test("redactCellResult - $vars previews are redacted and cut previews hidden (issue 16)", () => {
  const vars = [
    { name: "url", type: "string", preview: '"postgres://u:hunter2-secret@db/x"' },
    { name: "long", type: "string", preview: `"${"x".repeat(110)}postgres://u:hunt…` },
  ];
  const enc = encodeValue("$vars", vars);
  if (!enc.ok) throw new Error(enc.message);
  const own = encodeValue("url", "postgres://u:hunter2-secret@db/x");
  if (!own.ok) throw new Error(own.message);
  const out = redactCellResult({
    cellId: "c",
    status: "ok",
    outputs: [own.value, enc.value],
    displays: [],
    console: [],
    consoleTruncated: false,
    durationMs: 1,
  } as CellResult, secretRedactor({ DB: "postgres://u:hunter2-secret@db/x" }));
  assert.equal(out.outputs.length, 2);
  assert.equal(decodeValue(out.outputs[0]), "postgres://u:hunter2-secret@db/x", "own values kept");
  const back = decodeValue(out.outputs[1]) as { preview: string }[];
  assert.equal(back.length, 2);
  assert.doesNotMatch(JSON.stringify(back), /hunter2|hunt…/);
});
