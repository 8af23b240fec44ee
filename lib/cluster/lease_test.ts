import assert from "node:assert/strict";
import { connectNats } from "./jetstream.ts";
import { type Lease, openLeases } from "./lease.ts";
import { startNats } from "./_test_nats.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function withNats(fn: (urls: string[]) => Promise<void>): Promise<void> {
  const nats = await startNats();
  try {
    await fn(nats.urls);
  } finally {
    await nats.stop();
  }
}

Deno.test("lease - replicas racing for one notebook: exactly one owner", opts, async () => {
  await withNats(async (urls) => {
    const replicas = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) =>
        openLeases({ nc: await connectNats({ servers: urls, name: `r${i}` }), ttlMs: 2000 })
      ),
    );
    const outcomes = await Promise.all(replicas.map((l, i) => l.acquire("t1.nb1", `r${i}`)));
    const winners = outcomes.filter((o) => o.ok);
    assert.equal(winners.length, 1);
    const holder = (winners[0] as { lease: Lease }).lease.holder;
    for (const o of outcomes) if (!o.ok) assert.equal(o.owner, holder);
    assert.equal(await replicas[0].owner("t1.nb1"), holder);
    replicas.forEach((l) => l.close());
  });
});

Deno.test(
  "lease - renewed, it outlives its TTL; a dead owner's lease moves, never overlapping",
  opts,
  async () => {
    await withNats(async (urls) => {
      const ttlMs = 1000;
      const ncA = await connectNats({ servers: urls, name: "A" });
      const a = await openLeases({ nc: ncA, ttlMs });
      const b = await openLeases({ nc: await connectNats({ servers: urls, name: "B" }), ttlMs });
      const got = await a.acquire("t1.nb2", "A");
      assert.ok(got.ok);
      await new Promise((r) => setTimeout(r, 2.5 * ttlMs));
      assert.ok(got.lease.valid(), "renewal did not keep the lease");
      assert.equal((await b.acquire("t1.nb2", "B")).ok, false);

      // A dies: its renewals stop (connection gone). B keeps trying.
      await ncA.close();
      const died = performance.now();
      let taken: Lease | undefined;
      while (!taken && performance.now() - died < 20 * ttlMs) {
        const r = await b.acquire("t1.nb2", "B");
        if (r.ok) {
          taken = r.lease;
          assert.equal(got.lease.valid(), false, "two owners: A still trusts its lease");
        } else {
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      assert.ok(taken, "the lease never moved");
      assert.equal(got.lease.valid(), false, "two owners: A still trusts its lease");
      assert.equal(await b.owner("t1.nb2"), "B");
      b.close();
    });
  },
);

Deno.test("lease - released, another replica takes it at once", opts, async () => {
  await withNats(async (urls) => {
    const a = await openLeases({
      nc: await connectNats({ servers: urls, name: "A" }),
      ttlMs: 60_000,
    });
    const b = await openLeases({
      nc: await connectNats({ servers: urls, name: "B" }),
      ttlMs: 60_000,
    });
    const got = await a.acquire("t1.nb3", "A");
    assert.ok(got.ok);
    await got.lease.release();
    assert.equal(got.lease.valid(), false);
    const r = await b.acquire("t1.nb3", "B");
    assert.ok(r.ok, "the released lease was not free");
    a.close();
    b.close();
  });
});
