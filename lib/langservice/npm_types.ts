/**
 * Types of `npm:` imports, found in Deno's npm cache (`$DENO_DIR/npm/registry.npmjs.org/<name>/
 * <version>/`) when a cell has already run with them; a package not in the cache types as `any`
 * (and its "cannot find module" is not reported: the run will say). Resolution inside a package
 * (relative imports, bare imports of its dependencies) stays inside the cache.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import type ts from "typescript";
import type { Ts } from "../notebook/_typescript.ts";

/** The npm cache folder of a Deno cache directory, from the cell processes' environment. */
export function npmCacheDirFrom(env: Record<string, string | undefined>): string | undefined {
  const denoDir = env.DENO_DIR ??
    (env.XDG_CACHE_HOME ? `${env.XDG_CACHE_HOME}/deno` : env.HOME ? `${env.HOME}/.cache/deno` : "");
  return denoDir ? `${denoDir}/npm/registry.npmjs.org` : undefined;
}

/** Resolves an `npm:` specifier (or an import made by a cached package) to a .d.ts file. */
export function resolveNpmTypes(
  t: Ts,
  spec: string,
  containing: string,
  options: ts.CompilerOptions,
  cacheDir: string | undefined,
): ts.ResolvedModuleFull | undefined {
  if (!cacheDir) return undefined;
  const inCache = containing.startsWith(cacheDir + "/");
  if (inCache && (spec.startsWith("./") || spec.startsWith("../"))) {
    return t.resolveModuleName(spec, containing, options, diskHost).resolvedModule;
  }
  let bare: string;
  if (spec.startsWith("npm:")) bare = spec.slice(4).replace(/^\//, "");
  else if (inCache && /^[@a-z0-9]/i.test(spec) && !spec.includes(":")) bare = spec;
  else return undefined;
  const m = /^((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(\/.*)?$/.exec(bare);
  if (!m) return undefined;
  const [, name, range, sub = ""] = m;
  const version = pickVersion(`${cacheDir}/${name}`, range);
  if (!version) return undefined;
  const dir = `${cacheDir}/${name}/${version}`;
  const typesName = name.startsWith("@") ? name.slice(1).replace("/", "__") : name;
  for (const target of [`${dir}${sub}`, `${cacheDir}/@types/${typesName}`]) {
    const r = t.resolveModuleName(target, containing, options, diskHost).resolvedModule;
    if (r && /\.d\.[cm]?ts$/.test(r.resolvedFileName)) return r;
    if (target !== `${dir}${sub}`) continue;
    const fromExports = exportsTypes(dir, sub);
    if (fromExports) {
      const e = t.resolveModuleName(fromExports, containing, options, diskHost).resolvedModule;
      if (e) return e;
    }
  }
  return undefined;
}

/** Reads a cached package file (shared across notebooks: the cache is immutable per version). */
export function readCachedFile(fileName: string): string | undefined {
  if (texts.has(fileName)) return texts.get(fileName) ?? undefined;
  let text: string | null = null;
  try {
    text = readFileSync(fileName, "utf8");
  } catch {
    text = null;
  }
  texts.set(fileName, text);
  return text ?? undefined;
}

const texts = new Map<string, string | null>();

const diskHost: ts.ModuleResolutionHost = {
  fileExists: (f) => readCachedFile(f) !== undefined,
  readFile: readCachedFile,
  directoryExists: (d) => {
    try {
      return statSync(d).isDirectory();
    } catch {
      return false;
    }
  },
};

/** The highest cached version, preferring ones whose major matches a `^x`/`x` range. */
function pickVersion(pkgDir: string, range: string | undefined): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(pkgDir).filter((v) => /^\d+\.\d+\.\d+/.test(v));
  } catch {
    return undefined;
  }
  const exact = range && versions.find((v) => v === range);
  if (exact) return exact;
  const major = range ? /^[\^~]?(\d+)/.exec(range)?.[1] : undefined;
  const fitting = major ? versions.filter((v) => v.split(".")[0] === major) : versions;
  return (fitting.length ? fitting : versions).sort(compareVersions).at(-1);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** The `types` condition of package.json `exports` for a subpath, as an absolute path. */
function exportsTypes(dir: string, sub: string): string | undefined {
  const raw = readCachedFile(`${dir}/package.json`);
  if (!raw) return undefined;
  let pkg: { exports?: unknown };
  try {
    pkg = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const key = sub ? `.${sub}` : ".";
  const exp = pkg.exports;
  const entry = typeof exp === "object" && exp !== null && !Array.isArray(exp)
    ? (key in exp ? (exp as Record<string, unknown>)[key] : key === "." ? exp : undefined)
    : undefined;
  const found = typesCondition(entry);
  return found ? `${dir}/${found.replace(/^\.\//, "")}` : undefined;
}

function typesCondition(entry: unknown): string | undefined {
  if (typeof entry === "string") return /\.d\.[cm]?ts$/.test(entry) ? entry : undefined;
  if (typeof entry !== "object" || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  for (const k of ["types", "import", "default", "require", "node"]) {
    const r = typesCondition(e[k]);
    if (r) return r;
  }
  return undefined;
}
