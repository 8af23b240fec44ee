/**
 * The island pipeline: bundles the browser entry points with `deno bundle --platform browser`,
 * once per content hash of their sources, and serves them from an immutable URL.
 *
 * Sources hashed: every file under islands/, lib/ui/, lib/protocol/ and static/, plus deno.json and the Deno
 * version. Bundles live in `<dir>/<hash>/` where dir is, in order: a prebuilt folder (read-only
 * deployments; `deno run -A lib/ui/build.ts [outDir]` fills it, default `dist/islands`), else
 * `<dataDir>/ui` (built lazily by the server on the first page request and kept across restarts).
 * A build goes to a temporary folder renamed into place, so a crash never leaves half a bundle.
 * Where the sources are absent (the single-file build ships without them), the prebuilt folder's
 * `current.json` names the build to serve.
 */
import { join, relative } from "node:path";

/** The browser entry points: output name → source path relative to the code root. */
export const ISLAND_ENTRIES: Readonly<Record<string, string>> = {
  home: "islands/client/home.tsx",
  notebook: "islands/client/notebook.tsx",
  editor: "islands/client/editor.ts",
  dag_layout: "islands/client/dag_layout.ts",
  app: "islands/client/app.tsx", // app mode (issue 17)
};

/** Files copied next to the bundles: output name → source path. */
const STATIC_FILES: Readonly<Record<string, string>> = {
  "app.css": "static/app.css",
  "favicon.svg": "static/favicon.svg",
};

const HASHED_DIRS = ["islands", "lib/ui", "lib/protocol", "static"];

/** A built, ready-to-serve set of assets. */
export interface IslandBuild {
  /** Content hash of the sources (the URL segment). */
  hash: string;
  /** Folder holding the files. */
  dir: string;
  /** Public URL of each asset by name ("notebook.js", "app.css", ...). */
  urls: Record<string, string>;
  /** Whether this call ran `deno bundle` (false: found on disk). */
  built: boolean;
  /** Size in bytes of each file. */
  sizes: Record<string, number>;
}

/** Options for islandAssets. */
export interface IslandAssetsOptions {
  /** Folder holding islands/, lib/ui/, static/ and deno.json. */
  codeRoot: string;
  /** Writable cache folder for lazily built bundles (e.g. `<dataDir>/ui`). */
  cacheDir: string;
  /** Read-only folders of prebuilt bundles, searched in order. @default [`<codeRoot>/dist/islands`] */
  prebuiltDirs?: string[];
  /** The deno binary. @default Deno.execPath() */
  denoPath?: string;
  /** URL prefix the assets are served under. @default "/static" */
  urlPrefix?: string;
}

/** Lazily built island assets of one server. */
export interface IslandAssets {
  /** Builds (once) or finds the bundles for the current sources. A failed build is retried next call. */
  ensure(): Promise<IslandBuild>;
  /** Reads an asset of the current build; null when the hash or name is unknown. */
  read(hash: string, name: string): Promise<Uint8Array | null>;
}

/** Creates the island asset service; nothing runs until `ensure()`. */
export function islandAssets(options: IslandAssetsOptions): IslandAssets {
  const prebuiltDirs = options.prebuiltDirs ?? [join(options.codeRoot, "dist", "islands")];
  const prefix = options.urlPrefix ?? "/static";
  let pending: Promise<IslandBuild> | undefined;

  async function locate(): Promise<IslandBuild> {
    if (!(await exists(join(options.codeRoot, ISLAND_ENTRIES.notebook)))) {
      for (const base of prebuiltDirs) {
        const current = await readCurrent(base);
        const found = current && await readBuild(join(base, current), current, prefix);
        if (found) return found;
      }
      throw new Error(
        `No island sources under ${options.codeRoot} and no prebuilt bundle in ${
          prebuiltDirs.join(", ")
        }`,
      );
    }
    const hash = await hashSources(options.codeRoot);
    for (const base of [...prebuiltDirs, options.cacheDir]) {
      const found = await readBuild(join(base, hash), hash, prefix);
      if (found) return found;
    }
    await buildIslands({
      codeRoot: options.codeRoot,
      outDir: options.cacheDir,
      hash,
      denoPath: options.denoPath,
    });
    const made = await readBuild(join(options.cacheDir, hash), hash, prefix);
    if (!made) throw new Error(`Island build for ${hash} finished but its manifest is missing`);
    return { ...made, built: true };
  }

  return {
    ensure() {
      pending ??= locate().catch((err) => {
        pending = undefined;
        throw err;
      });
      return pending;
    },
    async read(hash, name) {
      const build = await this.ensure();
      if (hash !== build.hash || !(name in build.sizes)) return null;
      return await Deno.readFile(join(build.dir, name));
    },
  };
}

