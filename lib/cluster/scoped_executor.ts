/**
 * Routing a run to a tenant's NATS subjects, without loading the NATS client: the runtime imports
 * this at start; the NATS executor itself loads only when `[cluster]` is configured.
 */
import type { Executor } from "../executor/executor.ts";
import type { DispatchScope, NatsExecutor } from "./nats_executor.ts";

/** The executor a run of `scope` uses: a NATS executor's per-tenant one, any other as is. */
export function scopedExecutor(executor: Executor, scope: DispatchScope): Executor {
  const forScope = (executor as Partial<NatsExecutor>).forScope;
  return typeof forScope === "function" ? forScope(scope) : executor;
}
