import assert from "node:assert/strict";
import { monthLabel, monthStart } from "./_months.ts";

Deno.test("months - start of the UTC month, shifted across years", () => {
  const t = Date.UTC(2026, 10, 24, 23, 59);
  assert.equal(monthStart(t), Date.UTC(2026, 10, 1));
  assert.equal(monthStart(t, 2), Date.UTC(2027, 0, 1));
  assert.equal(monthStart(t, -11), Date.UTC(2025, 11, 1));
  assert.equal(monthLabel(monthStart(t, 2)), "202701");
  assert.equal(monthLabel(Date.UTC(2026, 0, 31, 23, 59, 59, 999)), "202601");
});