/** Content hash (hex, 20 chars) of everything that goes into the bundles. */
export async function hashSources(codeRoot: string): Promise<string> {
  const files: string[] = [];
  for (const d of HASHED_DIRS) await walk(join(codeRoot, d), files);
  files.sort();
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode(`deno ${Deno.version.deno}\n`)];
  for (const f of [...files, join(codeRoot, "deno.json")]) {
    parts.push(enc.encode(`\n${relative(codeRoot, f)}\n`), await Deno.readFile(f));
  }
  const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    total.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", total));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 20);
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) await walk(p, out);
    else if (e.isFile && !/_test\.tsx?$/.test(e.name)) out.push(p);
  }
}

/** Options for buildIslands. */
export interface BuildIslandsOptions {
  codeRoot: string;
  /** The bundles go to `<outDir>/<hash>/`. */
  outDir: string;
  hash: string;
  /** @default Deno.execPath() */
  denoPath?: string;
}

/**
 * Runs `deno bundle` for every entry and writes `<outDir>/<hash>/` atomically with a
 * manifest.json. `--frozen`: a server must never rewrite the lock file; every island package is
 * locked in deno.lock.
 */
export async function buildIslands(options: BuildIslandsOptions): Promise<void> {
  await Deno.mkdir(options.outDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: options.outDir, prefix: `.build-${options.hash}-` });
  try {
    const entries = Object.values(ISLAND_ENTRIES).map((p) => join(options.codeRoot, p));
    const cmd = new Deno.Command(options.denoPath ?? Deno.execPath(), {
      args: [
        "bundle",
        "--platform",
        "browser",
        "--minify",
        "--frozen",
        "--quiet",
        "--outdir",
        tmp,
        ...entries,
      ],
      cwd: options.codeRoot,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    const { success, stderr } = await cmd.output();
    if (!success) {
      throw new Error(
        `deno bundle failed: ${new TextDecoder().decode(stderr).trim().slice(0, 2000)}`,
      );
    }
    for (const [name, src] of Object.entries(STATIC_FILES)) {
      await Deno.copyFile(join(options.codeRoot, src), join(tmp, name));
    }
    const sizes: Record<string, number> = {};
    for (
      const name of [
        ...Object.keys(ISLAND_ENTRIES).map((n) => `${n}.js`),
        ...Object.keys(STATIC_FILES),
      ]
    ) {
      sizes[name] = (await Deno.stat(join(tmp, name))).size;
    }
    await Deno.writeTextFile(
      join(tmp, "manifest.json"),
      JSON.stringify({ hash: options.hash, sizes }, null, 2),
    );
    try {
      await Deno.rename(tmp, join(options.outDir, options.hash));
    } catch (err) {
      // Another process finished the same build first: theirs is identical.
      if (!(await readBuild(join(options.outDir, options.hash), options.hash, ""))) throw err;
      await Deno.remove(tmp, { recursive: true });
    }
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
}

/** Records `hash` as the build to serve from `dir` when the sources are not shipped. */
export async function markCurrent(dir: string, hash: string): Promise<void> {
  const tmp = join(dir, `.current-${crypto.randomUUID()}.json`);
  await Deno.writeTextFile(tmp, JSON.stringify({ hash }));
  await Deno.rename(tmp, join(dir, "current.json"));
}

async function readCurrent(dir: string): Promise<string | null> {
  try {
    const hash = JSON.parse(await Deno.readTextFile(join(dir, "current.json"))).hash;
    return typeof hash === "string" && /^[0-9a-f]{20}$/.test(hash) ? hash : null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readBuild(dir: string, hash: string, prefix: string): Promise<IslandBuild | null> {
  let manifest: { hash: string; sizes: Record<string, number> };
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  } catch {
    return null;
  }
  if (manifest.hash !== hash) return null;
  const urls: Record<string, string> = {};
  for (const name of Object.keys(manifest.sizes)) urls[name] = `${prefix}/${hash}/${name}`;
  return { hash, dir, urls, built: false, sizes: manifest.sizes };
}
