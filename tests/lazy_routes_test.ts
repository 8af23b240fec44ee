// Issue 20: the server answers probes from an app without the feature routes and builds the full
// app on the first other request (main.ts lazyApp).
import assert from "node:assert/strict";
import { lazyApp } from "../main.ts";
import { isProbePath } from "../lib/http/app.ts";
import { createLogger } from "../lib/log.ts";

const INFO = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
} as Deno.ServeHandlerInfo;
const log = createLogger({ level: "error", format: "json" });

Deno.test("lazy routes - concurrent first requests share one build; later ones reuse it", async () => {
  let builds = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const app = lazyApp(async () => {
    builds++;
    await gate;
    return { fetch: (req: Request) => new Response(new URL(req.url).pathname) };
  }, log);
  const pending = [app(new Request("http://x/a"), INFO), app(new Request("http://x/b"), INFO)];
  release();
  const texts = await Promise.all(pending.map(async (p) => await (await p).text()));
  assert.deepEqual(texts, ["/a", "/b"]);
  assert.equal(await (await app(new Request("http://x/c"), INFO)).text(), "/c");
  assert.equal(builds, 1);
});

Deno.test("lazy routes - a failed build answers 503 and the next request builds again", async () => {
  let builds = 0;
  const app = lazyApp(() => {
    builds++;
    if (builds === 1) return Promise.reject(new Error("module not found"));
    return Promise.resolve({ fetch: () => new Response("ok") });
  }, log);
  const first = await app(new Request("http://x/v1/notebooks"), INFO);
  assert.equal(first.status, 503);
  assert.equal((await first.json()).error.code, "unavailable");
  const second = await app(new Request("http://x/v1/notebooks"), INFO);
  assert.equal(await second.text(), "ok");
  assert.equal(builds, 2);
});

Deno.test("lazy routes - only the exact probe paths skip the feature routes", () => {
  const probe = (url: string) => isProbePath(new Request(url));
  assert.ok(probe("http://127.0.0.1:8765/ready"));
  assert.ok(probe("http://127.0.0.1:8765/health?x=1"));
  assert.ok(probe("http://[::1]:8765/metrics"));
  assert.ok(!probe("http://127.0.0.1:8765/"));
  assert.ok(!probe("http://127.0.0.1:8765/ready/x"));
  assert.ok(!probe("http://127.0.0.1:8765/v1/ready"));
  assert.ok(!probe("http://127.0.0.1:8765/healthz"));
});
