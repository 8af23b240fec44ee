import assert from "node:assert/strict";
import type { CellJob, DisplayOutput } from "../executor/types.ts";
import { cellResultRedactor } from "../secrets/redact.ts";
import { liveAnswers } from "./live_answer.ts";

const JOB = { cellId: "p1" } as CellJob;

Deno.test("live answer - the text so far is emitted, at most once per interval", () => {
  let now = 0;
  const seen: string[] = [];
  const onDelta = liveAnswers([JOB], {
    emit: (id, d) => seen.push(`${id}:${(d[0] as { data: string }).data}`),
    now: () => now,
    intervalMs: 50,
  });
  onDelta("Hel", 0); // a word still arriving is held back
  onDelta("lo wo", 0);
  onDelta("rld and ", 0); // same instant: coalesced
  now = 60;
  onDelta("more", 0);
  assert.deepEqual(seen, ["p1:Hello ", "p1:Hello world and "]);
});

Deno.test("live answer - a secret split across pieces is redacted in the partial output", () => {
  let now = 0;
  const seen: DisplayOutput[][] = [];
  const onDelta = liveAnswers([JOB], {
    emit: (_id, d) => seen.push(d),
    redact: cellResultRedactor({ DB_PASSWORD: "hunter2-very-secret" }),
    now: () => (now += 100),
  });
  onDelta("the password is hunter2-", 0);
  onDelta("very-secret, done", 0);
  assert.deepEqual(seen, [
    [{ type: "markdown", data: "the password is " }],
    [{ type: "markdown", data: "the password is [secret:DB_PASSWORD], " }],
  ]);
  assert.ok(!JSON.stringify(seen).includes("hunter2"), "not even the first half of the secret");
});
