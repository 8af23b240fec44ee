import assert from "node:assert/strict";
import { buildCellModule } from "./cell_module.ts";
import { decodeValue, encodeValue } from "./codecs.ts";
import { createExecutor, type Executor } from "./executor.ts";
import type { CellJob, EncodedValue } from "./types.ts";

interface Fixture {
  ex: Executor;
  dir: string;
  job(source: string, more?: Partial<CellJob>): CellJob;
}

async function withExecutor(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-exec-" }));
  const notebookDir = `${dir}/nb`;
  await Deno.mkdir(notebookDir);
  const home = Deno.env.get("HOME");
  const ex = createExecutor({ scratchRoot: dir, childEnv: home ? { HOME: home } : {} });
  const job = (source: string, more: Partial<CellJob> = {}): CellJob => ({
    cellId: "c1",
    source,
    inputs: [],
    outputs: [],
    permissions: { notebookDir },
    timeoutMs: 10_000,
    ...more,
  });
  try {
    await fn({ ex, dir, job });
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function enc(name: string, value: unknown): EncodedValue {
  const e = encodeValue(name, value);
  assert.ok(e.ok);
  return e.value;
}

Deno.test("executor - the last expression is displayed using upstream inputs", async () => {
  await withExecutor(async ({ ex, job }) => {
    const r = await ex.run(job("x * 21", { inputs: [enc("x", 2)] }));
    assert.equal(r.status, "ok", r.error?.message);
    assert.deepEqual(r.displays, [{ type: "text", data: "42" }]);
    const none = await ex.run(job("const a = 1;\nconsole.log(a)"));
    assert.deepEqual(none.displays, []);
  });
});

Deno.test("executor - outputs round-trip through encoding and into the next cell", async () => {
  await withExecutor(async ({ ex, job }) => {
    const src = `const m = new Map([["a", 1]]);
const d = new Date(0);
const b = 2n ** 70n;
const t = new Float64Array([1.5, 2.5]);
let x = 1; x = x + upstream;`;
    const r = await ex.run(job(src, {
      inputs: [enc("upstream", 9)],
      outputs: ["m", "d", "b", "t", "x"],
    }));
    assert.equal(r.status, "ok", r.error?.message);
    const back = Object.fromEntries(own(r.outputs).map((v) => [v.name, decodeValue(v)]));
    assert.deepEqual(back, {
      m: new Map([["a", 1]]),
      d: new Date(0),
      b: 2n ** 70n,
      t: new Float64Array([1.5, 2.5]),
      x: 10,
    });
    const next = await ex.run(job("`${m.get('a')} ${d.getTime()} ${b % 7n} ${t[1]}`", {
      inputs: r.outputs,
    }));
    assert.deepEqual(next.displays, [{ type: "text", data: `1 0 ${2n ** 70n % 7n} 2.5` }]);
  });
});

Deno.test("executor - functions and classes travel as code from their defining cell", async () => {
  await withExecutor(async ({ ex, job }) => {
    const defs = `console.log("defining");
function scale(n: number) { return n * factor; }
class Counter { n = 0; inc() { return ++this.n; } }`;
    const def = await ex.run(job(defs, {
      cellId: "defs",
      inputs: [enc("factor", 3)],
      outputs: ["scale", "Counter"],
    }));
    assert.equal(def.status, "ok", def.error?.message);
    assert.deepEqual(own(def.outputs).map((o) => o.codec), ["code", "code"]);
    const use = await ex.run(job("const c = new Counter(); c.inc(); scale(c.inc() * 7)", {
      inputs: [enc("factor", 3)],
      codeInputs: [{ cellId: "defs", source: defs, names: ["scale", "Counter"] }],
    }));
    assert.equal(use.status, "ok", use.error?.message);
    assert.deepEqual(use.displays, [{ type: "text", data: "42" }]);
    assert.deepEqual(use.console, [], "the defining cell's output is not repeated");
  });
});

async function groupMembers(pgid: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${e.name}/stat`).catch(() => "");
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (pgrp === pgid && state !== "Z") n++; // a killed process awaiting its reaper is not running
  }
  return n;
}

Deno.test("executor - an endless loop times out and its process group is killed", async () => {
  await withExecutor(async ({ ex, job }) => {
    const sleep = ["/usr/bin/sleep", "/bin/sleep"].find((p) => Deno.statSync(p).isFile)!;
    const src = `new Deno.Command("${sleep}", { args: ["30"] }).spawn();
console.log("pid", Deno.pid);
while (true) {}`;
    let during = Promise.resolve(0);
    let pid = "";
    const started = Date.now();
    const [r] = await ex.runBatch([job(src, {
      timeoutMs: 2_000,
      permissions: { ...job("").permissions, run: [sleep] },
    })], {
      onConsole: (e) => {
        pid = /pid (\d+)/.exec(e.text)?.[1] ?? pid;
        if (pid) during = groupMembers(pid);
      },
    });
    assert.equal(r.error?.kind, "timeout", JSON.stringify(r.error));
    assert.match(r.error!.message, /timed out after 2 s/);
    assert.ok(Date.now() - started < 5_000);
    assert.match(
      r.console.map((c) => c.text).join(""),
      /pid \d+/,
      "output before the timeout kept",
    );
    assert.equal(await during, 2, "the child and its sleep share the child's process group");
    await ex.close();
    assert.equal(await groupMembers(pid), 0);
  });
});

Deno.test("executor - a cell that answered leaves nothing running: its group is killed right after the answer is handled", async () => {
  // Issue 20: the group kill of a child that answered every job runs after the caller handled
  // the results, not before runBatch returns; it must still run, without close().
  await withExecutor(async ({ ex, job }) => {
    const sleep = ["/usr/bin/sleep", "/bin/sleep"].find((p) => Deno.statSync(p).isFile)!;
    const src = `new Deno.Command("${sleep}", { args: ["30"] }).spawn();
console.log("pid", Deno.pid);`;
    let pid = "";
    const handled = Promise.withResolvers<void>();
    const [r] = await ex.runBatch([job(src, {
      outputs: [],
      permissions: { ...job("").permissions, run: [sleep] },
    })], {
      onConsole: (e) => pid = /pid (\d+)/.exec(e.text)?.[1] ?? pid,
      handled: handled.promise,
    });
    assert.equal(r.status, "ok", JSON.stringify(r.error));
    assert.ok(pid);
    handled.resolve();
    const deadline = Date.now() + 5_000;
    while (await groupMembers(pid) > 0 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(
      await groupMembers(pid),
      0,
      "the cell's sleep was killed once the run was handled",
    );
  });
});

Deno.test("executor - a cell without run or ffi cannot start a process, and its one process is ended", async () => {
  // Issue 20: such a child is started without a process group (no fork of the server), which is
  // only sound because it cannot start anything the group kill would have had to reach.
  await withExecutor(async ({ ex, job }) => {
    const sleep = ["/usr/bin/sleep", "/bin/sleep"].find((p) => Deno.statSync(p).isFile)!;
    // The pid first and a generous timeout: on a loaded machine the imports below can take
    // seconds, and the test is about what happens, not how fast.
    const src = `console.log("pid", Deno.pid);
const tries = [];
const attempt = async (name, f) => { try { await f(); tries.push(name + " started"); } catch (e) { tries.push(name + " " + e.name); } };
await attempt("Deno.Command", () => new Deno.Command("${sleep}", { args: ["30"] }).spawn());
const cp = await import("node:child_process");
await attempt("child_process", () => cp.spawn("${sleep}", ["30"]));
await attempt("dlopen", () => Deno.dlopen("libc.so.6", {}));
console.log(tries.join("; "));
while (true) {}`;
    let pid = "";
    const [r] = await ex.runBatch([job(src, { timeoutMs: 6_000, outputs: [] })], {
      onConsole: (e) => pid = /pid (\d+)/.exec(e.text)?.[1] ?? pid,
    });
    assert.equal(r.error?.kind, "timeout", JSON.stringify(r.error));
    const text = r.console.map((c) => c.text).join("");
    assert.ok(pid, text);
    assert.doesNotMatch(text, /started/, "no way to start a process without run or ffi");
    assert.match(text, /Deno.Command NotCapable; child_process \w+; dlopen NotCapable/);
    // The child is its own process (not a group leader), killed at the timeout all the same.
    await ex.close();
    assert.equal(await groupMembers(pid), 0);
    let alive = true;
    try {
      Deno.kill(Number(pid), "SIGCONT");
    } catch {
      alive = false;
    }
    assert.equal(alive, false, "the timed-out child still runs");
  });
});

Deno.test("executor - unbounded allocation hits the memory cap", async () => {
  await withExecutor(async ({ ex, job }) => {
    const src = "const keep = [];\nwhile (true) keep.push(new Array(100_000).fill(Math.random()));";
    const r = await ex.run(job(src, { memoryMb: 64 }));
    assert.equal(r.error?.kind, "memory", JSON.stringify(r.error));
    assert.match(r.error!.message, /memory limit \(64 MB\)/);
  });
});

Deno.test("executor - reading outside grants or opening sockets is a permission error", async () => {
  await withExecutor(async ({ ex, job }) => {
    for (
      const src of [
        `await Deno.readTextFile("/etc/passwd")`,
        `await Deno.connect({ hostname: "127.0.0.1", port: 9 })`,
        `await fetch("http://example.com/")`,
        `Deno.env.get("HOME")`,
      ]
    ) {
      const r = await ex.run(job(src));
      assert.equal(r.error?.kind, "permission", `${src}: ${JSON.stringify(r.error)}`);
    }
  });
});

Deno.test("executor - granted reads and env keys work", async () => {
  await withExecutor(async ({ ex, job, dir }) => {
    const file = `${dir}/data.txt`;
    await Deno.writeTextFile(file, "granted");
    const base = job("").permissions;
    const r = await ex.run(
      job(`(await Deno.readTextFile(${JSON.stringify(file)})) + Deno.env.get("TOKEN")`, {
        permissions: { ...base, read: [file], env: ["TOKEN"] },
        env: { TOKEN: "!", OTHER: "hidden" },
      }),
    );
    assert.deepEqual(r.displays, [{ type: "text", data: "granted!" }], JSON.stringify(r.error));
    await Deno.writeTextFile(`${base.notebookDir}/local.txt`, "mine");
    const rel = await ex.run(job(`await Deno.readTextFile("local.txt")`));
    assert.deepEqual(rel.displays, [{ type: "text", data: "mine" }], JSON.stringify(rel.error));
  });
});

Deno.test("executor - a cell's process runs without Deno's update check", async () => {
  // Issue 20: the check is a DNS query and a TLS handshake from the cell's process, outside the
  // cell's permissions; the process environment turns it off (readable here only with the grant).
  await withExecutor(async ({ ex, job }) => {
    const base = job("").permissions;
    const r = await ex.run(
      job(`Deno.env.get("DENO_NO_UPDATE_CHECK")`, {
        permissions: { ...base, env: ["DENO_NO_UPDATE_CHECK"] },
      }),
    );
    assert.deepEqual(r.displays, [{ type: "text", data: "1" }], JSON.stringify(r.error));
  });
});

Deno.test("executor - errors report cell-relative lines and columns", async () => {
  await withExecutor(async ({ ex, job }) => {
    const r = await ex.run(job("const a = 1;\nconst b = 2;\n  throw new Error('boom ' + a);", {
      inputs: [enc("z", 0)],
    }));
    assert.equal(r.error?.kind, "exception");
    assert.equal(r.error?.message, "boom 1");
    assert.deepEqual([r.error?.line, r.error?.column], [3, 9]);
    assert.match(r.error!.stack!, /cell c1:3:9/);
    const first = await ex.run(job("undefinedThing()", { inputs: [enc("z", 0)] }));
    assert.deepEqual([first.error?.line, first.error?.column], [1, 1]);
    const syntax = await ex.run(job("const ok = 1;\nconst = ;"));
    assert.equal(syntax.error?.kind, "syntax");
    assert.equal(syntax.error?.line, 2);
  });
});

Deno.test("executor - a cell with no module syntax runs as a function body (TypeScript with its types erased), with no module file, and means what its module would", async () => {
  // Issue 20: such a cell is compiled in the runner's realm (node:vm) instead of written and
  // imported. Everything a cell can observe must be the module's: `this`, strict mode, hoisting,
  // the temporal dead zone, its stack frames' file and positions, top-level await.
  const body = `
const frame = /(file:\\/\\/\\S+\\/cell_\\d+\\.[jt]s):(\\d+):(\\d+)/.exec(new Error().stack);
let file; try { Deno.statSync(new URL(frame[1])); file = "written" } catch (e) { file = e.name }
let strict; try { undeclared = 1; strict = false } catch { strict = true }
let tdz; try { later; } catch (e) { tdz = e.name }
const later = 1;
await null;
function hoisted() {}
JSON.stringify([String(this), strict, typeof hoisted, tdz, frame[2] + ":" + frame[3], file]);`;
  await withExecutor(async ({ ex, job }) => {
    const script = await ex.run(job(body));
    // The same cell made a module: `import.meta` keeps it one.
    const module = await ex.run(job(`void import.meta.url;${body}`));
    // And as TypeScript, its types erased (same positions), run as a function body again.
    const typed = await ex.run(
      job(`const typed: number = 1;${body.replace("let file;", "let file: string;")}`),
    );
    assert.equal(script.status, "ok", JSON.stringify(script.error));
    assert.equal(module.status, "ok", JSON.stringify(module.error));
    assert.equal(typed.status, "ok", JSON.stringify(typed.error));
    const [s, m, t] = [script, module, typed].map((r) => JSON.parse(String(r.displays[0].data)));
    assert.deepEqual(s, ["undefined", true, "function", "ReferenceError", "2:66", "NotFound"]);
    assert.deepEqual(m, ["undefined", true, "function", "ReferenceError", "2:66", "written"]);
    assert.deepEqual(t, ["undefined", true, "function", "ReferenceError", "2:66", "NotFound"]);
  });
});

Deno.test("executor - the analyzer corpus's TypeScript cells answer the same with their types erased as through Deno's transpile", async () => {
  const { CORPUS } = await import("../../tests/notebook_corpus/cells.ts");
  const typed: string[] = [];
  for (const c of CORPUS) {
    const r = await buildCellModule(c.source, { inputs: [], outputs: [] });
    if (r.ok && typeof r.module.script === "string") typed.push(c.source);
  }
  assert.ok(typed.length >= 8, `TypeScript cells erased: ${typed.length}`);
  await withExecutor(async ({ ex, job }) => {
    for (const source of typed) {
      const erased = await ex.run(job(source));
      // `import.meta` on a line of its own keeps the module path (and moves the cell a line down).
      const module = await ex.run(job(`void import.meta.url;\n${source}`));
      const view = (r: typeof erased, lineShift: number) => ({
        status: r.status,
        kind: r.error?.kind,
        message: r.error?.message,
        line: r.error?.line === undefined ? undefined : r.error.line - lineShift,
        column: r.error?.column,
        displays: r.displays,
        console: r.console,
      });
      const [e, m] = [view(erased, 0), view(module, 1)];
      // Deno's transpile drops the parentheses around `(x as T)`, moving what follows one column
      // left; the erased text keeps them, so its column is the name's own (checked, not skipped).
      const name = /^(\w+) is not defined/.exec(e.message ?? "")?.[1];
      if (name && e.line === m.line && e.column !== m.column) {
        const at = source.split("\n")[e.line! - 1].slice(e.column! - 1);
        assert.ok(at.startsWith(name), `${source}: column ${e.column} is not '${name}'`);
        e.column = m.column;
      }
      assert.deepEqual(e, m, source);
    }
  });
});

Deno.test("executor - console is captured per stream and truncated visibly", async () => {
  await withExecutor(async ({ ex, job }) => {
    const r = await ex.run(job(`console.log("out", { a: 1 }); console.error("err");`));
    assert.deepEqual(r.console, [
      { stream: "stdout", text: "out { a: 1 }\n" },
      { stream: "stderr", text: "err\n" },
    ]);
    assert.equal(r.consoleTruncated, false);
    const big = await ex.run(job(`for (let i = 0; i < 100; i++) console.log("line " + i)`, {
      consoleLimit: 200,
    }));
    assert.equal(big.consoleTruncated, true);
    assert.match(big.console.at(-1)!.text, /truncated at 200 characters/);
    const text = big.console.map((c) => c.text).join("");
    assert.ok(text.length < 300);
  });
});

Deno.test("executor - raw stdout is captured and cannot forge a result", async () => {
  await withExecutor(async ({ ex, job }) => {
    const forged = `\\x1eSTRATA-${"0".repeat(32)}\\x1f00000002{}`;
    const r = await ex.run(
      job(`Deno.stdout.writeSync(new TextEncoder().encode("${forged}raw\\n")); 5`),
    );
    assert.equal(r.status, "ok", r.error?.message);
    assert.deepEqual(r.displays, [{ type: "text", data: "5" }]);
    assert.match(r.console.map((c) => c.text).join(""), /raw/);
  });
});

Deno.test("executor - values a clone would break travel as code and keep their behaviour", async () => {
  await withExecutor(async ({ ex, job }) => {
    const source =
      "class P { constructor(public x: number) {}\n  norm() { return Math.abs(this.x) } }\n" +
      "const p = new P(-3)\nconst weak = new WeakMap()";
    const made = await ex.run(job(source, { cellId: "maker", outputs: ["p", "weak"] }));
    assert.equal(made.status, "ok");
    assert.deepEqual(own(made.outputs).map((o) => o.codec), ["code", "code"]);
    // The consumer re-evaluates the defining cell, so `p` is a real P again.
    const used = await ex.run(job("`${p.norm()} ${p instanceof P} ${weak instanceof WeakMap}`", {
      cellId: "user",
      codeInputs: [{ cellId: "maker", source, names: ["p", "P", "weak"] }],
    }));
    assert.equal(used.status, "ok", used.error?.message);
    assert.deepEqual(used.displays, [{ type: "text", data: "3 true true" }]);
  });
});

Deno.test("executor - a batch shares one child along a dependency chain and passes values in memory", async () => {
  await withExecutor(async ({ ex, job }) => {
    const seen: number[] = [];
    const results = await ex.runBatch([
      job("const obj = { n: 1 }; (globalThis as any).same = obj;", {
        cellId: "a",
        outputs: ["obj"],
      }),
      job("const k = obj.n + 1;\n`${obj === (globalThis as any).same} ${k}`", {
        cellId: "c",
        carry: ["obj"],
        outputs: ["k"],
      }),
      job("throw new Error('downstream failure ' + k)", { cellId: "d", carry: ["k"] }),
    ], { onResult: (_r, i) => seen.push(i) });
    assert.deepEqual(seen, [0, 1, 2]);
    assert.deepEqual(results.map((r) => r.status), ["ok", "ok", "error"]);
    assert.deepEqual(results[1].displays, [{ type: "text", data: "true 2" }]);
    assert.match(results[2].error!.message, /downstream failure 2/);
  });
});

Deno.test("executor - cells of a batch run back to back keep their own console, errors and positions", async () => {
  // The runner starts each job as soon as it reports the one before (no round trip to the
  // supervisor between them), and writes the next module while one runs: every line, result and
  // error position must still belong to its own cell, including after a failed cell.
  await withExecutor(async ({ ex, job }) => {
    const n = 12;
    const jobs = Array.from({ length: n }, (_, i) =>
      job(
        i === 5
          ? `console.log("cell 5");\nconst v5 = v4 + 1;\nnull.boom;`
          : `console.log("cell ${i}");\nconsole.error("err ${i}");\nconst v${i} = ${
            i === 0 ? "0" : `v${i - 1} + 1`
          };\nv${i}`,
        { cellId: `k${i}`, carry: i === 0 ? [] : [`v${i - 1}`], outputs: [`v${i}`] },
      ));
    const live: [string, number][] = [];
    const results = await ex.runBatch(jobs, { onConsole: (e, i) => live.push([e.text, i]) });
    assert.equal(results.length, n);
    assert.deepEqual(results.map((r) => r.cellId), jobs.map((j) => j.cellId));
    for (let i = 0; i < n; i++) {
      const text = results[i].console.map((e) => `${e.stream}:${e.text}`).join("");
      if (i === 5) {
        assert.equal(results[i].status, "error");
        assert.equal(text, "stdout:cell 5\n");
        assert.equal(results[i].error!.line, 3);
        assert.equal(results[i].error!.column, 6);
      } else if (i < 5) {
        assert.equal(results[i].status, "ok", results[i].error?.message);
        assert.equal(text, `stdout:cell ${i}\nstderr:err ${i}\n`);
        assert.deepEqual(results[i].displays, [{ type: "text", data: String(i) }]);
        assert.equal(decodeValue(results[i].outputs.find((o) => o.name === `v${i}`)!), i);
      } else {
        // Downstream of the failure: its input is missing, and it printed nothing.
        assert.equal(results[i].status, "error");
        assert.match(results[i].error!.message, /v\d+' is not available/);
        assert.equal(text, "");
      }
    }
    for (const [text, i] of live) assert.match(text, new RegExp(`^(cell|err) ${i}\n$`));
    assert.equal(live.length, 5 * 2 + 1);
  });
});

Deno.test("executor - a cell that does not depend on the cells before it gets its own child", async () => {
  await withExecutor(async ({ ex, job }) => {
    const results = await ex.runBatch([
      job("const a = 1; (globalThis as any).planted = 'poison';", { cellId: "a", outputs: ["a"] }),
      // Independent of `a`: whatever `a` left in its realm must not reach it.
      job("`${typeof (globalThis as any).planted}`", { cellId: "b" }),
      // Depends on `a` only, not on `b`: also its own child, with `a` passed encoded.
      job("`${a} ${typeof (globalThis as any).planted}`", { cellId: "c", carry: ["a"] }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ["ok", "ok", "ok"]);
    assert.deepEqual(results[1].displays, [{ type: "text", data: "undefined" }]);
    assert.deepEqual(results[2].displays, [{ type: "text", data: "1 undefined" }]);
  });
});

Deno.test("executor - a batch split by permissions carries values encoded", async () => {
  await withExecutor(async ({ ex, job }) => {
    const base = job("").permissions;
    const results = await ex.runBatch([
      job("const n = 20; function add(a: number) { return a + 1 }", { outputs: ["n", "add"] }),
      job("add(n) * 2", { carry: ["n", "add"], permissions: { ...base, env: ["X"] } }),
    ]);
    assert.deepEqual(
      results[1].displays,
      [{ type: "text", data: "42" }],
      JSON.stringify(results[1].error),
    );
  });
});

Deno.test("executor - a child never runs two jobs", async () => {
  await withExecutor(async ({ ex, job }) => {
    const a = await ex.run(job("(globalThis as any).leak = 1; Deno.pid"));
    const b = await ex.run(job("`${typeof (globalThis as any).leak} ${Deno.pid}`"));
    const pidA = String(a.displays[0].data);
    const [leak, pidB] = String(b.displays[0].data).split(" ");
    assert.equal(leak, "undefined");
    assert.notEqual(pidB, pidA);
  });
});

Deno.test("executor - after a run, a fresh child for its permissions waits for the next one", async () => {
  await withExecutor(async ({ ex, job }) => {
    const r = await ex.run(job("1"));
    assert.equal(r.status, "ok", r.error?.message);
    // The replacement starts after the run (not inside it); the used child is disposed.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const s = ex.stats();
      if (s.idle === 1 && s.live === 1) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.deepEqual(ex.stats(), { keys: 1, idle: 1, live: 1 });
  });
});

Deno.test("executor - cancel kills the run", async () => {
  await withExecutor(async ({ ex, job }) => {
    const ctl = new AbortController();
    const pending = ex.runBatch([job("while (true) {}"), job("1")], { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 300);
    const results = await pending;
    assert.deepEqual(results.map((r) => r.error?.kind), ["cancelled", "cancelled"]);
  });
});

Deno.test("executor - display() calls and helpers produce typed outputs", async () => {
  await withExecutor(async ({ ex, job }) => {
    const r = await ex.run(job(`display(md\`# hi\`);
display("<b>x</b>", { type: "html" });
[{ a: 1 }, { a: 2 }]`));
    assert.deepEqual(r.displays, [
      { type: "markdown", data: "# hi" },
      { type: "html", data: "<b>x</b>" },
      { type: "table", data: { columns: ["a"], rows: [[1], [2]], totalRows: 2 } },
    ]);
  });
});

