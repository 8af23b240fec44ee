/**
 * The one policy point. `dispatch(name, input, caller)` runs every command through the same
 * steps, in this order, whatever surface it came from:
 *
 * 1. scope: the caller must hold the command's scope (403, audited as `scope.deny`);
 * 2. validate the input (400 naming the field);
 * 3. resolve: find the resource the command touches (a session, a notebook path, ...);
 * 4. ACL: deny-first decision on that resource (404 where existence is private, else 403;
 *    audited as `acl.deny`);
 * 5. QoS: an interactive or bulk slot of the caller's tenant, held while the command runs;
 * 6. run the command;
 * 7. audit the success with the command's action.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher(deps, commandTable());
 * const state = await dispatcher.dispatch("cell.edit", { sid, cellId, source }, caller);
 * ```
 */
import { decide } from "../acl/acl.ts";
import { hasScope } from "../auth/scopes.ts";
import {
  ForbiddenError,
  fromSystemError,
  NotFoundError,
  StrataError,
  ValidationError,
} from "../errors.ts";
import type { AnyCommand, Caller, CommandContext } from "./command.ts";
import type { CommandDeps } from "./deps.ts";

/** The answer of a command, as its `run` resolves it. */
// deno-lint-ignore no-explicit-any -- matches any run signature
export type OutputOf<C> = C extends { run(...args: any[]): infer R } ? Awaited<R> : never;

/**
 * Runs commands by name. Input is whatever a surface decoded (the command validates it); the
 * answer is typed by the table.
 */
export interface Dispatcher<Table extends Record<string, AnyCommand> = Record<string, AnyCommand>> {
  dispatch<K extends keyof Table & string>(
    name: K,
    input: unknown,
    caller: Caller,
  ): Promise<OutputOf<Table[K]>>;
  /** The commands, for documentation and MCP tool lists. */
  readonly commands: ReadonlyMap<string, AnyCommand>;
}

/** Builds the dispatcher over a command table; each key must be its command's name. */
export function createDispatcher<Table extends Record<string, AnyCommand>>(
  deps: CommandDeps,
  table: Table,
): Dispatcher<Table> {
  const commands = new Map<string, AnyCommand>();
  for (const [key, c] of Object.entries(table)) {
    if (key !== c.name) throw new TypeError(`Command '${c.name}' is listed as '${key}'`);
    commands.set(c.name, c);
  }

  async function audit(
    caller: Caller,
    action: string,
    resource: string,
    extra: {
      details?: Record<string, unknown>;
      provenanceHash?: string | null;
      outputHash?: string | null;
    } = {},
  ): Promise<void> {
    await deps.audit?.record({
      tenantHash: caller.tenant.hash,
      actor: caller.identity.principal,
      action,
      resource,
      ...extra,
    });
  }

  async function dispatch(name: string, rawInput: unknown, caller: Caller): Promise<unknown> {
    const command = commands.get(name);
    if (!command) throw new ValidationError(`Unknown command '${name}'`);

    if (!hasScope(caller.identity.scopes, command.scope)) {
      caller.log.info("scope denied", { command: name, scope: command.scope });
      await audit(caller, "scope.deny", `commands/${name}`, {
        details: { command: name, scope: command.scope, surface: caller.surface },
      });
      throw new ForbiddenError(`Missing scope '${command.scope}'`);
    }

    const parsed = command.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length ? issue.path.join(".") : "body";
      throw new ValidationError(`Invalid ${where}: ${issue.message}`);
    }
    const input = parsed.data;
    const ctx: CommandContext = { deps, caller };

    let resolved: Awaited<ReturnType<typeof command.resolve>>;
    try {
      resolved = await command.resolve(input, ctx);
    } catch (err) {
      throw clientError(err, caller);
    }
    if (deps.acl && resolved.resource) {
      const decision = decide(deps.acl, {
        principal: caller.identity.principal,
        resource: resolved.resource,
        scope: command.scope,
        tenant: caller.tenant.id,
      });
      if (!decision.allow) {
        caller.log.info("acl denied", {
          principal: caller.identity.principal,
          command: name,
          resource: resolved.resource,
          scope: command.scope,
          rule: decision.rule,
        });
        await audit(caller, "acl.deny", resolved.resource, {
          details: {
            command: name,
            scope: command.scope,
            rule: decision.rule,
            surface: caller.surface,
          },
        });
        if (command.denyAs === "forbidden") {
          throw new ForbiddenError(`Access to '${resolved.resource}' is denied`);
        }
        throw new NotFoundError(
          command.deniedMessage?.(input) ?? `'${resolved.resource}' not found`,
        );
      }
    }

    const release = command.qos && deps.qos
      ? await deps.qos.acquire(caller.tenant.hash, command.qos, caller.signal)
      : undefined;
    let output: unknown;
    try {
      output = await command.run(resolved.target, input, ctx);
    } catch (err) {
      throw clientError(err, caller);
    } finally {
      release?.();
    }

    if (command.audit) {
      const more = command.auditWith?.(resolved.target, input, output) ?? {};
      await audit(
        caller,
        command.audit,
        more.resource ?? resolved.resource ?? `commands/${name}`,
        {
          details: {
            ...more.details,
            ...(caller.surface === "http" ? {} : { surface: caller.surface }),
          },
          provenanceHash: more.provenanceHash ?? null,
          outputHash: more.outputHash ?? null,
        },
      );
    }
    return output;
  }

  /**
   * What a caller may see of an error, the same on every surface: a full disk or an over-long
   * name becomes a clear domain error, and the server's own folders never appear in a message
   * (paths are shown relative to the notebook root).
   */
  function clientError(err: unknown, caller: Caller): unknown {
    const e = fromSystemError(err);
    if (!(e instanceof StrataError)) return e;
    const c = deps.config;
    const tenantRoot = c.multiTenantEnabled
      ? `${c.notebookStorageDir}/tenants/${caller.tenant.hash}`
      : c.notebookStorageDir;
    let message = e.message;
    for (
      const [dir, shown] of [
        [tenantRoot, "."],
        [c.notebookStorageDir, "<notebooks>"],
        [c.dataDir, "<data>"],
        ...(c.artifactDir ? [[c.artifactDir, "<artifacts>"]] : []),
      ] as const
    ) {
      message = message.replaceAll(`${dir}/`, shown === "." ? "" : `${shown}/`).replaceAll(
        dir,
        shown,
      );
    }
    e.message = message;
    return e;
  }

  return { commands, dispatch: dispatch as Dispatcher<Table>["dispatch"] };
}
