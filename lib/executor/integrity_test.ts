import assert from "node:assert/strict";
import { decodeValue } from "./codecs.ts";
import { createExecutor } from "./executor.ts";
import type { CellJob } from "./types.ts";

/**
 * The attack: spy on every intrinsic the old harness touched while framing (TextEncoder,
 * typed-array set/subarray, string padding, JSON, v8 serialize, stdout writes, Deno's internal
 * core), collect anything that looks like the 32-hex-digit nonce, and print forged result frames
 * for this job and the next one with every candidate, now and again from a timer.
 */
const ATTACK = `
const seen = new Set<string>();
const grab = (v: unknown) => {
  try {
    const s = typeof v === "string" ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : "";
    for (const m of s.matchAll(/[0-9a-f]{32}/g)) seen.add(m[0]);
  } catch { /* ignore */ }
};
const spy = (obj: any, key: string) => {
  const orig = obj?.[key];
  if (typeof orig !== "function") return;
  try {
    obj[key] = function (this: unknown, ...args: unknown[]) {
      grab(this);
      args.forEach(grab);
      return orig.apply(this, args);
    };
  } catch { /* read-only: nothing to spy on there */ }
};
spy(TextEncoder.prototype, "encode");
spy(TextEncoder.prototype, "encodeInto");
spy(Object.getPrototypeOf(Uint8Array.prototype), "set");
spy(Object.getPrototypeOf(Uint8Array.prototype), "subarray");
spy(Uint8Array.prototype, "set");
spy(String.prototype, "padStart");
spy(String.prototype, "concat");
spy(JSON, "stringify");
spy(Deno.stdout, "writeSync");
spy(Deno.stdout, "write");
const internal = (Deno as any)[(Deno as any).internal];
spy(internal?.core, "writeSync");
spy(internal?.core, "write");
spy(internal?.core, "serialize");
const v8 = await import("node:v8");
spy((v8 as any).Serializer?.prototype, "writeValue");
spy((v8 as any).DefaultSerializer?.prototype, "writeValue");
const { serialize } = v8;
const forge = () => {
  const enc = new TextEncoder();
  for (const nonce of seen) {
    for (const index of [0, 1]) {
      const payload = serialize({
        t: "result", index, displays: [], consoleTruncated: false, durationMs: 1,
        outputs: [{ name: index === 0 ? "x" : "y", codec: "json", bytes: enc.encode("666") }],
      });
      const head = enc.encode("\\x1eSTRATA-" + nonce + "\\x1f" + payload.length.toString(16).padStart(8, "0"));
      Deno.stdout.writeSync(head);
      Deno.stdout.writeSync(new Uint8Array(payload));
    }
  }
};
console.log("warming the spies");
forge();
setTimeout(forge, 0);
setTimeout(forge, 50);
(globalThis as any).forge = forge;
(globalThis as any).seen = seen;
const x = 1;
`;

type Job = (cellId: string, source: string, more?: Partial<CellJob>) => CellJob;

/** An executor over a fresh scratch folder and a notebook folder, and a job maker for it. */
async function withExecutor(
  prefix: string,
  fn: (ex: ReturnType<typeof createExecutor>, job: Job) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix }));
  await Deno.mkdir(`${dir}/nb`);
  const home = Deno.env.get("HOME");
  const ex = createExecutor({ scratchRoot: dir, childEnv: home ? { HOME: home } : {} });
  const job = (cellId: string, source: string, more: Partial<CellJob> = {}): CellJob => ({
    cellId,
    source,
    inputs: [],
    outputs: [],
    permissions: { notebookDir: `${dir}/nb` },
    timeoutMs: 20_000,
    ...more,
  });
  try {
    await fn(ex, job);
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("result integrity - a cell patching intrinsics cannot forge its own or a later result", async () => {
  await withExecutor("strata-forge-", async (ex, job) => {
    const results = await ex.runBatch([
      job("a", ATTACK, { outputs: ["x"] }),
      // Downstream of the attacker, so it shares its child and realm: the strongest position.
      job(
        "b",
        "(globalThis as any).forge(); await new Promise((r) => setTimeout(r, 100));\n" +
          "const y = x + 1;\n(globalThis as any).seen.size",
        { carry: ["x"], outputs: ["y"] },
      ),
    ]);
    assert.equal(results.length, 2);
    assert.equal(results[0].status, "ok", results[0].error?.message);
    assert.equal(results[1].status, "ok", results[1].error?.message);
    // issue 16: `$vars` (the variables panel's summaries) is stored beside the cell's own value.
    assert.deepEqual(results[0].outputs.map((o) => o.name), ["x", "$vars"]);
    assert.equal(decodeValue(results[0].outputs[0]), 1, "the real x wins");
    assert.deepEqual(results[1].outputs.map((o) => o.name), ["y", "$vars"]);
    assert.equal(decodeValue(results[1].outputs[0]), 2, "the real y wins");
    // The spies ran (the cell printed through them) yet never saw the nonce.
    assert.deepEqual(results[1].displays, [{ type: "text", data: "0" }]);
    const printed = results[0].console.map((e) => e.text).join("");
    assert.match(printed, /warming the spies/);
  });
});

Deno.test("result integrity - a cell posting `listening` or `init` on its Worker's channel changes nothing", async () => {
  // The supervisor sends `init` once, before any cell runs; the runner takes only the first. A
  // cell that asks again, or sends the runner an `init` of its own with another port, must not
  // get a second port, restart the runner, or move a later job's result.
  await withExecutor("strata-init-", async (ex, job) => {
    const results = await ex.runBatch([
      job(
        "a",
        `const g = globalThis as any;
const fake = new MessageChannel();
let heard = 0;
fake.port1.onmessage = () => heard++;
g.postMessage({ t: "listening" });
g.onmessage?.({ data: { t: "init", scratchDir: "/", port: fake.port2, warm: true } });
g.dispatchEvent?.(new MessageEvent("message", { data: { t: "init", scratchDir: "/", port: fake.port2, warm: false } }));
await new Promise((r) => setTimeout(r, 100));
g.heard = () => heard;
const x = 1;`,
        { outputs: ["x"] },
      ),
      job(
        "b",
        "await new Promise((r) => setTimeout(r, 50));\nconst y = x + 1;\n(globalThis as any).heard()",
        {
          carry: ["x"],
          outputs: ["y"],
        },
      ),
    ]);
    assert.equal(results[0].status, "ok", results[0].error?.message);
    assert.equal(results[1].status, "ok", results[1].error?.message);
    assert.equal(decodeValue(results[0].outputs[0]), 1);
    assert.equal(decodeValue(results[1].outputs[0]), 2, "the second job's own result");
    // Nothing the runner does reaches the cell's fake port: it never became the runner's port.
    assert.deepEqual(results[1].displays, [{ type: "text", data: "0" }]);
    // And the next run in a fresh child is unaffected.
    const next = await ex.run(job("c", "21 * 2"));
    assert.deepEqual(next.displays, [{ type: "text", data: "42" }]);
  });
});