Deno.test("executor - segments follow dependency chains with equal permissions", async () => {
  const { segmentEnd } = await import("./executor.ts");
  const p = { notebookDir: "/nb" };
  const j = (outputs: string[], carry: string[] = [], perms = p): CellJob => ({
    cellId: outputs.join() || "x",
    source: "",
    inputs: [],
    outputs,
    carry,
    permissions: perms,
  });
  // a → b → c: one child.
  assert.equal(segmentEnd([j(["a"]), j(["b"], ["a"]), j(["c"], ["b"])], 0), 3);
  // c reads a but not b: b's realm must not reach c.
  assert.equal(segmentEnd([j(["a"]), j(["b"], ["a"]), j(["c"], ["a"])], 0), 2);
  // independent cells: one child each.
  assert.equal(segmentEnd([j(["a"]), j(["b"])], 0), 1);
  // a diamond: d reads b and c, which both read a.
  const diamond = [j(["a"]), j(["b"], ["a"]), j(["c"], ["a"]), j(["d"], ["b", "c"])];
  assert.equal(segmentEnd(diamond, 0), 2, "c does not depend on b");
  assert.equal(segmentEnd(diamond, 2), 4, "d depends on c, the only cell already in the child");
  // different permissions always split.
  assert.equal(segmentEnd([j(["a"]), j(["b"], ["a"], { notebookDir: "/other" })], 0), 1);
});

