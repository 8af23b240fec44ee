/**
 * A notebook whose type check runs for minutes (a pathological type keeps the checker in one
 * synchronous call) must not hold up everyone else: every notebook's checks and language requests
 * share the one type Worker. The type thread stops a Worker it has not heard from for `stuckMs`
 * while something waits, the next requests are answered by a new one, and the notebook whose
 * check it was loses type checking after the second time (issue 20).
 */
import assert from "node:assert/strict";
import {
  configureTypeThread,
  openTypeService,
  stopTypeThread,
  typeThreadKind,
} from "./type_thread.ts";
import { NotebookTypes, type TypesCellInput } from "./notebook_types.ts";
import { typeScriptCells } from "./_test_cells.ts";

/** One cell whose check relates two mapped types over 90,000 template-literal keys: ≥ 3 s. */
const SLOW = `type D = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
type L = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h" | "i";
type N = \`\${D}\${D}\${D}\${D}\${L}\`;
type A = { [K in N]: K extends \`\${infer X}\${infer Y}\` ? [X, Y] : never };
type B = { [K in N]: K extends \`\${infer X}\${infer Y}\${infer Z}\` ? [X, Y, Z] : never };
declare const a: A;
declare const b: B;
export const a2: { [K in N]: [string, string] } = a;
export const b2: { [K in N]: [string, string, string] } = b;`;

/** Long enough for a fresh Worker to start and load the compiler on a busy CI machine. */
const STUCK_MS = 1500;

const cells = typeScriptCells;

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("type thread - a check stuck in one call stops the Worker: a new one answers the next requests, the stuck notebook is the one blamed", async () => {
  configureTypeThread({ worker: true, heartbeatMs: 100 });
  await stopTypeThread();
  try {
    // Another user's notebook, checked once (the declarations and the checker are warm).
    const lost: { who: string; stuck?: boolean }[] = [];
    const other = await openTypeService(await cells(["const total: number = 1"]), {
      onLost: (_reason, stuck) => lost.push({ who: "other", stuck }),
    });
    assert.deepEqual(await other.check(), [["c0", "const total: number = 1", []]]);

    configureTypeThread({ worker: true, heartbeatMs: 100, stuckMs: STUCK_MS });
    const evil = await openTypeService(await cells([SLOW]), {
      onLost: (reason, stuck) => lost.push({ who: `evil: ${reason}`, stuck }),
    });
    const evilCheck = evil.check().then(() => "answered", () => "stopped");
    await new Promise((r) => setTimeout(r, 100)); // the Worker is now inside the slow cell
    assert.equal(await evilCheck, "stopped");
    // Someone opens another notebook's types: a new Worker answers.
    const share = "const share: number = 2";
    const fresh = await openTypeService(await cells([share]), { onLost() {} });
    assert.deepEqual(await fresh.check(), [["c0", share, []]]);
    fresh.dispose();
    assert.equal(lost.length, 2, JSON.stringify(lost));
    const evilLost = lost.find((l) => l.who.startsWith("evil"))!;
    assert.match(evilLost.who, /answered nothing for \d+ s/);
    assert.equal(evilLost.stuck, true);
    assert.deepEqual(lost.find((l) => l.who === "other"), { who: "other", stuck: false });
    assert.equal(typeThreadKind(), "worker", "the new Worker serves");
  } finally {
    configureTypeThread({ worker: true });
    await stopTypeThread();
  }
});

Deno.test("type thread - a notebook that gets the Worker stuck twice loses type checking for 10 minutes, saying so; others keep it", async () => {
  configureTypeThread({ worker: true, heartbeatMs: 100 });
  await stopTypeThread();
  // Warm the Worker (declarations, checker) before the short stuck time applies.
  const warm = await openTypeService(await cells(["const w: number = 1"]), { onLost() {} });
  await warm.check();
  warm.dispose();
  configureTypeThread({ worker: true, heartbeatMs: 100, stuckMs: STUCK_MS });
  const input = async (sources: string[]): Promise<TypesCellInput[]> =>
    (await cells(sources)).map((c) => ({
      cell: { id: c.id, language: c.language, source: c.source },
      analysis: c.analysis,
    }));
  const logged: string[] = [];
  const log = {
    warn: (msg: string) => logged.push(msg),
  } as unknown as ConstructorParameters<typeof NotebookTypes>[0]["log"];
  let changes = 0;
  let clock = Date.now();
  const types = new NotebookTypes({
    background: true,
    checkDelayMs: 0,
    onChange: () => changes++,
    log,
    now: () => clock,
  });
  try {
    types.update(await input(["const x = 1", SLOW])); // as opened
    for (let round = 1; round <= 2; round++) {
      types.update(await input([`const x = ${round + 1}`, SLOW])); // an edit: built and checked
      await until(`stuck #${round}`, () => logged.length === round);
    }
    assert.deepEqual(logged, ["type checking restarts", "type checking is off for this notebook"]);
    assert.equal(types.suspended, true);
    assert.equal(changes, 1, "the state is sent again, with the notice");
    types.update(await input(["const x = 9", SLOW]));
    assert.deepEqual(types.diagnostics("c0", "const x = 9").map((d) => d.code), [
      "types-suspended",
    ]);
    assert.deepEqual(types.diagnostics("c1", SLOW), []);
    assert.equal(types.active, false, "not built again");
    assert.deepEqual(await types.complete("c0", "const x = 9; x.", 15), { items: [], from: 15 });
    // Everyone else still has a type checker.
    const other = await openTypeService(await cells(["const n: string = 1"]), { onLost() {} });
    const [[, , warnings]] = (await other.check())!;
    assert.match(warnings[0].message, /not assignable to type 'string'/);
    // Ten minutes later the next edit tries again (and would be off again after one more).
    clock += 10 * 60_000 + 1;
    assert.equal(types.suspended, false);
    assert.deepEqual(types.diagnostics("c0", "const x = 9"), []);
  } finally {
    types.dispose();
    configureTypeThread({ worker: true });
    await stopTypeThread();
  }
});
