import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import {
  type BucketState,
  BucketStore,
  clientKey,
  type ClientKeyOptions,
  peek,
  rateLimit,
  type RateLimitOptions,
  refill,
} from "./rate_limit.ts";

interface Harness {
  app: Hono<AppEnv>;
  clock: { t: number };
  rejects: Array<[string, string]>;
}

function harness(over: Partial<RateLimitOptions> = {}): Harness {
  const clock = { t: 1_000_000 };
  const rejects: Array<[string, string]> = [];
  const app = new Hono<AppEnv>();
  app.use(rateLimit({
    capacity: 3,
    refillPerSecond: 1,
    keyFor: (c) => c.req.header("X-Client") ?? "anon",
    exempt: (p) => p === "/health" || p === "/ready" || p === "/metrics",
    now: () => clock.t,
    onReject: (key, bucket) => rejects.push([key, bucket]),
    ...over,
  }));
  for (const p of ["/health", "/ready", "/metrics", "/x"]) app.get(p, (c) => c.text("ok"));
  app.get("/raw", () => new Response("raw", { headers: { "X-Own": "1" } }));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.onError((_err, c) => c.json({ error: { code: "internal", message: "Internal error" } }, 500));
  return { app, clock, rejects };
}

function hit(h: Harness, path = "/x", client = "a"): Promise<Response> {
  return Promise.resolve(h.app.request(path, { headers: { "X-Client": client } }));
}

Deno.test("rate limit - bucket math table", () => {
  const params = { capacity: 5, refillPerSecond: 2 };
  const table: Array<[BucketState, number, boolean, number]> = [
    // [state, nowMs, allowed, remaining | retryAfter]
    [{ tokens: 5, updatedMs: 0 }, 0, true, 4],
    [{ tokens: 1, updatedMs: 0 }, 0, true, 0],
    [{ tokens: 0, updatedMs: 0 }, 0, false, 1],
    [{ tokens: 0, updatedMs: 0 }, 499, false, 1],
    [{ tokens: 0, updatedMs: 0 }, 500, true, 0],
    [{ tokens: 0, updatedMs: 0 }, 60_000, true, 4], // capped at capacity
    [{ tokens: 2.5, updatedMs: 0 }, 0, true, 1],
    [{ tokens: 0, updatedMs: 1_000 }, 0, false, 1], // a clock going backwards adds nothing
  ];
  for (const [state, nowMs, allowed, n] of table) {
    const s = { ...state };
    refill(s, params, nowMs);
    const r = peek(s, params);
    assert.equal(r.allowed, allowed, JSON.stringify([state, nowMs]));
    assert.equal(r.allowed ? r.remaining : r.retryAfterSeconds, n, JSON.stringify([state, nowMs]));
  }
  const slow = { capacity: 1, refillPerSecond: 0.1 };
  assert.deepEqual(peek({ tokens: 0, updatedMs: 0 }, slow), {
    allowed: false,
    retryAfterSeconds: 10,
  });
  assert.deepEqual(peek({ tokens: 0.95, updatedMs: 0 }, slow), {
    allowed: false,
    retryAfterSeconds: 1,
  });
});

Deno.test("rate limit - every answer carries the limit headers", async () => {
  const h = harness();
  for (const want of ["2", "1", "0"]) {
    const res = await hit(h);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("X-RateLimit-Limit"), "3");
    assert.equal(res.headers.get("X-RateLimit-Remaining"), want);
    await res.body?.cancel();
  }
});

Deno.test("rate limit - headers also on raw responses and errors", async () => {
  const h = harness();
  const raw = await hit(h, "/raw");
  assert.equal(raw.headers.get("X-Own"), "1");
  assert.equal(raw.headers.get("X-RateLimit-Remaining"), "2");
  assert.equal(await raw.text(), "raw");
  const boom = await hit(h, "/boom");
  assert.equal(boom.status, 500);
  assert.equal(boom.headers.get("X-RateLimit-Remaining"), "1");
  await boom.body?.cancel();
});

Deno.test("rate limit - an empty bucket answers 429 with Retry-After and a JSON body", async () => {
  const h = harness({ capacity: 2, refillPerSecond: 0.25 });
  await (await hit(h)).body?.cancel();
  await (await hit(h)).body?.cancel();
  const res = await hit(h);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("Retry-After"), "4");
  assert.equal(res.headers.get("X-RateLimit-Limit"), "2");
  assert.equal(res.headers.get("X-RateLimit-Remaining"), "0");
  assert.match(res.headers.get("Content-Type") ?? "", /application\/json/);
  assert.deepEqual(await res.json(), {
    error: { code: "rate_limited", message: "Rate limit exceeded; retry in 4 seconds" },
  });
  assert.deepEqual(h.rejects, [["a", "client"]]);
});