Deno.test("executor - errors are plain text with cell positions, no paths, and @allow hints", async () => {
  await withExecutor(async ({ ex, dir, job }) => {
    const thrown = await ex.run(job("const a = 1;\nthrow new Error('bad ' + a)"));
    const missing = await ex.run(job('import { f } from "./nope.ts";\nf()'));
    const denied = await ex.run(job('Deno.readTextFileSync("/etc/hostname")'));
    const all = [thrown, missing, denied];
    assert.equal(all.length, 3);
    for (const r of all) {
      const text = `${r.error?.message}\n${r.error?.stack ?? ""}`;
      assert.equal(r.status, "error");
      assert.ok(!text.includes("\u001b["), "no colour codes");
      assert.ok(!text.includes(dir), `no scratch or server path in: ${text}`);
      assert.doesNotMatch(text, /child-|cell_\d+\.ts|_runner|harness/);
    }
    assert.equal(thrown.error?.line, 2);
    assert.match(thrown.error!.stack!, /cell c1:2:\d+/);
    assert.equal(denied.error?.kind, "permission");
    assert.match(denied.error!.message, /\/\/ @allow read=\/etc\/hostname/);
    assert.doesNotMatch(`${denied.error!.message}\n${denied.error!.stack}`, /--allow-read/);
  });
});

