/** Readiness: a registry of named checks other modules add to; /ready runs them all. */

/** One check's outcome. */
export interface CheckResult {
  ok: boolean;
  /** Short reason or detail, e.g. "3 ms" or "migration 0002 pending". */
  detail?: string;
}

/** A readiness check; may throw (counted as failed with the error message). */
export type ReadinessCheck = () => Promise<CheckResult> | CheckResult;

/** The combined answer of every check. */
export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, CheckResult & { ms: number }>;
}

/** A registry of readiness checks. */
export interface Readiness {
  add(name: string, check: ReadinessCheck): void;
  run(): Promise<ReadinessReport>;
}

/** Creates an empty readiness registry; each check is given `timeoutMs` to answer. */
export function createReadiness(options: { timeoutMs?: number } = {}): Readiness {
  const timeoutMs = options.timeoutMs ?? 2000;
  const checks = new Map<string, ReadinessCheck>();

  async function runOne(check: ReadinessCheck): Promise<CheckResult & { ms: number }> {
    const start = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<CheckResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
      });
      const result = await Promise.race([Promise.resolve().then(check), timeout]);
      return { ...result, ms: Math.round((performance.now() - start) * 10) / 10 };
    } catch (err) {
      return {
        ok: false,
        detail: (err as Error).message,
        ms: Math.round(performance.now() - start),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    add(name, check) {
      if (checks.has(name)) throw new TypeError(`Readiness check '${name}' is already registered`);
      checks.set(name, check);
    },
    async run() {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]) => [name, await runOne(check)] as const),
      );
      const out: ReadinessReport["checks"] = Object.fromEntries(entries);
      return { ok: entries.every(([, r]) => r.ok), checks: out };
    },
  };
}
