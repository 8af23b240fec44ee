/**
 * Tracing with OpenTelemetry's wire format, without its SDK: spans are batched and sent as
 * OTLP/HTTP JSON to `<endpoint>/v1/traces`. Off unless `tracing_enabled`; then one span per HTTP
 * request and one per cell run.
 *
 * What a span may carry is fixed by SpanAttributes: ids, hashes, routes, statuses, flags and
 * durations. There is no free-form attribute, so cell sources, values, console output and secrets
 * cannot reach a trace by accident; unknown keys are dropped at run time as well.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "../log.ts";

/** The only attributes a span can have. */
export interface SpanAttributes {
  "http.request.method"?: string;
  /** The route pattern (`/v1/notebooks/:sid/cells/:cid/execute`), never the raw path. */
  "http.route"?: string;
  "http.response.status_code"?: number;
  "strata.tenant_hash"?: string;
  "strata.notebook_id"?: string;
  "strata.cell_id"?: string;
  "strata.cache_hit"?: boolean;
  /** ready | error */
  "strata.status"?: string;
  "strata.duration_ms"?: number;
}

const ALLOWED = new Set<string>([
  "http.request.method",
  "http.route",
  "http.response.status_code",
  "strata.tenant_hash",
  "strata.notebook_id",
  "strata.cell_id",
  "strata.cache_hit",
  "strata.status",
  "strata.duration_ms",
]);

/** Span kinds used here (OTLP numbering). */
export const SPAN_KIND = { internal: 1, server: 2 } as const;

/** A span in progress. */
export interface Span {
  readonly traceId: string;
  readonly spanId: string;
  set(attributes: SpanAttributes): void;
  /** Renames the span (a request span learns its route pattern after routing). */
  setName(name: string): void;
  /** Ends the span (once); `error` marks its status as failed. */
  end(options?: { error?: boolean; endMs?: number }): void;
}

/** Options for startSpan. */
export interface StartSpanOptions {
  kind?: number;
  attributes?: SpanAttributes;
  /** Parent; defaults to the span active in this async context (see withSpan). */
  parent?: { traceId: string; spanId: string } | null;
  /** Start time, epoch ms. @default now */
  startMs?: number;
}

/** Creates spans and exports them. */
export interface Tracer {
  startSpan(name: string, options?: StartSpanOptions): Span;
  /** Runs `fn` with `span` as the parent of spans started inside it. */
  withSpan<T>(span: Span, fn: () => T): T;
  /** The span active in this async context, if any. */
  active(): Span | undefined;
  /** Sends what is buffered now. Never throws. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

/** Options for createOtlpTracer. */
export interface OtlpTracerOptions {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (spans go to `/v1/traces`). */
  endpoint: string;
  serviceName: string;
  serviceVersion?: string;
  log?: Logger;
  /** Sends a batch when this many spans are buffered. @default 256 */
  maxBatch?: number;
  /** Sends buffered spans at least this often. @default 2000 */
  flushIntervalMs?: number;
  /** Spans kept while the collector is unreachable; older ones are dropped. @default 4096 */
  maxQueue?: number;
  fetch?: typeof fetch;
  /** Epoch ms clock. @default Date.now */
  now?: () => number;
}

interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: SpanAttributes;
  error: boolean;
}

/** A tracer exporting OTLP/HTTP JSON; see the module comment. */
export function createOtlpTracer(options: OtlpTracerOptions): Tracer {
  const url = new URL(
    "v1/traces",
    options.endpoint.endsWith("/") ? options.endpoint : options.endpoint + "/",
  );
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const maxBatch = options.maxBatch ?? 256;
  const maxQueue = options.maxQueue ?? 4096;
  const context = new AsyncLocalStorage<Span>();
  let queue: FinishedSpan[] = [];
  let sending: Promise<void> = Promise.resolve();
  let warned = false;
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 2000);
  Deno.unrefTimer(timer);

  function enqueue(span: FinishedSpan): void {
    queue.push(span);
    if (queue.length > maxQueue) queue.splice(0, queue.length - maxQueue);
    if (queue.length >= maxBatch) void flush();
  }

  function flush(): Promise<void> {
    sending = sending.then(async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        try {
          const res = await doFetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(payload(batch, options)),
          });
          await res.body?.cancel();
          if (!res.ok) throw new Error(`collector answered ${res.status}`);
          queue = queue.slice(batch.length);
          warned = false;
        } catch (err) {
          if (!warned) {
            options.log?.warn("tracing: cannot send spans; keeping them for the next try", {
              endpoint: url.href,
              error: (err as Error).message,
            });
            warned = true;
          }
          return;
        }
      }
    });
    return sending;
  }

  return {
    startSpan(name, o = {}) {
      const parent = o.parent === undefined ? context.getStore() : o.parent;
      const traceId = parent?.traceId ?? randomHex(16);
      const spanId = randomHex(8);
      const startMs = o.startMs ?? now();
      const attributes: SpanAttributes = {};
      let ended = false;
      let spanName = name;
      const span: Span = {
        traceId,
        spanId,
        set(more) {
          for (const [k, v] of Object.entries(more)) {
            if (ALLOWED.has(k) && v !== undefined) (attributes as Record<string, unknown>)[k] = v;
          }
        },
        setName(next) {
          spanName = next;
        },
        end(e = {}) {
          if (ended) return;
          ended = true;
          enqueue({
            traceId,
            spanId,
            parentSpanId: parent?.spanId,
            name: spanName,
            kind: o.kind ?? SPAN_KIND.internal,
            startMs,
            endMs: e.endMs ?? now(),
            attributes,
            error: e.error ?? false,
          });
        },
      };
      if (o.attributes) span.set(o.attributes);
      return span;
    },
    withSpan: (span, fn) => context.run(span, fn),
    active: () => context.getStore(),
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

/** Parses a W3C `traceparent` header into a parent, or null when absent or malformed. */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; spanId: string } | null {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(value?.trim() ?? "");
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return null;
  return { traceId: m[1], spanId: m[2] };
}

function payload(spans: FinishedSpan[], o: OtlpTracerOptions) {
  return {
    resourceSpans: [{
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: o.serviceName } },
          ...(o.serviceVersion
            ? [{ key: "service.version", value: { stringValue: o.serviceVersion } }]
            : []),
        ],
      },
      scopeSpans: [{
        scope: { name: "strata" },
        spans: spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: nanos(s.startMs),
          endTimeUnixNano: nanos(s.endMs),
          attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: anyValue(v) })),
          status: { code: s.error ? 2 : 1 },
        })),
      }],
    }],
  };
}

function anyValue(v: unknown) {
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") {
    return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  }
  return { stringValue: String(v) };
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