/** The cell's own outputs, without the internal `$…` values (issue 16: `$vars`, `$table:<i>`). */
function own<T extends { name: string }>(outputs: T[]): T[] {
  return outputs.filter((o) => !o.name.startsWith("$"));
}

Deno.test("executor - a permission set run again before its child started keeps one more started child", async () => {
  await withExecutor(async ({ ex, job }) => {
    const settle = async (idle: number) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && ex.stats().idle !== idle) {
        await new Promise((res) => setTimeout(res, 20));
      }
      return ex.stats().idle;
    };
    assert.equal((await ex.run(job("1"))).status, "ok");
    assert.equal(await settle(1), 1, "a first run leaves one started child");
    await new Promise((res) => setTimeout(res, 400)); // it has finished starting
    assert.equal((await ex.run(job("2"))).status, "ok");
    assert.equal(await settle(1), 1, "a run that found a started child changes nothing");
    // Back to back: the second run takes a child that is still starting (an agent's loop).
    assert.equal((await ex.run(job("3"))).status, "ok");
    assert.equal((await ex.run(job("4"))).status, "ok");
    assert.equal(await settle(2), 2, "the hot permission set keeps two started children");
  });
});

Deno.test("executor - a batch none of whose cells can be built gives its unused child back", async () => {
  await withExecutor(async ({ ex, job }) => {
    const bad = await ex.run(job("const = ;"));
    assert.equal(bad.status, "error");
    // The child was taken (it starts while the modules are built) but ran nothing: it waits in
    // the pool for the next run rather than being killed or leaked.
    assert.deepEqual(ex.stats(), { keys: 1, idle: 1, live: 1 });
    const ok = await ex.run(job("6 * 7"));
    assert.equal(ok.status, "ok", ok.error?.message);
    assert.deepEqual(ok.displays, [{ type: "text", data: "42" }]);
  });
});

