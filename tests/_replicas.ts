// deno-lint-ignore-file no-explicit-any -- JSON answers of the API under test
// Test helper (issue 21 item 2): several real server replicas sharing one NATS server, one
// PostgreSQL database, one notebook folder and one artifact folder, in service mode behind a
// trusted proxy token.
import postgres from "postgres";
import { Kvm } from "@nats-io/kv";
import { connectNats } from "../lib/cluster/jetstream.ts";
import { startNats } from "../lib/cluster/_test_nats.ts";
import { DEFAULT_TEST_PG_URL } from "../lib/db/testing.ts";
import { startServer, type TestServer } from "./_server.ts";

export const PROXY_TOKEN = "replicas-owner-test-token-0123";
export const ALL = "notebook:read notebook:write notebook:execute";

/** Headers the trusted proxy injects for `principal`. */
export function who(principal: string, scopes = ALL, tenant = "acme"): Record<string, string> {
  return {
    "X-Strata-Proxy-Token": PROXY_TOKEN,
    "X-Strata-Principal": principal,
    "X-Strata-Scopes": scopes,
    "X-Tenant-ID": tenant,
  };
}

/** A replica with its id. */
export interface Replica extends TestServer {
  id: string;
}

/** The running cluster. */
export interface Cluster {
  replicas: Replica[];
  natsUrl: string;
  sql: postgres.Sql;
  /** The shared sid map's entry of session `sid` (what any replica re-opens it from). */
  sidEntry(sid: string): Promise<Record<string, unknown> | undefined>;
  /** The replica id holding the lease of session `sid`, or undefined. */
  holder(sid: string): Promise<string | undefined>;
  /** SIGKILLs the replica's server process (and its launcher): no clean-up runs. */
  kill(r: Replica): Promise<void>;
  /** SIGSTOPs the replica's server process: its connections stay open, it answers nothing. */
  freeze(r: Replica): void;
  logs(): string;
}

/** The replica's permission-scoped server: the launcher's children. */
function serverPids(r: Replica): number[] {
  const launcher = r.pid();
  return Deno.readTextFileSync(`/proc/${launcher}/task/${launcher}/children`)
    .trim().split(/\s+/).filter(Boolean).map(Number);
}

/** A notebook made through `r` with one cell of `source`: its session and cell ids. */
export async function notebookWithCell(
  r: Replica,
  name: string,
  source: string,
  headers: Record<string, string>,
): Promise<{ sid: string; cell: string }> {
  const made = await r.api("POST", "/v1/notebooks/create", { name }, headers);
  if (made.status !== 201) throw new Error(`create: ${JSON.stringify(made.body)}`);
  const sid = made.body.sessionId;
  const added = await r.api("POST", `/v1/notebooks/${sid}/cells`, { source }, headers);
  if (added.status !== 201) throw new Error(`add a cell: ${JSON.stringify(added.body)}`);
  return { sid, cell: added.body.cellId };
}

/** Starts `n` replicas; `fn` runs with them; everything is removed afterwards. */
export async function withReplicas(
  n: number,
  extra: Record<string, string>,
  fn: (c: Cluster) => Promise<void>,
  cluster: Record<string, unknown> = {},
): Promise<void> {
  const adminUrl = Deno.env.get("STRATA_TEST_PG_URL") || DEFAULT_TEST_PG_URL;
  const dbName = `strata_owner_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const sql = postgres(url.href, { max: 2, onnotice: () => {} });
  const nats = await startNats();
  const nc = await connectNats({ servers: nats.urls, name: "owner-test" });
  const notebooks = await Deno.makeTempDir({ prefix: "strata-owner-nb-" });
  const artifacts = await Deno.makeTempDir({ prefix: "strata-owner-art-" });
  const replicas: Replica[] = [];
  const dead = new Set<Replica>();
  try {
    for (let i = 0; i < n; i++) {
      const id = `replica-${"abcdefgh"[i]}`;
      const s = await startServer({
        STRATA_DEPLOYMENT_MODE: "service",
        STRATA_AUTH_MODE: "trusted_proxy",
        STRATA_PROXY_TOKEN: PROXY_TOKEN,
        STRATA_AUDIT_HMAC_KEY: "k".repeat(40),
        STRATA_DATABASE_URL: url.href,
        STRATA_NOTEBOOK_STORAGE_DIR: notebooks,
        STRATA_ARTIFACT_DIR: artifacts,
        STRATA_CLUSTER: JSON.stringify({ nats_url: nats.urls[0], replica_id: id, ...cluster }),
        ...extra,
      });
      replicas.push(Object.assign(s, { id }));
    }
    const leases = await new Kvm(nc).open("strata_leases");
    const sessions = await new Kvm(nc).open("strata_sessions");
    await fn({
      replicas,
      natsUrl: nats.urls[0],
      sql,
      async sidEntry(sid) {
        const e = await sessions.get(sid);
        return e && e.operation === "PUT" ? e.json() : undefined;
      },
      async holder(sid) {
        const e = await leases.get(sid);
        return e && e.operation === "PUT" ? e.string() : undefined;
      },
      async kill(r) {
        for (const pid of serverPids(r)) Deno.kill(pid, "SIGKILL");
        Deno.kill(r.pid(), "SIGKILL");
        dead.add(r);
        await r.stop().catch(() => {}); // reaps it (already gone)
      },
      freeze(r) {
        for (const pid of serverPids(r)) Deno.kill(pid, "SIGSTOP");
      },
      logs: () => replicas.map((r) => `--- ${r.id} (${r.port}) ---\n${r.logs()}`).join("\n"),
    });
  } finally {
    for (const r of replicas) await r.close().catch(() => {});
    await nc.close();
    await nats.stop();
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await Deno.remove(notebooks, { recursive: true }).catch(() => {});
    await Deno.remove(artifacts, { recursive: true }).catch(() => {});
  }
}

/** Audit rows of an action (the shared database). */
export async function auditRows(
  sql: postgres.Sql,
  action: string,
): Promise<{ actor: string | null; resource: string; details_json: string }[]> {
  return await sql.unsafe(
    "SELECT actor, resource, details_json FROM audit_events WHERE action = $1 ORDER BY seq",
    [action],
  ) as any;
}
