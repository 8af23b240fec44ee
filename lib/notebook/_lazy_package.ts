/**
 * A package loaded on first use, shared by the cell parser (`_babel.ts`) and the TypeScript
 * compiler (`_typescript.ts`): `import()` by default (the single-file build bundles it), or Node's
 * `require` through a V8 code cache Strata keeps (`_code_cache.ts`) once a cache folder is set and
 * the package can be required. A load through the cache that fails for another reason than the
 * package's own evaluation loads the package as without a cache: the cache is only an optimization.
 */
import { createRequire } from "node:module";
import { canRequire } from "./_require.ts";
import { type CodeCacheLoad, type CodeCacheOptions, requireWithCodeCache } from "./_code_cache.ts";

/** Where and when the code cache is written (see CodeCacheOptions). */
export interface CodeCacheConfig {
  dir?: string;
  writeAfterMs?: number;
}

/** A lazily loaded package: one module per process, whichever way it was loaded. */
export interface LazyPackage<T> {
  /** Loads the package once; later calls reuse it. */
  load(): Promise<T>;
  /** The package now: the loaded one, or required synchronously (throws where it cannot be). */
  now(): T;
  loaded(): boolean;
  requirable(): boolean;
  /** Sets the code cache folder (none: `dir` undefined); applies to the next load. */
  configureCodeCache(config: CodeCacheConfig): void;
  codeCacheConfig(): CodeCacheConfig;
  /** How the last load used the code cache; undefined when it did not. */
  codeCacheLoad(): CodeCacheLoad | undefined;
}

/** What a lazy package is: its specifier, how to import it, and its cache's name and kind. */
export interface LazyPackageOptions {
  specifier: string;
  /** `() => import("<specifier>")`, spelled out so that bundlers see the import. */
  importer: () => Promise<unknown>;
  cacheName: string;
  take: CodeCacheOptions["take"];
  /** The error of `now()` where the package cannot be required and was not loaded yet. */
  notLoaded: string;
}

/** A lazily loaded package (see the module's comment). */
export function lazyPackage<T>(options: LazyPackageOptions): LazyPackage<T> {
  let pending: Promise<T> | undefined;
  let loaded: T | undefined;
  let cache: CodeCacheConfig = {};
  let lastLoad: CodeCacheLoad | undefined;
  const moduleOf = (m: unknown) => ((m as { default?: T }).default ?? m) as T;
  const requirable = () => canRequire(options.specifier);

  function now(): T {
    if (loaded) return loaded;
    if (!requirable()) throw new Error(options.notLoaded);
    const require = createRequire(import.meta.url);
    if (cache.dir) {
      try {
        lastLoad = requireWithCodeCache(require.resolve(options.specifier), {
          dir: cache.dir,
          writeAfterMs: cache.writeAfterMs,
          name: options.cacheName,
          take: options.take,
        });
        loaded = moduleOf(lastLoad.exports);
      } catch {
        // The package's own evaluation error is thrown again by the plain require below.
      }
    }
    loaded ??= moduleOf(require(options.specifier));
    pending ??= Promise.resolve(loaded);
    return loaded;
  }

  function load(): Promise<T> {
    if (!pending && cache.dir && requirable()) {
      try {
        pending = Promise.resolve(now());
      } catch (err) {
        pending = Promise.reject(err);
      }
    }
    pending ??= options.importer().then((m) => loaded = moduleOf(m));
    return pending;
  }

  return {
    load,
    now,
    loaded: () => loaded !== undefined,
    requirable,
    configureCodeCache: (config) => {
      cache = { ...config };
    },
    codeCacheConfig: () => ({ ...cache }),
    codeCacheLoad: () => lastLoad,
  };
}
