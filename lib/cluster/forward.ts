/**
 * Session ownership across replicas (issue 21 item 2, second part): a replica that receives a
 * command for a notebook another replica owns forwards it over NATS request/reply to the owner,
 * which runs it through its own dispatcher (`dispatch(name, input, caller)`, so scope, ACL, QoS
 * and audit apply there with the caller the receiving replica authenticated); session events are
 * published on a per-notebook subject every replica's clients subscribe to. Wired into the
 * dispatcher by ownership.ts.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Identity } from "../auth/caller.ts";
import type { Caller, Surface } from "../commands/command.ts";
import { ConflictError, StrataError } from "../errors.ts";
import type { Logger } from "../log.ts";

/** A command as it travels to the owner: the authenticated caller goes with it. */
export interface ForwardedCommand {
  name: string;
  input: unknown;
  caller: {
    principal: string | null;
    scopes: string[];
    source: Identity["source"];
    tenantId: string;
    tenantHash: string;
    surface: Surface;
  };
}

/** The owner's answer. */
export type ForwardedAnswer =
  | { ok: true; output: unknown }
  | { ok: false; code: string; message: string; details?: Record<string, unknown> };

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

function commandSubject(prefix: string, replica: string): string {
  if (!TOKEN.test(replica)) throw new TypeError(`replica id '${replica}' is not a subject token`);
  return `${prefix}-cmd.${replica}`;
}

/** Options for serveForwarded. */
export interface ServeForwardedOptions {
  nc: NatsConnection;
  /** @default "exec" (the `[cluster] subject_prefix`) */
  prefix?: string;
  /** This replica's id (the lease holder name). */
  replicaId: string;
  /** The replica's dispatcher. */
  dispatch(name: string, input: unknown, caller: Caller): Promise<unknown>;
  log: Logger;
}

/** Answers commands forwarded to this replica, through its dispatcher. */
export function serveForwarded(options: ServeForwardedOptions): Subscription {
  const subject = commandSubject(options.prefix ?? "exec", options.replicaId);
  const encoder = new TextEncoder();
  return options.nc.subscribe(subject, { callback: (_err, msg) => void answer(msg) });

  async function answer(msg: Msg): Promise<void> {
    let reply: ForwardedAnswer;
    try {
      const cmd = msg.json() as ForwardedCommand;
      const caller: Caller = {
        identity: {
          principal: cmd.caller.principal,
          scopes: new Set(cmd.caller.scopes),
          source: cmd.caller.source,
        },
        tenant: { id: cmd.caller.tenantId, hash: cmd.caller.tenantHash },
        log: options.log,
        surface: cmd.caller.surface,
      };
      reply = { ok: true, output: await options.dispatch(cmd.name, cmd.input, caller) };
    } catch (err) {
      reply = err instanceof StrataError
        ? {
          ok: false,
          code: err.code,
          message: err.message,
          // A refused edit carries the cell's current source and version (issue 14 item 7).
          ...(err instanceof ConflictError && err.details ? { details: err.details } : {}),
        }
        : { ok: false, code: "internal", message: "the owner replica failed to run the command" };
      if (!(err instanceof StrataError)) {
        options.log.error("forwarded command failed", { error: (err as Error).message });
      }
    }
    msg.respond(encoder.encode(JSON.stringify(reply)));
  }
}

/**
 * Sends a command to the owner replica; a gone owner is an answer, never a throw:
 * `owner_unavailable` (not delivered) or `owner_lost` (delivered, no answer in time).
 */
export async function forwardCommand(
  nc: NatsConnection,
  options: { prefix?: string; owner: string; command: ForwardedCommand; timeoutMs?: number },
): Promise<ForwardedAnswer> {
  const subject = commandSubject(options.prefix ?? "exec", options.owner);
  try {
    const reply = await nc.request(subject, JSON.stringify(options.command), {
      timeout: options.timeoutMs ?? 30_000,
    });
    return reply.json() as ForwardedAnswer;
  } catch (err) {
    // No responders: the command never reached the owner (safe to send again elsewhere). A
    // timeout: it may have run there before the owner went away.
    const e = err as Error & { cause?: Error };
    const timedOut = e.name === "TimeoutError" || e.cause?.name === "TimeoutError";
    return {
      ok: false,
      code: timedOut ? "owner_lost" : "owner_unavailable",
      message: `Replica '${options.owner}' that owns this notebook did not answer ` +
        `(${e.message}); retry: its lease moves to another replica when it expires`,
    };
  }
}

/** Publishes a session event for every replica's clients of the notebook `key`. */
export function publishEvent(
  nc: NatsConnection,
  prefix: string,
  key: string,
  event: unknown,
): void {
  nc.publish(`${prefix}-events.${key}`, JSON.stringify(event));
}

/** Receives the session events of notebook `key`, whichever replica owns it. */
export function subscribeEvents(
  nc: NatsConnection,
  prefix: string,
  key: string,
  onEvent: (event: unknown) => void,
): Subscription {
  return nc.subscribe(`${prefix}-events.${key}`, {
    callback: (_err, msg) => {
      try {
        onEvent(msg.json());
      } catch { /* not JSON: ignored */ }
    },
  });
}
