import assert from "node:assert/strict";
import { connectNats } from "./jetstream.ts";
import { type Lease, openLeases } from "./lease.ts";
import { Kvm } from "@nats-io/kv";
import { startNats } from "./_test_nats.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Replicas "A" and "B", each with its own connection to the same NATS. */
async function replicasAB(urls: string[], ttlMs: number) {
  const open = async (name: string) =>
    openLeases({ nc: await connectNats({ servers: urls, name }), ttlMs });
  return { a: await open("A"), b: await open("B") };
}

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
    const { a, b } = await replicasAB(urls, 60_000);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test(
  "lease - lost to another holder's write: no longer trusted, and release() leaves theirs",
  opts,
  async () => {
    await withNats(async (urls) => {
      const nc = await connectNats({ servers: urls, name: "A" });
      const a = await openLeases({ nc, ttlMs: 2000 });
      const got = await a.acquire("t1.nb4", "A");
      assert.ok(got.ok);
      // Another holder writes the key (as after a partition): A's next renewal is refused.
      const kv = await new Kvm(nc).open("strata_leases");
      await kv.put("t1.nb4", "B");
      await got.lease.lost;
      assert.equal(got.lease.valid(), false);
      await got.lease.release();
      assert.equal(await a.owner("t1.nb4"), "B", "A's release removed the other holder's entry");
      const c = await a.acquire("t1.nb4", "C");
      assert.deepEqual(c, { ok: false, owner: "B" });
      a.close();
    });
  },
);

Deno.test(
  "lease - a renewal slower than its period (NATS paused) is not doubled: the lease is kept",
  opts,
  async () => {
    const nats = await startNats();
    try {
      const ttlMs = 2000; // renewed every 500 ms, trusted 1600 ms after a renewal is sent
      const { a, b } = await replicasAB(nats.urls, ttlMs);
      const got = await a.acquire("t1.nb5", "A");
      assert.ok(got.ok);
      let lost = false;
      got.lease.lost.then(() => (lost = true));
      // NATS stalls over two renewal periods (within the trusted window): two ticks, one update.
      nats.nodes[0].kill("SIGSTOP");
      await sleep(1100);
      nats.nodes[0].kill("SIGCONT");
      await sleep(1000);
      assert.equal(lost, false, "a renewal overlapping a slow one dropped a lease still held");
      assert.ok(got.lease.valid());
      assert.equal(await b.owner("t1.nb5"), "A");
      a.close();
      b.close();
    } finally {
      await nats.stop();
    }
  },
);

Deno.test(
  "lease - released while a renewal is in flight: the key is free at once",
  opts,
  async () => {
    const nats = await startNats();
    try {
      const ttlMs = 2000;
      const { a, b } = await replicasAB(nats.urls, ttlMs);
      const got = await a.acquire("t1.nb6", "A");
      assert.ok(got.ok);
      // NATS stalls past a renewal tick: that renewal is in flight when release() is called, and
      // writes a newer revision of A's entry; the release must delete that one.
      nats.nodes[0].kill("SIGSTOP");
      await sleep(700);
      const released = got.lease.release();
      await sleep(200);
      nats.nodes[0].kill("SIGCONT");
      await released;
      assert.equal(got.lease.valid(), false);
      const r = await b.acquire("t1.nb6", "B");
      assert.ok(r.ok, `the released lease was not free (owner ${!r.ok && r.owner})`);
      a.close();
      b.close();
    } finally {
      await nats.stop();
    }
  },
);

Deno.test(
  "lease - a replica that loses the race to create the bucket opens it (JetStream's 'subjects overlap')",
  opts,
  async () => {
    await withNats(async (urls) => {
      const winner = await connectNats({ servers: urls, name: "winner" });
      const loserNc = await connectNats({ servers: urls, name: "loser" });
      // The loser's first stream create is answered as JetStream answers the second of two racing
      // creates, after the winner created the bucket: what CI saw once with five replicas at once.
      const lostRace = (bucket: string) => {
        let answered = false;
        return new Proxy(loserNc, {
          get(target, prop, receiver) {
            if (prop !== "request") return Reflect.get(target, prop, receiver);
            return async (subject: string, data: Uint8Array, opts: unknown) => {
              if (!answered && subject.includes(".STREAM.CREATE.")) {
                answered = true;
                await new Kvm(winner).create(bucket, { history: 1, ttl: 2000 });
                const error = {
                  code: 400,
                  err_code: 10065,
                  description: "subjects overlap with an existing stream",
                };
                return { data: new TextEncoder().encode(JSON.stringify({ error })) };
              }
              return await target.request(subject, data, opts as never);
            };
          },
        });
      };
      // The library alone fails that way (so the case below is the race, not something else).
      await assert.rejects(
        new Kvm(lostRace("plain")).create("plain", { history: 1, ttl: 2000 }),
        /subjects overlap/,
      );
      const leases = await openLeases({ nc: lostRace("leases"), bucket: "leases", ttlMs: 2000 });
      const got = await leases.acquire("t1.nb1", "loser");
      assert.equal(got.ok, true);
      assert.equal(await leases.owner("t1.nb1"), "loser");
      leases.close();
      await Promise.all([winner.close(), loserNc.close()]);
    });
  },
);
