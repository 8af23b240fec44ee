import assert from "node:assert/strict";
import { checkWidgetValue, type WidgetSpec } from "./widget.ts";

const spec = (s: Partial<WidgetSpec>): WidgetSpec => ({
  kind: "slider",
  name: "n",
  value: null,
  initial: null,
  ...s,
});

Deno.test("widget - values are checked against the spec, the message names widget and range", () => {
  const cases: [Partial<WidgetSpec>, unknown, boolean][] = [
    [{ kind: "slider", min: 1, max: 10, step: 1 }, 5, true],
    [{ kind: "slider", min: 1, max: 10, step: 1 }, 11, false],
    [{ kind: "slider", min: 1, max: 10, step: 1 }, 2.5, false],
    [{ kind: "slider", min: 1, max: 10, step: 1 }, "5", false],
    [{ kind: "slider", min: 0, max: 1, step: 0.1 }, 0.3, true],
    [{ kind: "number" }, 1e9, true],
    [{ kind: "number" }, Infinity, false],
    [{ kind: "select", options: ["a", "b"] }, "b", true],
    [{ kind: "select", options: ["a", "b"] }, "c", false],
    [{ kind: "multiselect", options: [1, 2] }, [2, 1], true],
    [{ kind: "multiselect", options: [1, 2] }, [3], false],
    [{ kind: "text" }, "hi", true],
    [{ kind: "text" }, 1, false],
    [{ kind: "checkbox" }, false, true],
    [{ kind: "checkbox" }, "false", false],
    [{ kind: "date", min: "2024-01-01" }, "2024-05-01", true],
    [{ kind: "date", min: "2024-01-01" }, "2023-05-01", false],
    [{ kind: "date" }, "2024-13-45", false],
    [{ kind: "button" }, 3, true],
    [{ kind: "button" }, -1, false],
    [{ kind: "table", rows: [[1], [2]], selection: "multi" }, [1, 0], true],
    [{ kind: "table", rows: [[1], [2]], selection: "multi" }, [2], false],
    [{ kind: "table", rows: [[1], [2]], selection: "single" }, [0, 1], false],
  ];
  assert.equal(cases.length, 23);
  for (const [s, value, ok] of cases) {
    const r = checkWidgetValue(spec(s), value);
    assert.equal(r.ok, ok, `${s.kind} ${JSON.stringify(value)}`);
    if (!r.ok) assert.match(r.message, new RegExp(`widget 'n' \\(${s.kind}\\)`));
  }
  const r = checkWidgetValue(spec({ min: 1, max: 10, step: 1 }), 0);
  assert.equal(r.ok, false);
  assert.match((r as { message: string }).message, /from 1 to 10 in steps of 1/);
  const t = checkWidgetValue(spec({ kind: "table", rows: [[1], [2], [3]] }), [2, 0, 2]);
  assert.deepEqual(t, { ok: true, value: [0, 2] }, "table selections are normalized");
});
