/**
 * Attack: a notebook whose types make the checker keep more and more memory (a few lines of mapped
 * types over 90,000 template-literal keys per cell keep tens of MiB each). The type Worker runs
 * every notebook's checks inside the server's process, and without a cap 170 such cells took the
 * server to 4 GiB; a V8 heap that reaches its limit ends the whole process. With the Worker's heap
 * capped (config `type_check_memory_mb`), V8 stops the Worker alone: the server goes on, the
 * notebook whose check it was is blamed, and the other notebooks get a new Worker (issue 20).
 */
import assert from "node:assert/strict";
import { configureTypeThread, openTypeService, stopTypeThread } from "./type_thread.ts";
import { typeScriptCells } from "./_test_cells.ts";

/** Cell i: a mapped type over 90,000 keys, resolved by a check that fails (≈25–50 MiB kept). */
const hungry = (i: number) =>
  `type D${i} = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
type E${i} = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h" | "i";
type M${i} = { [K in \`\${D${i}}\${D${i}}\${D${i}}\${D${i}}\${E${i}}\`]: [K] };
export const v${i}: M${i} = { a: 1 };`;

const cells = typeScriptCells;

Deno.test("type thread - a notebook whose types outgrow the Worker's memory cap stops the Worker, not the server; it is blamed and others get a new Worker", async () => {
  configureTypeThread({ worker: true, memoryMb: 256 });
  await stopTypeThread();
  try {
    const lost: { who: string; reason: string; stuck?: boolean }[] = [];
    const other = await openTypeService(await cells(["const total: number = 1"]), {
      onLost: (reason, stuck) => lost.push({ who: "other", reason, stuck }),
    });
    assert.deepEqual(await other.check(), [["c0", "const total: number = 1", []]]);

    const evil = await openTypeService(
      await cells(Array.from({ length: 24 }, (_, i) => hungry(i))),
      { onLost: (reason, stuck) => lost.push({ who: "evil", reason, stuck }) },
    );
    const started = performance.now();
    const evilCheck = evil.check().then(() => "answered", (e: Error) => e.message);
    // Meanwhile the other notebook's user keeps asking for completions: some wait on the Worker
    // when it is stopped, but the Worker said whose check it was working on.
    let done = false;
    const asking = (async () => {
      while (!done) await other.complete("c0", "total.to", 8);
    })();
    const outcome = await evilCheck;
    done = true;
    await asking;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    assert.match(outcome, /needed more than its 256 MiB of memory/, `after ${seconds} s`);
    assert.deepEqual(
      lost.map((l) => [l.who, l.stuck]).sort(),
      [["evil", true], ["other", false]],
      "the notebook whose check it was is blamed; the other one, waiting, only lost its service",
    );
    assert.match(lost[0].reason, /needed more than its 256 MiB/);
    // The server's process is still here (this test runs in it), and a new Worker answers.
    const share = "const share: number = 2";
    const fresh = await openTypeService(await cells([share, "const s: string = share"]), {
      onLost() {},
    });
    const checked = (await fresh.check())!;
    assert.deepEqual(checked[0], ["c0", share, []]);
    assert.match(checked[1][2][0].message, /'number' is not assignable to type 'string'/);
    fresh.dispose();
  } finally {
    configureTypeThread({ worker: true });
    await stopTypeThread();
  }
});
