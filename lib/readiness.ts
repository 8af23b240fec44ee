/**
 * Readiness: a registry of named checks other modules add to; /ready runs them all, each
 * bounded in time, and answers in the documented shape:
 *
 * ```json
 * {"status": "ready", "checks": {"db": {"status": "ok", "latency_ms": 1.21},
 *   "migrations": {"status": "ok", "current": "0003_jobs", "head": "0003_jobs"},
 *   "retention_task": {"status": "ok"}}}
 * ```
 *
 * A failed check has `"status": "error"` and a short `reason`; one slow check fails with reason
 * `timeout` while the others still answer, so a probe with a 1-2 s timeout always gets a reply.
 */

/** Extra facts a check shows beside its status (latency, migration versions, last run). */
export type CheckFields = Record<string, string | number | boolean | null>;

/** What a check function returns. */
export interface CheckResult {
  ok: boolean;
  /** Short reason; shown only when the check failed. */
  reason?: string;
  /** Extra fields shown in the check's entry, e.g. `{ current, head }`. */
  fields?: CheckFields;
}

/** A readiness check; may throw (failed, the error message as reason). */
export type ReadinessCheck = () => Promise<CheckResult> | CheckResult;

/** One check's entry in the /ready answer. */
export type CheckReport = { status: "ok" | "error"; reason?: string } & CheckFields;

/** The /ready answer. */
export interface ReadinessReport {
  status: "ready" | "not_ready";
  checks: Record<string, CheckReport>;
}

/** A registry of readiness checks. */
export interface Readiness {
  add(name: string, check: ReadinessCheck): void;
  run(): Promise<ReadinessReport>;
}

/** Options for createReadiness. */
export interface ReadinessOptions {
  /**
   * Time each check gets; a check still running after it fails with reason "timeout". Kept
   * well under a Kubernetes probe's usual 1-2 s timeout. @default 500
   */
  timeoutMs?: number;
}

const CHECK_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_REASON = 200;

/** Creates an empty readiness registry. */
export function createReadiness(options: ReadinessOptions = {}): Readiness {
  const timeoutMs = options.timeoutMs ?? 500;
  if (!(timeoutMs > 0)) {
    throw new RangeError(`Readiness timeoutMs must be positive, got ${timeoutMs}`);
  }
  const checks = new Map<string, ReadinessCheck>();

  async function runOne(check: ReadinessCheck): Promise<CheckReport> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: "timeout" }), timeoutMs);
    });
    let result: CheckResult;
    try {
      result = await Promise.race([Promise.resolve().then(check), timeout]);
    } catch (err) {
      result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
    return toReport(result);
  }

  return {
    add(name, check) {
      if (!CHECK_NAME.test(name)) {
        throw new TypeError(`Readiness check name '${name}' must be lower_snake_case`);
      }
      if (checks.has(name)) throw new TypeError(`Readiness check '${name}' is already registered`);
      checks.set(name, check);
    },
    async run() {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]) => [name, await runOne(check)] as const),
      );
      return {
        status: entries.every(([, r]) => r.status === "ok") ? "ready" : "not_ready",
        checks: Object.fromEntries(entries),
      };
    },
  };
}

function toReport(result: CheckResult): CheckReport {
  const fields = { ...result.fields };
  delete fields.status;
  delete fields.reason;
  if (result.ok) return { status: "ok", ...fields };
  const reason = (result.reason ?? "failed").trim() || "failed";
  return {
    status: "error",
    ...fields,
    reason: reason.length > MAX_REASON ? reason.slice(0, MAX_REASON - 1) + "…" : reason,
  };
}

/** Milliseconds since `start` (a performance.now() value), rounded to two decimals. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
