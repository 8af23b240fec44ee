// What the test suite needs from the machine (nginx, Chromium, PostgreSQL), checked before any
// test runs: installed or started when this process may (root with apt-get), otherwise named in
// one line with the command that gets it. Used by tests/run_all.ts (`deno task test`, .ci/run).
import { openPostgres } from "../lib/db/postgres.ts";
import { DEFAULT_TEST_PG_URL } from "../lib/db/testing.ts";

/** What the machine has, as probed. */
export interface Probe {
  root: boolean;
  aptGet: boolean;
  nginx: boolean;
  chromium: boolean;
  /** nats-server is installed (the NATS tests start their own nodes from it; issue 21). */
  natsServer?: boolean;
  /** pg_ctlcluster (Debian's postgresql-common) is installed: a local cluster can be started. */
  pgCluster: boolean;
  /** pg_virtualenv is installed: a throwaway trust-auth cluster can wrap the run. */
  pgVirtualenv: boolean;
  /** The test database URL answered `SELECT 1`. */
  pgAnswers: boolean;
  env: {
    STRATA_TEST_PG_URL?: string;
    STRATA_TEST_SKIP_PG?: string;
    STRATA_TEST_SKIP_NGINX?: string;
    STRATA_TEST_SKIP_BROWSER?: string;
    STRATA_TEST_SKIP_NATS?: string;
  };
}

/** What to do before running the tests. */
export interface Plan {
  /** Debian packages to install (root only). */
  install: string[];
  /** Start the local PostgreSQL clusters (pg_ctlcluster) when the server does not answer. */
  startPg: boolean;
  /** Run the tests inside pg_virtualenv when the default server still does not answer. */
  virtualenvFallback: boolean;
  /** Needs that cannot be met here: what and how to get it. Non-empty means "do not run". */
  missing: string[];
}

const SKIP_HINT = "or skip knowingly with";

/** Decides from a probe; pure, so it is table-tested. */
export function planPreflight(p: Probe): Plan {
  const canInstall = p.root && p.aptGet;
  const plan: Plan = { install: [], startPg: false, virtualenvFallback: false, missing: [] };
  const need = (pkg: string, what: string, skipVar: string) => {
    if (canInstall) plan.install.push(pkg);
    else plan.missing.push(`${what} (apt-get install ${pkg}, ${SKIP_HINT} ${skipVar}=1)`);
  };
  if (!p.nginx && p.env.STRATA_TEST_SKIP_NGINX !== "1") {
    need("nginx-light", "nginx", "STRATA_TEST_SKIP_NGINX");
  }
  if (!p.chromium && p.env.STRATA_TEST_SKIP_BROWSER !== "1") {
    need("chromium", "Chromium at /usr/bin/chromium", "STRATA_TEST_SKIP_BROWSER");
  }
  if (p.natsServer === false && p.env.STRATA_TEST_SKIP_NATS !== "1") {
    need(
      "nats-server",
      "nats-server (the NATS tests start their own nodes)",
      "STRATA_TEST_SKIP_NATS",
    );
  }
  if (!p.pgAnswers && p.env.STRATA_TEST_SKIP_PG !== "1") {
    if (p.env.STRATA_TEST_PG_URL) {
      plan.missing.push(
        `PostgreSQL at STRATA_TEST_PG_URL does not answer (start it, fix the URL, ${SKIP_HINT} ` +
          "STRATA_TEST_SKIP_PG=1)",
      );
    } else if (p.pgCluster && p.root) {
      plan.startPg = true;
      plan.virtualenvFallback = p.pgVirtualenv;
    } else if (canInstall) {
      plan.install.push("postgresql");
      plan.startPg = true;
      plan.virtualenvFallback = true;
    } else if (p.pgVirtualenv) {
      plan.virtualenvFallback = true;
    } else {
      plan.missing.push(
        "PostgreSQL at 127.0.0.1:5432 with trust auth for user postgres (apt-get install " +
          `postgresql, or set STRATA_TEST_PG_URL, ${SKIP_HINT} STRATA_TEST_SKIP_PG=1)`,
      );
    }
  }
  return plan;
}

/** One line naming everything missing (empty string when nothing is). */
export function missingLine(plan: Plan): string {
  if (plan.missing.length === 0) return "";
  return `tests need: ${plan.missing.join("; ")}. Run as root to have them installed.`;
}

/** Probes this machine. */
export async function probe(env: Probe["env"]): Promise<Probe> {
  return {
    root: Deno.uid() === 0,
    aptGet: onPath("apt-get"),
    nginx: onPath("nginx") || exists("/usr/sbin/nginx"),
    chromium: exists("/usr/bin/chromium"),
    natsServer: onPath("nats-server") || exists("/usr/sbin/nats-server"),
    pgCluster: onPath("pg_ctlcluster"),
    pgVirtualenv: onPath("pg_virtualenv"),
    pgAnswers: await pgAnswers(env.STRATA_TEST_PG_URL || DEFAULT_TEST_PG_URL),
    env,
  };
}

/** Whether the PostgreSQL at `url` answers a query within a few seconds. */
export async function pgAnswers(url: string): Promise<boolean> {
  const db = openPostgres(url, { max: 1, connectTimeoutSeconds: 3 });
  try {
    await db.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await db.close().catch(() => {});
  }
}

/** Carries out the installs and starts of a plan, printing one line per action. */
export async function applyPlan(plan: Plan, log: (line: string) => void): Promise<void> {
  if (plan.install.length > 0) {
    log(`test setup: apt-get install ${plan.install.join(" ")}`);
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    await run(["apt-get", "update", "-qq"], env);
    const ok = await run(["apt-get", "install", "-y", "-qq", ...plan.install], env);
    if (!ok) log(`test setup: apt-get install ${plan.install.join(" ")} failed`);
  }
  if (plan.startPg && !(await pgAnswers(DEFAULT_TEST_PG_URL))) {
    log("test setup: starting the local PostgreSQL clusters (pg_ctlcluster)");
    let versions: string[] = [];
    try {
      versions = [...Deno.readDirSync("/etc/postgresql")].map((e) => e.name);
    } catch { /* no clusters */ }
    for (const v of versions) {
      await run(["pg_ctlcluster", "--skip-systemctl-redirect", v, "main", "start"]);
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): boolean {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => d && exists(`${d}/${name}`));
}

async function run(cmd: string[], env: Record<string, string> = {}): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      env,
      stdout: "null",
      stderr: "inherit",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}
