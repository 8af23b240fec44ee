import assert from "node:assert/strict";
import { createQos, QueueFullError } from "./qos.ts";

/** Resolves true if `p` has settled once pending callbacks have run (no real waiting). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => done = true, () => done = true);
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

Deno.test("qos - tenant B's interactive run is not delayed by tenant A's bulk flood", async () => {
  const qos = createQos({ interactiveSlots: 2, bulkSlots: 2, globalBulkSlots: 2, maxQueue: 50 });
  const held = [await qos.acquire("A", "bulk"), await qos.acquire("A", "bulk")];
  const queued = Array.from({ length: 20 }, () => qos.acquire("A", "bulk"));
  assert.equal(await settled(queued[0]), false, "A's extra bulk work waits");

  const b = qos.acquire("B", "interactive");
  assert.equal(await settled(b), true, "B's interactive run starts at once");
  const a = qos.acquire("A", "interactive");
  assert.equal(await settled(a), true, "A's own interactive run is not behind its bulk queue");
  (await b)();
  (await a)();

  // Clean up: draining A's queue lets every queued run through in turn.
  for (const r of held) r();
  for (const p of queued) (await p)();
  assert.deepEqual(qos.stats(), []);
});

Deno.test("qos - a tenant's bulk waits behind the global cap, in arrival order", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 2, globalBulkSlots: 2 });
  const a1 = await qos.acquire("A", "bulk");
  const a2 = await qos.acquire("A", "bulk");
  const b1 = qos.acquire("B", "bulk");
  const a3 = qos.acquire("A", "bulk");
  assert.equal(await settled(b1), false, "global cap is full");
  assert.deepEqual(qos.globalBulk(), { active: 2, queued: 1 });
  a1();
  assert.equal(await settled(b1), true, "B was first in the global queue");
  assert.equal(await settled(a3), false);
  a2();
  assert.equal(await settled(a3), true);
  (await b1)();
  (await a3)();
  assert.deepEqual(qos.globalBulk(), { active: 0, queued: 0 });
});

Deno.test("qos - one tenant cannot fill the global bulk queue alone", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1, globalBulkSlots: 1, maxQueue: 100 });
  const b = await qos.acquire("B", "bulk"); // B holds the only global slot
  const flood = Array.from({ length: 30 }, () => qos.acquire("A", "bulk"));
  await settled(flood[0]);
  // A's flood waits on its own tenant slot; only one of its runs reached the global queue.
  assert.deepEqual(qos.globalBulk(), { active: 1, queued: 1 });
  const c = qos.acquire("C", "bulk");
  b();
  assert.equal(await settled(flood[0]), true, "A's head-of-line run was first");
  (await flood[0])();
  assert.equal(await settled(c), true, "C is next, ahead of the other 29 A runs");
  (await c)();
  for (const p of flood.slice(1)) (await p)();
});

Deno.test("qos - slots are per tenant and per class", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1 });
  const ai = await qos.acquire("A", "interactive");
  const ab = await qos.acquire("A", "bulk");
  const bi = await qos.acquire("B", "interactive");
  const ai2 = qos.acquire("A", "interactive");
  assert.equal(await settled(ai2), false);
  assert.deepEqual(qos.stats().find((s) => s.tenant === "A"), {
    tenant: "A",
    interactive: { active: 1, queued: 1 },
    bulk: { active: 1, queued: 0 },
  });
  ai();
  (await ai2)();
  ab();
  bi();
  assert.deepEqual(qos.stats(), [], "idle tenants are forgotten");
});

Deno.test("qos - a full queue is refused with a clear error", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1, maxQueue: 2 });
  const held = await qos.acquire("A", "bulk");
  const w1 = qos.acquire("A", "bulk");
  const w2 = qos.acquire("A", "bulk");
  await assert.rejects(qos.acquire("A", "bulk"), (err) => {
    assert.ok(err instanceof QueueFullError);
    assert.equal(err.code, "queue_full");
    assert.match(err.message, /Too many queued bulk runs for this tenant \(limit 2\)/);
    return true;
  });
  // Another tenant, or another class, is unaffected.
  (await qos.acquire("B", "bulk"))();
  (await qos.acquire("A", "interactive"))();
  held();
  (await w1)();
  (await w2)();
});

Deno.test("qos - maxQueue 0 refuses instead of waiting", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1, maxQueue: 0 });
  const held = await qos.acquire("A", "interactive");
  await assert.rejects(qos.acquire("A", "interactive"), QueueFullError);
  held();
  (await qos.acquire("A", "interactive"))();
});

Deno.test("qos - an aborted wait leaves the queue and frees nothing it did not hold", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1 });
  const held = await qos.acquire("A", "interactive");
  const ctrl = new AbortController();
  const waiting = qos.acquire("A", "interactive", ctrl.signal);
  const after = qos.acquire("A", "interactive");
  ctrl.abort(new Error("client went away"));
  await assert.rejects(waiting, /client went away/);
  held();
  assert.equal(await settled(after), true, "the next waiter gets the slot");
  (await after)();
  assert.deepEqual(qos.stats(), []);
  await assert.rejects(
    qos.acquire("A", "bulk", AbortSignal.abort(new Error("already"))),
    /already/,
  );
  assert.deepEqual(qos.stats(), []);
});

Deno.test("qos - an abort while waiting for the global slot returns the tenant slot", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1, globalBulkSlots: 1 });
  const b = await qos.acquire("B", "bulk");
  const ctrl = new AbortController();
  const a = qos.acquire("A", "bulk", ctrl.signal);
  await settled(a);
  ctrl.abort(new Error("cancelled"));
  await assert.rejects(a, /cancelled/);
  b();
  (await qos.acquire("A", "bulk"))();
  assert.deepEqual(qos.stats(), []);
  assert.deepEqual(qos.globalBulk(), { active: 0, queued: 0 });
});

Deno.test("qos - release is idempotent", async () => {
  const qos = createQos({ interactiveSlots: 1, bulkSlots: 1 });
  const r = await qos.acquire("A", "interactive");
  r();
  r();
  const again = await qos.acquire("A", "interactive");
  const waiting = qos.acquire("A", "interactive");
  assert.equal(await settled(waiting), false, "a double release did not mint a second slot");
  again();
  (await waiting)();
});

Deno.test("qos - options are validated", () => {
  const bad = [
    { interactiveSlots: 0, bulkSlots: 1 },
    { interactiveSlots: 1, bulkSlots: 1.5 },
    { interactiveSlots: 1, bulkSlots: 1, globalBulkSlots: 0 },
    { interactiveSlots: 1, bulkSlots: 1, maxQueue: -1 },
  ];
  for (const options of bad) assert.throws(() => createQos(options), TypeError);
});

Deno.test("qos - fairness with fake work: B's interactive latency under A's bulk flood", async () => {
  // Fake work is a chain of macrotask turns, so the measurement is in turns, not milliseconds,
  // and cannot flake on a slow machine.
  const qos = createQos({ interactiveSlots: 2, bulkSlots: 2, globalBulkSlots: 4, maxQueue: 100 });
  async function work(turns: number): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
  }
  async function run(tenant: string, kind: "interactive" | "bulk", turns: number) {
    const release = await qos.acquire(tenant, kind);
    try {
      await work(turns);
    } finally {
      release();
    }
  }
  async function turnsFor(p: Promise<void>): Promise<number> {
    let turns = 0;
    let done = false;
    p.then(() => done = true);
    while (!done) {
      await new Promise((r) => setTimeout(r, 0));
      turns++;
    }
    return turns;
  }
  const unloaded = await turnsFor(run("B", "interactive", 5));
  const flood = Array.from({ length: 40 }, () => run("A", "bulk", 5));
  const loaded = await turnsFor(run("B", "interactive", 5));
  console.log(`qos fairness: unloaded ${unloaded} turns, under a 40-run bulk flood ${loaded}`);
  assert.ok(loaded <= unloaded * 3, `unloaded ${unloaded} turns, under flood ${loaded}`);
  await Promise.all(flood);
});
