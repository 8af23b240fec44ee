import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fileURLToPath } from "node:url";
import { createExecutor } from "./executor.ts";
import { WarmPool } from "./pool.ts";
import {
  childDenoDir,
  denoCacheGrants,
  emitDir,
  pruneModuleRows,
  removeEmits,
} from "./deno_cache.ts";
import type { CellJob } from "./types.ts";
import { canRunAsNobody, NOBODY } from "./_test_cell_user.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-denodir-" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Files under a folder (none when it does not exist). */
function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) e.isDirectory ? walk(join(d, e.name)) : out.push(join(d, e.name));
  };
  walk(root);
  return out;
}

/** Rows of Deno's code-cache and dependency-analysis databases whose module URL starts with `prefix`. */
function moduleRows(denoDir: string, prefix: string): { code: number; deps: number } {
  const count = (file: string, table: string) => {
    const db = new DatabaseSync(join(denoDir, file), { readOnly: true });
    try {
      const row = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE specifier LIKE ?`)
        .get(`${prefix}%`) as { n: number };
      return Number(row.n);
    } finally {
      db.close();
    }
  };
  return {
    code: count("v8_code_cache_v2", "codecache"),
    deps: count("dep_analysis_cache_v2", "moduleinfocache"),
  };
}

Deno.test("deno_cache - a child's DENO_DIR is the one Deno resolves from the same environment", async () => {
  await withTempDir(async (dir) => {
    const cases: Record<string, string>[] = [
      { DENO_DIR: `${dir}/custom`, HOME: `${dir}/home`, XDG_CACHE_HOME: `${dir}/xdg` },
      { DENO_DIR: "relative/dd", HOME: `${dir}/home` },
      { XDG_CACHE_HOME: `${dir}/xdg`, HOME: `${dir}/home` },
      { XDG_CACHE_HOME: "rel", HOME: `${dir}/home` },
      { HOME: `${dir}/home` },
    ];
    for (const env of cases) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["info", "--json"],
        cwd: dir,
        clearEnv: true,
        env: { ...env, DENO_NO_UPDATE_CHECK: "1" },
        stdout: "piped",
        stderr: "null",
      }).output();
      const denoDir = JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
      assert.equal(childDenoDir(env, dir), denoDir, JSON.stringify(env));
    }
    // Without any of them Deno asks the user database, which depends on the child's user.
    assert.equal(childDenoDir({ PATH: "/usr/bin" }, dir), undefined);
    assert.equal(
      childDenoDir({ HOME: "/Users/a" }, dir, { os: "darwin" }),
      "/Users/a/Library/Caches/deno",
    );
  });
});

Deno.test("deno_cache - cell runs leave no emit files and no cache rows of their modules in DENO_DIR", async () => {
  await withTempDir(async (dir) => {
    const denoDir = `${dir}/deno_dir`;
    const scratchRoot = `${dir}/scratch`;
    await Deno.mkdir(scratchRoot);
    await Deno.mkdir(`${dir}/nb`);
    const home = Deno.env.get("HOME");
    const ex = createExecutor({
      scratchRoot,
      childEnv: { ...(home ? { HOME: home } : {}), DENO_DIR: denoDir },
    });
    const job = (cellId: string, source: string, more: Partial<CellJob> = {}): CellJob => ({
      cellId,
      source,
      inputs: [],
      outputs: [],
      permissions: { notebookDir: `${dir}/nb` },
      timeoutMs: 20_000,
      ...more,
    });
    const scratchUrl = pathToFileURL(scratchRoot).href + "/";
    try {
      // `export` makes each cell a module (not a function body), so each run imports one.
      for (let i = 0; i < 4; i++) {
        const r = await ex.run(job(`c${i}`, `export const y: number = ${i} * 2;\ny`));
        assert.equal(r.status, "ok", r.error?.message);
      }
      // Functions travel as code: the defining cell is a second module in the child.
      const [def, use] = await ex.runBatch([
        job("f", "function twice(n: number) { return 2 * n; }", { outputs: ["twice"] }),
        job("g", "twice(21)", { carry: ["twice"] }),
      ]);
      assert.equal(def.status, "ok", def.error?.message);
      assert.deepEqual(use.displays, [{ type: "text", data: "42" }]);
      // Deno did cache the modules of these runs (what the cleanup is for).
      assert.ok(moduleRows(denoDir, scratchUrl).code >= 5, "no code-cache rows were written");
    } finally {
      await ex.close();
    }
    assert.deepEqual(files(emitDir(denoDir, scratchRoot)), []);
    assert.deepEqual(moduleRows(denoDir, scratchUrl), { code: 0, deps: 0 });
    // The harness's own entries stay: a child's start reads them.
    assert.ok(files(join(denoDir, "gen")).some((f) => f.endsWith("/harness.ts.js")));
    assert.ok(moduleRows(denoDir, pathToFileURL(import.meta.dirname!).href).code > 0);
  });
});

/** Waits until `ok()` holds (polling), at most 10 s; returns whether it did. */
async function until(ok: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      if (ok()) return true;
    } catch { /* not there yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

Deno.test("deno_cache - a pool left open removes what its used children left, on its own", async () => {
  await withTempDir(async (dir) => {
    const denoDir = `${dir}/deno_dir`;
    const scratchRoot = `${dir}/scratch`;
    await Deno.mkdir(scratchRoot);
    await Deno.mkdir(`${dir}/nb`);
    const pool = new WarmPool({
      denoPath: Deno.execPath(),
      harnessPath: fileURLToPath(new URL("./harness.ts", import.meta.url)),
      scratchRoot,
      env: { DENO_DIR: denoDir },
      pruneMs: 50,
    });
    const url = pathToFileURL(scratchRoot).href + "/";
    try {
      const child = pool.acquire({ notebookDir: `${dir}/nb` }, 256);
      // A child imports its warm-up module while it waits to be used.
      assert.ok(await until(() => moduleRows(denoDir, url).code > 0), "no rows were written");
      assert.ok(files(emitDir(denoDir, child.scratchDir)).length > 0);
      await pool.release(child);
      const gone = () =>
        files(emitDir(denoDir, scratchRoot)).length === 0 && moduleRows(denoDir, url).code === 0;
      assert.ok(await until(gone), "the pool kept them while open");
    } finally {
      await pool.close();
    }
  });
});

Deno.test("deno_cache - the cleanup works with only the permissions denoCacheGrants lists", async () => {
  await withTempDir(async (dir) => {
    const denoDir = `${dir}/deno_dir`;
    const scratchRoot = `${dir}/scratch`;
    const scratch = `${scratchRoot}/child-abc`;
    await Deno.mkdir(scratch, { recursive: true });
    await Deno.writeTextFile(`${scratch}/cell_1.ts`, "const a: number = 1;\nexport default a;\n");
    await Deno.writeTextFile(
      `${dir}/hold.ts`,
      `await import(${JSON.stringify(pathToFileURL(`${scratch}/cell_1.ts`).href)});\n` +
        `console.log("loaded");\nawait Deno.stdin.read(new Uint8Array(1));\n`,
    );
    // A Deno process holding the caches open, like a waiting child (and the server itself).
    const holder = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", `--allow-read=${scratch}`, `${dir}/hold.ts`],
      clearEnv: true,
      env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    try {
      const reader = holder.stdout.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /loaded/);
      reader.releaseLock();
      const url = pathToFileURL(scratchRoot).href + "/";
      assert.ok(files(emitDir(denoDir, scratch)).length > 0);
      assert.ok(moduleRows(denoDir, url).code > 0);
      const grants = denoCacheGrants(denoDir, scratchRoot);
      const cleanup = `${dir}/cleanup.ts`;
      await Deno.writeTextFile(
        cleanup,
        `import { pruneModuleRows, removeEmits } from ${
          JSON.stringify(new URL("./deno_cache.ts", import.meta.url).href)
        };\nawait removeEmits(Deno.args[0], Deno.args[1]);\n` +
          `console.log(pruneModuleRows(Deno.args[0], Deno.args[1]));\n`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-config",
          "--no-prompt",
          `--allow-read=${grants.read.join(",")}`,
          `--allow-write=${grants.write.join(",")}`,
          cleanup,
          denoDir,
          scratchRoot,
        ],
        stdout: "piped",
      }).output();
      assert.ok(Number(new TextDecoder().decode(out.stdout)) >= 2);
      assert.deepEqual(files(emitDir(denoDir, scratchRoot)), []);
      assert.deepEqual(moduleRows(denoDir, url), { code: 0, deps: 0 });
    } finally {
      await holder.stdin.close();
      await holder.status;
      holder.stdout.cancel().catch(() => {});
    }
  });
});

Deno.test("deno_cache - the cleanup follows no symbolic link and creates no file in DENO_DIR", async () => {
  await withTempDir(async (dir) => {
    const denoDir = `${dir}/deno_dir`;
    const elsewhere = `${dir}/elsewhere`;
    await Deno.mkdir(`${elsewhere}/child-abc`, { recursive: true });
    await Deno.writeTextFile(`${elsewhere}/child-abc/keep.txt`, "keep");
    await Deno.mkdir(emitDir(denoDir, dir), { recursive: true });
    await Deno.symlink(elsewhere, emitDir(denoDir, `${dir}/scratch`));
    await removeEmits(denoDir, `${dir}/scratch`);
    assert.equal(await Deno.readTextFile(`${elsewhere}/child-abc/keep.txt`), "keep");
    // A database nobody has open has no WAL files; opening it would create them as the server's
    // user (root, with children running as another): it is left for a later prune.
    const path = join(denoDir, "v8_code_cache_v2");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE codecache (specifier TEXT NOT NULL, type INTEGER NOT NULL)");
    const url = pathToFileURL(`${dir}/scratch/child-abc/cell_1.ts`).href;
    db.prepare("INSERT INTO codecache VALUES (?, 1)").run(url);
    db.close();
    assert.equal(pruneModuleRows(denoDir, `${dir}/scratch`), 0);
    assert.deepEqual([...Deno.readDirSync(denoDir)].map((e) => e.name).sort(), [
      "gen",
      "v8_code_cache_v2",
    ]);
  });
});

Deno.test({
  name: "deno_cache - with children running as another user, the caches stay theirs and usable",
  ignore: !canRunAsNobody,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.chmod(dir, 0o755); // the cell user must reach its scratch folder and the notebook
      const denoDir = `${dir}/deno_dir`;
      const scratchRoot = `${dir}/scratch`;
      for (const d of [denoDir, scratchRoot, `${dir}/nb`]) await Deno.mkdir(d, { mode: 0o755 });
      await Deno.chown(denoDir, NOBODY.uid, NOBODY.gid);
      const scratchUrl = pathToFileURL(scratchRoot).href + "/";
      const runCells = async (n: number) => {
        const ex = createExecutor({ scratchRoot, runAs: NOBODY, childEnv: { DENO_DIR: denoDir } });
        try {
          for (let i = 0; i < n; i++) {
            const r = await ex.run({
              cellId: `c${i}`,
              source: `export const y: number = ${i};\ny`, // a module: see above
              inputs: [],
              outputs: [],
              permissions: { notebookDir: `${dir}/nb` },
              timeoutMs: 20_000,
            });
            assert.equal(r.status, "ok", r.error?.message);
          }
          return moduleRows(denoDir, scratchUrl).code;
        } finally {
          await ex.close();
        }
      };
      for (let round = 0; round < 2; round++) {
        // The cell user's children wrote their rows (the server created nothing they cannot open).
        assert.ok(await runCells(3) >= 3, `round ${round}: no code-cache rows written`);
        assert.deepEqual(files(emitDir(denoDir, scratchRoot)), []);
        assert.deepEqual(moduleRows(denoDir, scratchUrl), { code: 0, deps: 0 });
        // The databases and their WAL files (the server opens, never creates them).
        const dbs = files(denoDir).filter((f) => /_cache_v2(-wal|-shm)?$/.test(f));
        assert.ok(dbs.length >= 2);
        const owners = dbs.filter((f) => Deno.statSync(f).uid !== NOBODY.uid);
        assert.deepEqual(owners, [], "files in DENO_DIR the cell user does not own");
      }
    });
  },
});
