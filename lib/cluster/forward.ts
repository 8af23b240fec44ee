/**
 * Session ownership across replicas (issue 21 item 2, second part): a replica that receives a
 * command for a notebook another replica owns forwards it over NATS request/reply to the owner,
 * which runs it through its own dispatcher (`dispatch(name, input, caller)`, so scope, ACL, QoS
 * and audit apply there with the caller the receiving replica authenticated); session events are
 * published on a per-notebook subject every replica's clients subscribe to. Wired into the
 * dispatcher by ownership.ts.
 */
import {
  createInbox,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
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
  /**
   * An inbox the owner publishes to (and flushes) as soon as it takes the command, before it
   * runs it: without that word a silent owner never got the command, so it is safe to send again.
   */
  ackTo?: string;
}

/** The owner's answer. */
export type ForwardedAnswer =
  | { ok: true; output: unknown }
  | { ok: false; code: string; message: string; details?: Record<string, unknown> };

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** What createInbox() makes: an acknowledgement is never published anywhere else. */
const INBOX = /^_INBOX\.[A-Za-z0-9]{1,64}$/;

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
      if (typeof cmd.ackTo === "string" && INBOX.test(cmd.ackTo)) {
        options.nc.publish(cmd.ackTo);
        await options.nc.flush(); // the sender knows before anything can have been applied
      }
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
 * `owner_unavailable` (it never took the command: safe to send again) or `owner_lost` (it took
 * the command and did not answer in time: it may have run it). `accepted` is called when the
 * owner says it took the command, so that a caller that stops waiting earlier (its lease moved)
 * can tell the two apart with lostAnswer.
 */
export async function forwardCommand(
  nc: NatsConnection,
  options: {
    prefix?: string;
    owner: string;
    command: ForwardedCommand;
    timeoutMs?: number;
    accepted?: () => void;
  },
): Promise<ForwardedAnswer> {
  const subject = commandSubject(options.prefix ?? "exec", options.owner);
  const ackTo = createInbox();
  let accepted = false;
  const ack = nc.subscribe(ackTo, {
    max: 1,
    callback: () => {
      accepted = true;
      options.accepted?.();
    },
  });
  try {
    const reply = await nc.request(subject, JSON.stringify({ ...options.command, ackTo }), {
      timeout: options.timeoutMs ?? 30_000,
    });
    return reply.json() as ForwardedAnswer;
  } catch (err) {
    // No responders, or no word from the owner: the command never reached it (safe to send
    // again elsewhere). A timeout after it took the command: it may have run there.
    const e = err as Error & { cause?: Error };
    return lostAnswer(options.owner, accepted, e.message);
  } finally {
    ack.unsubscribe();
  }
}

/** The answer for an owner that went silent, by whether it had taken the command. */
export function lostAnswer(owner: string, accepted: boolean, why: string): ForwardedAnswer {
  return accepted
    ? {
      ok: false,
      code: "owner_lost",
      message: `replica '${owner}' lost this notebook while running the command (${why})`,
    }
    : {
      ok: false,
      code: "owner_unavailable",
      message: `Replica '${owner}' that owns this notebook did not take the command (${why}); ` +
        "retry: its lease moves to another replica when it expires",
    };
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
