/**
 * The start-up banner: what runs where, where the data lives, what to do next and anything the
 * operator should fix. Text logs get a framed block written at once (tests and scripts wait for
 * its "Strata is ready" line); JSON logs get one record with the same facts.
 */
import type { Logger } from "./log.ts";

/** What the banner reports. */
export interface BannerFacts {
  mode: "personal" | "service";
  /** The URL the server answers on (bound address). */
  url: string;
  /** Database kind and location (password masked). */
  database: { kind: "sqlite" | "postgres"; location: string };
  notebooks: string;
  /** Folder or `s3://bucket/prefix`. */
  artifacts: string;
  /** Where migrations stand after start. */
  migrations: {
    applied: string[];
    pending: string[];
    current: string | null;
    autoMigrate: boolean;
  };
  /** Problems worth fixing (coherence warnings, pending migrations). */
  warnings: string[];
  /** Time from process start to listening. */
  readyMs: number;
  version: string;
}

/** Options for printBanner. */
export interface BannerOptions {
  format: "text" | "json";
  log: Logger;
  /** Writes the text block. @default one write to stderr */
  write?: (text: string) => void;
}

const RULE = "=".repeat(64);

/** Prints the banner: a framed block for text logs, one "Strata is ready" record for JSON. */
export function printBanner(facts: BannerFacts, options: BannerOptions): void {
  const warnings = [...facts.warnings, ...migrationWarnings(facts)];
  if (options.format === "json") {
    options.log.info("Strata is ready", {
      mode: facts.mode,
      url: facts.url,
      database: `${facts.database.kind}:${facts.database.location}`,
      notebooks: facts.notebooks,
      artifacts: facts.artifacts,
      migrations: migrationLine(facts),
      warnings,
      ready_ms: facts.readyMs,
      version: facts.version,
    });
    return;
  }
  const write = options.write ??
    ((text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text)));
  write(bannerText(facts, warnings));
}

/** The text block (exported for tests). */
export function bannerText(facts: BannerFacts, warnings: string[] = facts.warnings): string {
  const lines = [
    "",
    RULE,
    `  Strata is ready (${facts.mode} mode, v${facts.version}, ${facts.readyMs} ms)`,
    RULE,
    `  URL:         ${facts.url}`,
    `  Notebooks:   ${facts.notebooks}`,
    `  Artifacts:   ${facts.artifacts}`,
    `  Database:    ${facts.database.location} (${
      facts.database.kind === "sqlite" ? "SQLite" : "PostgreSQL"
    })`,
    `  Migrations:  ${migrationLine(facts)}`,
    "",
    "  Next steps:",
    ...nextSteps(facts).map((s) => `    - ${s}`),
  ];
  if (warnings.length > 0) {
    lines.push("", "  Warnings:", ...warnings.map((w) => `    ! ${w}`));
  }
  lines.push(RULE, "");
  return lines.join("\n");
}

function migrationLine(f: BannerFacts): string {
  const m = f.migrations;
  if (m.pending.length > 0) {
    return `${m.pending.length} pending (at ${m.current ?? "none"}; auto_migrate is off)`;
  }
  return m.applied.length > 0
    ? `applied ${m.applied.join(", ")}`
    : `up to date (${m.current ?? "none"})`;
}

function migrationWarnings(f: BannerFacts): string[] {
  if (f.migrations.pending.length === 0) return [];
  return [
    `the database is not at the newest migration (${f.migrations.pending.join(", ")} pending): ` +
    "run `scripts/deno task strata migrate`; /ready answers 503 until then",
  ];
}

function nextSteps(f: BannerFacts): string[] {
  if (f.mode === "personal") {
    return [
      `open ${f.url} in a browser and create a notebook`,
      "or from a shell: scripts/deno task strata new ./demo, then strata run ./demo",
      "agents: the HTTP API is in docs/api.md; probes: /health (liveness), /ready (readiness)",
    ];
  }
  return [
    "send users through your authenticating proxy: it must add the proxy token header and",
    "  the identity headers (docs/security.md); direct requests without the token get 401",
    `readiness for your load balancer or Kubernetes: ${f.url}/ready (503 until every check passes)`,
  ];
}
