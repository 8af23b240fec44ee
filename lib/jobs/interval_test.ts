import assert from "node:assert/strict";
import { cronForInterval, intervalProblem } from "./interval.ts";

Deno.test("interval - hourly keeps the historical schedule; shorter and longer intervals list slots", () => {
  assert.equal(cronForInterval(3600, 17), "17 * * * *");
  assert.equal(cronForInterval(900, 17), "2,17,32,47 * * * *");
  assert.equal(
    cronForInterval(60, 17),
    `${Array.from({ length: 60 }, (_, i) => i).join(",")} * * * *`,
  );
  assert.equal(cronForInterval(21600, 17), "17 0,6,12,18 * * *");
  assert.equal(cronForInterval(86400, 17), "17 0 * * *");
});

Deno.test("interval - intervals a cron schedule cannot express are refused with the rule", () => {
  for (const bad of [0, 30, 90, 420, 5400, 7 * 3600, 2 * 86400]) {
    assert.ok(intervalProblem(bad), String(bad));
    assert.throws(() => cronForInterval(bad, 0), RangeError);
  }
  assert.equal(intervalProblem(7200), null);
});
