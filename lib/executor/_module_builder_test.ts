import assert from "node:assert/strict";
import {
  buildModule,
  MAX_CELL_SOURCE,
  OFF_THREAD_CHARS,
  stopBuildWorker,
} from "./_module_builder.ts";
import { loadCellParser } from "./cell_module.ts";

function bigSource(chars: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < chars; i++) {
    const l = `const v${i} = { a: ${i}, b: "x${i}", c: [${i}, ${i + 1}] };`;
    lines.push(l);
    size += l.length + 1;
  }
  return lines.join("\n") + "\nv0.a";
}

Deno.test("module builder - a source over the limit is refused with its size and the limit", async () => {
  const r = await buildModule("x".repeat(MAX_CELL_SOURCE + 1), { inputs: [], outputs: [] });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && "tooLarge" in r);
  assert.match(r.tooLarge, /1,000,001 characters; the limit is 1,000,000/);
});

Deno.test("module builder - a large source is built off the event loop", async () => {
  await loadCellParser();
  try {
    const source = bigSource(600_000);
    assert.ok(source.length > OFF_THREAD_CHARS);
    // The event loop keeps turning while the Worker parses: count timer ticks during the build.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const r = await buildModule(source, { inputs: [], outputs: ["v1"] });
    clearInterval(timer);
    assert.equal(r.ok, true);
    assert.ok(r.ok && r.module.declared.includes("v1"));
    assert.ok(r.ok && r.module.displaysLast);
    assert.ok(ticks > 0, "timers fired during the build");
    const bad = await buildModule(source + "\nconst = ;", { inputs: [], outputs: [] });
    assert.equal(bad.ok, false);
    assert.ok(
      !bad.ok && "error" in bad && bad.error.line > 10_000,
      "syntax errors keep cell lines",
    );
  } finally {
    stopBuildWorker();
  }
});

Deno.test("module builder - a rebuilt cell reuses its module only for the same inputs, outputs and folder", async () => {
  const source = "const y = x * 2\ny";
  const a = await buildModule(source, { inputs: ["x"], outputs: ["y"], baseDir: "/nb/a" });
  const again = await buildModule(source, { inputs: ["x"], outputs: ["y"], baseDir: "/nb/a" });
  assert.ok(a.ok && again.ok);
  assert.equal(again.module, a.module, "the same build is served from the cache");
  // Any option that changes the module must give its own build, never the cached one.
  const noInput = await buildModule(source, { inputs: [], outputs: ["y"], baseDir: "/nb/a" });
  const noOutput = await buildModule(source, { inputs: ["x"], outputs: [], baseDir: "/nb/a" });
  const quiet = await buildModule(source, {
    inputs: ["x"],
    outputs: ["y"],
    baseDir: "/nb/a",
    displayLast: false,
  });
  const local = "import { h } from './h.ts'\nh";
  const inA = await buildModule(local, { inputs: [], outputs: [], baseDir: "/nb/a" });
  const inB = await buildModule(local, { inputs: [], outputs: [], baseDir: "/nb/b" });
  assert.ok(noInput.ok && noOutput.ok && quiet.ok && inA.ok && inB.ok);
  const codes = [a, noInput, noOutput, quiet].map((r) => r.ok && r.module.code);
  assert.equal(new Set(codes).size, 4, codes.join("\n---\n"));
  assert.match(inA.module.code, /file:\/\/\/nb\/a\/h\.ts/);
  assert.match(inB.module.code, /file:\/\/\/nb\/b\/h\.ts/);
});
