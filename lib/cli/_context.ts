/**
 * What a CLI command runs with once it is inside its permission-scoped process: the config, the
 * same services the server builds (same database, blobs and cache), the default tenant, and
 * helpers to open the notebook folder the user named.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Config } from "../config/resolve.ts";
import { checkCoherence } from "../config/coherence.ts";
import { ConfigError } from "../config/load.ts";
import { readConfig } from "../config/read.ts";
import { NotFoundError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { createServices, type Services } from "../services.ts";
import type { NotebookSession } from "../session/notebook_session.ts";
import { tenantNotebookRoot } from "../session/tenant_root.ts";
import { DEFAULT_TENANT_ID, tenantHash } from "../tenancy/tenant_id.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";

/** A command's environment inside the scoped process. */
export interface CommandContext {
  config: Config;
  env: Record<string, string | undefined>;
  log: Logger;
  /** Opens the services on first use (storage, migrations, blobs, executor, sessions, audit). */
  services(): Promise<Services>;
  tenant(): Promise<Tenant>;
  /** Opens the notebook in `dir` (absolute) through the session registry. */
  openNotebook(dir: string): Promise<NotebookSession>;
  /** Where the notebook in `dir` appears in audit resources: relative to the notebook root when inside it. */
  notebookPath(dir: string): Promise<string>;
  /** Reads all of stdin as text. */
  readStdin(): Promise<string>;
  close(): Promise<void>;
}

/** Loads config and checks coherence; prints why and returns null when it cannot be used. */
export function loadCliConfig(env: Record<string, string | undefined>): Config | null {
  try {
    const loaded = readConfig(env);
    const { conflicts } = checkCoherence(loaded.config);
    if (conflicts.length > 0) {
      console.error(
        `strata: the configuration is incoherent.\n${conflicts.map((c) => `  - ${c}`).join("\n")}`,
      );
      return null;
    }
    return loaded.config;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`strata: ${err.message}`);
      return null;
    }
    throw err;
  }
}

/**
 * The absolute form of a user's folder argument, relative to where they invoked the CLI:
 * INIT_CWD (set by `deno task`, whose own cwd is the project folder) or the process cwd.
 * Symlinks in the existing part are resolved, so permissions name the real folder.
 */
export function absoluteDir(env: Record<string, string | undefined>, dir: string): string {
  const abs = isAbsolute(dir) ? resolve(dir) : resolve(env.INIT_CWD || Deno.cwd(), dir);
  const rest: string[] = [];
  let head = abs;
  while (head !== "/") {
    try {
      return join(Deno.realPathSync(head), ...rest.reverse());
    } catch {
      rest.push(head.slice(head.lastIndexOf("/") + 1));
      head = resolve(head, "..");
    }
  }
  return abs;
}

/** Builds the context of a command; nothing is opened until a command asks. */
export function commandContext(
  config: Config,
  env: Record<string, string | undefined>,
): CommandContext {
  // Logs go to stderr and only warnings by default: stdout carries the command's answer.
  const level = config.sources.log_level ? config.logLevel : "warn";
  const log = createLogger({ level, format: config.logFormat }, { component: "cli" });
  let services: Promise<Services> | undefined;
  let tenant: Promise<Tenant> | undefined;
  const ctx: CommandContext = {
    config,
    env,
    log,
    services: () => services ??= createServices({ config, log }),
    tenant: () =>
      tenant ??= tenantHash(DEFAULT_TENANT_ID).then((hash) => ({ id: DEFAULT_TENANT_ID, hash })),
    async notebookPath(dir) {
      const root = await tenantNotebookRoot(config, await ctx.tenant());
      const rel = relative(await Deno.realPath(root), dir);
      return rel === "" ? "." : rel.startsWith("..") || rel.startsWith("/") ? dir : rel;
    },
    async openNotebook(dir) {
      try {
        await Deno.stat(join(dir, "notebook.toml"));
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) {
          throw new NotFoundError(
            `No notebook in '${dir}' (no notebook.toml): create one with 'strata new ${dir}'`,
          );
        }
        throw err;
      }
      const s = await ctx.services();
      return await s.sessions.open(await ctx.tenant(), dir, await ctx.notebookPath(dir));
    },
    async readStdin() {
      if (Deno.stdin.isTerminal()) return "";
      return await new Response(Deno.stdin.readable).text();
    },
    async close() {
      if (services) await (await services).close();
    },
  };
  return ctx;
}
