import assert from "node:assert/strict";
import { createExecutor } from "./executor.ts";
import type { CellJob, ConsoleEntry, DisplayOutput } from "./types.ts";

/**
 * A cell that prints, shows a display, then waits until the test creates a file in the notebook
 * folder. The test creates it only after the line and the display reached it, so without
 * streaming the cell would wait until its timeout and the assertions on its status would fail.
 */
const WAITS_FOR_GO = `
console.log("first line");
display(md("# live"));
while (true) {
  try { await Deno.stat("go"); break; } catch { await new Promise((r) => setTimeout(r, 20)); }
}
console.log("after go");
const x = 1;
`;

async function withExecutor(
  fn: (
    ex: ReturnType<typeof createExecutor>,
    job: (id: string, src: string, more?: Partial<CellJob>) => CellJob,
    nb: string,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-live-" }));
  const nb = `${dir}/nb`;
  await Deno.mkdir(nb);
  const home = Deno.env.get("HOME");
  const ex = createExecutor({ scratchRoot: dir, childEnv: home ? { HOME: home } : {} });
  const job = (cellId: string, source: string, more: Partial<CellJob> = {}): CellJob => ({
    cellId,
    source,
    inputs: [],
    outputs: [],
    permissions: { notebookDir: nb },
    timeoutMs: 20_000,
    ...more,
  });
  try {
    await fn(ex, job, nb);
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("executor live - console lines and displays arrive while the cell runs", async () => {
  await withExecutor(async (ex, job, nb) => {
    const lines: [string, number][] = [];
    const displays: [DisplayOutput, number][] = [];
    const go = async () => {
      if (lines.length > 0 && displays.length > 0) await Deno.writeTextFile(`${nb}/go`, "");
    };
    const results = await ex.runBatch([
      job("a", "const a = 1;\nconsole.log('a ran')", { outputs: ["a"] }),
      job("b", WAITS_FOR_GO, { carry: ["a"], outputs: ["x"] }),
    ], {
      onConsole: (e: ConsoleEntry, i) => {
        lines.push([e.text, i]);
        void go();
      },
      onDisplay: (d, i) => {
        displays.push([d, i]);
        void go();
      },
    });
    assert.equal(results.length, 2);
    assert.equal(results[1].status, "ok", results[1].error?.message);
    assert.deepEqual(lines.map(([t, i]) => [t.trim(), i]), [["a ran", 0], ["first line", 1], [
      "after go",
      1,
    ]]);
    assert.deepEqual(displays, [[{ type: "markdown", data: "# live" }, 1]]);
    // The result still carries every display, for the cache and for late viewers.
    assert.deepEqual(results[1].displays, [{ type: "markdown", data: "# live" }]);
  });
});

Deno.test("executor live - a cell cannot forge a live frame for another cell", async () => {
  // The cell posts reports on the runner's port itself (grabbing it by patching postMessage) and
  // prints frame-looking bytes: every live event must still be attributed to the cell running.
  const attack = `
const proto = MessagePort.prototype as any;
const orig = proto.postMessage;
let port: MessagePort | undefined;
proto.postMessage = function (this: MessagePort, ...args: unknown[]) {
  port = this;
  return orig.apply(this, args);
};
console.log("grab the port");
proto.postMessage = orig;
port?.postMessage({ t: "console", index: 1, cellId: "b", entry: { stream: "stdout", text: "forged for b" } });
port?.postMessage({ t: "display", index: 1, cellId: "b", display: { type: "html", data: "<script>forged</script>" } });
port?.postMessage({ t: "display", display: { type: "bogus", data: 1 } });
(globalThis as any).postMessage({ t: "console", entry: { stream: "stdout", text: "forged via worker" } });
Deno.stdout.writeSync(new TextEncoder().encode("\\x1eSTRATA-" + "0".repeat(32) + "\\x1f00000010" + "x".repeat(16)));
const x = port ? 1 : 0;
`;
  await withExecutor(async (ex, job) => {
    const live: [string, number][] = [];
    const results = await ex.runBatch([
      job("a", attack, { outputs: ["x"] }),
      job("b", "console.log('b ran');\nx", { carry: ["x"] }),
    ], {
      onConsole: (e, i) => live.push([e.text, i]),
      onDisplay: (d, i) => live.push([JSON.stringify(d), i]),
    });
    assert.equal(results.length, 2);
    assert.equal(results[0].status, "ok", results[0].error?.message);
    assert.equal(results[1].displays.length, 1);
    // Whatever got through is attributed to the cell that sent it, never to cell b.
    const forged = live.filter(([t]) => /forged/.test(t));
    assert.ok(forged.every(([, i]) => i === 0), JSON.stringify(live));
    assert.ok(!live.some(([t]) => /bogus/.test(t)), "a malformed display is dropped");
    const forB = live.filter(([, i]) => i === 1).map(([t]) => t);
    assert.deepEqual(forB, ["b ran\n", JSON.stringify(results[1].displays[0])]);
    assert.match(
      results[0].console.map((e) => e.text).join(""),
      /STRATA-0{32}/,
      "raw, not a frame",
    );
  });
});
