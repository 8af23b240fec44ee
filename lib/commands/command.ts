/**
 * What a command is: one operation a caller can ask for, with the scope it needs, the ACL
 * resource it touches, its QoS class and its audit action. Every surface (HTTP, WebSocket, MCP,
 * app mode) decodes a request into `(name, input, caller)` and hands it to the one dispatcher
 * (`dispatcher.ts`), which enforces all four; the command's own code only does the work.
 */
import type { z } from "zod";
import type { Scope } from "../auth/scopes.ts";
import type { Identity } from "../auth/caller.ts";
import type { Logger } from "../log.ts";
import type { Tenant } from "../tenancy/tenant_id.ts";
import type { WorkClass } from "../tenancy/qos.ts";
import type { CommandDeps } from "./deps.ts";

/** The surface a command arrived on; recorded with denials so a reader can tell them apart. */
export type Surface = "http" | "ws" | "mcp" | "app" | "page" | "cli";

/** Who asks, for which tenant, over which surface. */
export interface Caller {
  identity: Identity;
  tenant: Tenant;
  log: Logger;
  surface: Surface;
  /** Aborted when the caller goes away (HTTP request closed, socket closed). */
  signal?: AbortSignal;
}

/** What a command's code receives besides its input. */
export interface CommandContext {
  deps: CommandDeps;
  caller: Caller;
}

/**
 * The resource a command touches, resolved from its input before the ACL is asked.
 * `resource` absent: the command touches nothing an ACL rule names (e.g. listing).
 */
export interface Resolved<T> {
  resource?: string;
  /** Whatever `run` needs that resolving found (a session, an absolute path, ...). */
  target: T;
}

/** An audit event as a command describes it; the dispatcher adds who, tenant and time. */
export interface CommandAudit {
  details?: Record<string, unknown>;
  /** Defaults to the resolved resource. */
  resource?: string;
  provenanceHash?: string;
  outputHash?: string;
}

/** One named command. `I` is the validated input, `T` the resolved target, `O` the answer. */
export interface Command<I, T, O> {
  name: string;
  /** One line for docs and MCP tool lists. */
  description: string;
  /** The scope the caller must hold. */
  scope: Scope;
  /** Validates and normalizes the input; a failure is a 400 naming the field. */
  input: z.ZodType<I>;
  /** Execution slot class, or null for commands that run no cells. */
  qos: WorkClass | null;
  /** Audit action written when the command succeeds, or null (reads; runs audit per cell). */
  audit: string | null;
  /**
   * A denied resource answers 404 (its existence is private) unless this is "forbidden" (403),
   * as for admin resources, whose existence is public.
   */
  denyAs?: "not_found" | "forbidden";
  /**
   * "json" (default): the answer is plain JSON data any surface can send as is. "stream": the
   * answer holds live objects (event hubs, blob records) only streaming surfaces can use.
   */
  answer?: "json" | "stream";
  /** The 404 message of a denial, when it must read like this command's own "not found". */
  deniedMessage?(input: I): string;
  /** Finds what the command acts on (after the scope check, before the ACL). */
  resolve(input: I, ctx: CommandContext): Promise<Resolved<T>> | Resolved<T>;
  /** Does the work (after ACL and QoS). */
  run(target: T, input: I, ctx: CommandContext): Promise<O> | O;
  /** Details for the success audit event (key names, counts; never values or secrets). */
  auditWith?(target: T, input: I, output: O): CommandAudit;
}

/** A command of any types, as the table holds it. */
// deno-lint-ignore no-explicit-any -- the table is heterogeneous; each entry is typed where defined
export type AnyCommand = Command<any, any, any>;

/** Declares a command; only gives `I`, `T`, `O` their inference site. */
export function defineCommand<I, T, O>(command: Command<I, T, O>): Command<I, T, O> {
  return command;
}