Deno.test("rate limit - Retry-After is a whole number of seconds, at least 1", async () => {
  const h = harness({ capacity: 1, refillPerSecond: 1000 });
  await (await hit(h)).body?.cancel();
  const res = await hit(h);
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("Retry-After"), "1");
  await res.body?.cancel();
});

Deno.test("rate limit - the client recovers after refill", async () => {
  const h = harness();
  for (let i = 0; i < 3; i++) await (await hit(h)).body?.cancel();
  const limited = await hit(h);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("Retry-After"), "1");
  await limited.body?.cancel();
  h.clock.t += 999;
  assert.equal((await hit(h)).status, 429, "not yet");
  h.clock.t += 1;
  const ok = await hit(h);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("X-RateLimit-Remaining"), "0");
  h.clock.t += 10_000;
  const full = await hit(h);
  assert.equal(full.headers.get("X-RateLimit-Remaining"), "2", "refill stops at capacity");
});

Deno.test("rate limit - rejected requests do not spend tokens", async () => {
  const h = harness({ capacity: 1, refillPerSecond: 1 });
  await (await hit(h)).body?.cancel();
  for (let i = 0; i < 5; i++) await (await hit(h)).body?.cancel();
  h.clock.t += 1000;
  assert.equal((await hit(h)).status, 200, "hammering while limited does not push recovery back");
});

Deno.test("rate limit - probes answer while a client is limited, without headers", async () => {
  const h = harness({ capacity: 1 });
  await (await hit(h)).body?.cancel();
  assert.equal((await hit(h)).status, 429);
  for (const p of ["/health", "/ready", "/metrics"]) {
    for (let i = 0; i < 5; i++) {
      const res = await hit(h, p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get("X-RateLimit-Limit"), null);
      await res.body?.cancel();
    }
  }
  assert.equal((await hit(h)).status, 429, "probes did not refill the client");
});

Deno.test("rate limit - clients have separate buckets", async () => {
  const h = harness({ capacity: 1 });
  assert.equal((await hit(h, "/x", "a")).status, 200);
  assert.equal((await hit(h, "/x", "a")).status, 429);
  assert.equal((await hit(h, "/x", "b")).status, 200);
});

Deno.test("rate limit - the global bucket caps all clients together", async () => {
  const h = harness({ capacity: 5, globalCapacity: 3, globalRefillPerSecond: 0.5 });
  for (const client of ["a", "b", "c"]) assert.equal((await hit(h, "/x", client)).status, 200);
  const res = await hit(h, "/x", "d");
  assert.equal(res.status, 429);
  assert.equal(res.headers.get("Retry-After"), "2");
  assert.deepEqual(h.rejects, [["d", "global"]]);
  h.clock.t += 2000;
  const ok = await hit(h, "/x", "d");
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("X-RateLimit-Remaining"), "4", "d's own bucket was not charged");
});

Deno.test("rate limit - idle buckets are evicted", () => {
  const store = new BucketStore({ capacity: 3, refillPerSecond: 1 }, 100, 3000);
  store.get("a", 0).tokens = 0;
  store.get("b", 1000);
  assert.equal(store.size, 2);
  store.get("c", 3000); // a idle 3 s: evicted; b idle 2 s: kept
  assert.equal(store.size, 2);
  assert.equal(store.get("a", 3000).tokens, 3, "a comes back with a full bucket");
  store.get("z", 100_000);
  assert.equal(store.size, 1, "everything idle is gone");
});

Deno.test("rate limit - the bucket map stays bounded, dropping the least recently used", () => {
  const store = new BucketStore({ capacity: 3, refillPerSecond: 1 }, 3, 1e9);
  store.get("a", 0).tokens = 0;
  store.get("b", 1).tokens = 0;
  store.get("c", 2).tokens = 0;
  store.get("a", 3); // a is now most recent
  store.get("d", 4); // evicts b
  assert.equal(store.size, 3);
  assert.ok(store.get("a", 5).tokens < 1, "a kept its state");
  assert.equal(store.get("b", 6).tokens, 3, "b was dropped and starts full");
  for (let i = 0; i < 10_000; i++) store.get(`k${i}`, 10 + i);
  assert.equal(store.size, 3);
});

