/**
 * `deno task build`: the single-file build. Bundles main.ts into `<out>/strata.js` (npm packages
 * included, node: built-ins left to Deno), bundles the cell harness into `<out>/harness.js` (the
 * executor spawns it as its own program) and the two Workers (large cell builds, type checks),
 * copies the SQL migrations beside them and prebuilds the island bundles into
 * `<out>/static/islands/`. The result runs with `deno run --no-config -A <out>/strata.js serve`
 * from a folder that holds only `<out>`: no deno.json, no node_modules.
 *
 *   deno task build [--out dist]
 */
import { parseArgs } from "node:util";

/** What a build produced. */
export interface BuildReport {
  out: string;
  files: { path: string; bytes: number }[];
  ms: number;
}

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * Island assets: prebuilt browser bundles in `<out>/static/islands/`, where the page routes look
 * beside the running program (the single-file build ships without the island sources).
 */
const ASSET_STEPS: ((out: string) => Promise<void>)[] = [
  async function prebuiltIslands(out) {
    const ui = `${root}/lib/ui/build.ts`;
    if (!(await exists(ui))) return;
    const { prebuildIslands } = await import(ui);
    await prebuildIslands(`${out}/static/islands`);
  },
  async function typescriptLibs(out) {
    // The editor's language service reads TypeScript's esnext declarations; the bundle has no
    // node_modules, so they ship beside it (lib/langservice/_libs.ts looks there).
    const { copyTypeScriptLibs } = await import(`${root}/lib/langservice/_libs.ts`);
    await copyTypeScriptLibs(`${out}/typescript_lib`);
  },
];

/** Builds into `out` (relative to the repository root unless absolute). */
export async function build(out = "dist"): Promise<BuildReport> {
  const started = performance.now();
  const dir = out.startsWith("/") ? out : `${root}/${out}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  // typescript requires source-map-support inside a try; it is optional and not installed.
  // The entry registers the lazily imported packages (lib/optional_import.ts), then runs main.ts.
  await bundle("scripts/_bundle_entry.ts", `${dir}/strata.js`, ["source-map-support"]);
  await prepend(`${dir}/strata.js`, CJS_GLOBALS);
  await bundle("lib/executor/harness.ts", `${dir}/harness.js`);
  // Cell modules of large sources are built in this Worker (exec helper, issue 13 item 10).
  await bundle("lib/executor/_build_worker.ts", `${dir}/build_worker.js`, ["source-map-support"]);
  await prepend(`${dir}/build_worker.js`, CJS_GLOBALS);
  // The editor's language services run in this Worker (issue 20: off the server's event loop).
  await bundle("lib/langservice/_types_worker.ts", `${dir}/types_worker.js`, [
    "source-map-support",
  ]);
  await prepend(`${dir}/types_worker.js`, CJS_GLOBALS);
  // Table outputs are decoded, filtered and sorted in this Worker (issue 20: off the event loop).
  await bundle("lib/runtime/_table_worker.ts", `${dir}/table_worker.js`);
  await copyTree(`${root}/migrations`, `${dir}/migrations`);
  for (const step of ASSET_STEPS) await step(dir);
  const files = await list(dir);
  return { out: dir, files, ms: Math.round(performance.now() - started) };
}

async function bundle(entry: string, output: string, external: string[] = []): Promise<void> {
  const args = [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    ...external.flatMap((e) => ["--external", e]),
    "-o",
    output,
    entry,
  ];
  const res = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) {
    const err = new TextDecoder().decode(res.stderr);
    throw new Error(`Cannot bundle ${entry}: deno bundle exited with ${res.code}\n${err}`);
  }
}

/**
 * CommonJS globals for bundled npm code that reads them at run time (typescript's `sys` uses
 * `__filename` to probe case sensitivity); esbuild leaves them undefined in ESM output.
 */
const CJS_GLOBALS = `import { fileURLToPath as __strataPath } from "node:url";
var __filename = __strataPath(import.meta.url);
var __dirname = __strataPath(new URL(".", import.meta.url));
`;

async function prepend(file: string, text: string): Promise<void> {
  const body = await Deno.readTextFile(file);
  if (/\bvar __filename\b|\blet __filename\b|\bconst __filename\b/.test(body)) {
    throw new Error(
      `Cannot add CommonJS globals to ${file}: the bundle already declares __filename`,
    );
  }
  await Deno.writeTextFile(file, text + body);
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

async function list(dir: string, prefix = ""): Promise<{ path: string; bytes: number }[]> {
  const out: { path: string; bytes: number }[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(...await list(`${dir}/${e.name}`, `${rel}/`));
    else out.push({ path: rel, bytes: (await Deno.stat(`${dir}/${e.name}`)).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string", default: "dist" } },
  });
  try {
    const report = await build(values.out);
    for (const f of report.files) {
      console.log(`${(f.bytes / 1024).toFixed(0).padStart(8)} KiB  ${f.path}`);
    }
    console.log(
      `built ${report.out} in ${report.ms} ms; run: deno run --no-config -A ${report.out}/strata.js serve`,
    );
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(1);
  }
}