Deno.test("executor - a message larger than a pipe's buffer reaches the child whole", async () => {
  await withExecutor(async ({ ex, job }) => {
    // ≈3 MiB inline (under LARGE_VALUE_BYTES): the child reads its message in many chunks.
    const big = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => i % 251);
    const r = await ex.run(job("`${big.length} ${big[big.length - 1]} ${big[70_000]}`", {
      inputs: [enc("big", big)],
    }));
    assert.equal(r.status, "ok", r.error?.message);
    const n = big.length;
    assert.deepEqual(r.displays, [{
      type: "text",
      data: `${n} ${(n - 1) % 251} ${70_000 % 251}`,
    }]);
  });
});

Deno.test("executor - a plain JavaScript cell and a typed one run alike; a<b>(c) keeps TypeScript's meaning", async () => {
  await withExecutor(async ({ ex, job }) => {
    for (
      const source of [
        "const a = 1;\n\n  throw new Error('boom ' + a);",
        "const a: number = 1;\n\n  throw new Error('boom ' + a);",
      ]
    ) {
      const r = await ex.run(job(source));
      assert.equal(r.error?.message, "boom 1", source);
      assert.deepEqual([r.error?.line, r.error?.column], [3, 9], source);
      assert.match(r.error!.stack!, /cell c1:3:9/, source);
      assert.doesNotMatch(r.error!.stack!, /cell_\d+\.[jt]s/, source);
    }
    // As a .ts module (as before): a call of `a` with the type argument `b`, so 20, not `false`.
    const r = await ex.run(job("const a = (x) => x * 10, b = 1, c = 2;\na < b > (c)"));
    assert.deepEqual(r.displays, [{ type: "text", data: "20" }], JSON.stringify(r.error));
    const plain = await ex.run(job("const n = 6;\nn * 7"));
    assert.deepEqual(plain.displays, [{ type: "text", data: "42" }], JSON.stringify(plain.error));
  });
});