Deno.test("rate limit - default idle eviction is invisible to the client", async () => {
  const h = harness({ capacity: 2, refillPerSecond: 1, maxBuckets: 10 });
  await (await hit(h)).body?.cancel();
  await (await hit(h)).body?.cancel();
  h.clock.t += 1000;
  assert.equal((await hit(h)).headers.get("X-RateLimit-Remaining"), "0", "partially refilled");
  h.clock.t += 2000; // idle for capacity / refill: evicted, and a new bucket is full anyway
  assert.equal((await hit(h)).headers.get("X-RateLimit-Remaining"), "1");
});

Deno.test("rate limit - options are validated when the factory is called", () => {
  const base: RateLimitOptions = { capacity: 1, refillPerSecond: 1, keyFor: () => "k" };
  const bad: Array<Partial<RateLimitOptions>> = [
    { capacity: 0 },
    { capacity: 0.5 },
    { refillPerSecond: 0 },
    { refillPerSecond: Infinity },
    { capacity: NaN },
    { globalCapacity: 10 },
    { globalRefillPerSecond: 1 },
    { maxBuckets: 0 },
    { idleEvictMs: -1 },
    { keyFor: undefined },
  ];
  for (const over of bad) {
    assert.throws(() => rateLimit({ ...base, ...over }), TypeError, JSON.stringify(over));
  }
});

Deno.test("rate limit - clientKey picks principal, trusted forwarded address, or peer", async () => {
  const peer = () => "10.0.0.9";
  const table: Array<[string, Record<string, string>, Partial<ClientKeyOptions>, string]> = [
    ["peer by default", {}, {}, "addr:10.0.0.9"],
    ["principal first", { "X-P": "alice" }, { principalFirst: true }, "principal:alice"],
    ["principal ignored when not first", { "X-P": "alice" }, {}, "addr:10.0.0.9"],
    ["anonymous falls back to peer", {}, { principalFirst: true }, "addr:10.0.0.9"],
    ["XFF ignored unless trusted", { "X-Forwarded-For": "1.2.3.4" }, {}, "addr:10.0.0.9"],
    [
      "trusted XFF single entry",
      { "X-Forwarded-For": "1.2.3.4" },
      { trustForwardedFor: true },
      "addr:1.2.3.4",
    ],
    [
      "trusted XFF uses the entry the proxy appended, not the client's",
      { "X-Forwarded-For": "6.6.6.6, 1.2.3.4" },
      { trustForwardedFor: true },
      "addr:1.2.3.4",
    ],
    [
      "two trusted hops",
      { "X-Forwarded-For": "6.6.6.6, 1.2.3.4, 172.16.0.1" },
      { trustForwardedFor: true, forwardedHops: 2 },
      "addr:1.2.3.4",
    ],
    [
      "too few entries for the hops falls back to peer",
      { "X-Forwarded-For": "1.2.3.4" },
      { trustForwardedFor: true, forwardedHops: 2 },
      "addr:10.0.0.9",
    ],
    [
      "empty XFF falls back to peer",
      { "X-Forwarded-For": "" },
      { trustForwardedFor: true },
      "addr:10.0.0.9",
    ],
    [
      "principal beats XFF",
      { "X-P": "alice", "X-Forwarded-For": "1.2.3.4" },
      { trustForwardedFor: true, principalFirst: true },
      "principal:alice",
    ],
  ];
  for (const [name, headers, over, want] of table) {
    const options: ClientKeyOptions = {
      principalFirst: false,
      trustForwardedFor: false,
      peerAddress: peer,
      ...over,
    };
    const app = new Hono<AppEnv>();
    app.get("/", (c) => {
      const p = c.req.header("X-P");
      if (p) c.set("identity", { principal: p, scopes: new Set(), source: "trusted_proxy" });
      return c.text(clientKey(c, options));
    });
    assert.equal(await (await app.request("/", { headers })).text(), want, name);
  }
  const noPeer = new Hono<AppEnv>();
  noPeer.get(
    "/",
    (c) =>
      c.text(
        clientKey(c, { principalFirst: false, trustForwardedFor: false, peerAddress: () => "" }),
      ),
  );
  assert.equal(await (await noPeer.request("/")).text(), "addr:unknown");
});
