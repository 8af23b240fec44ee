// Writes docs/configuration.md from lib/config/schema.ts (the one source of truth for keys).
// Run: scripts/deno run --allow-write=docs scripts/config_docs.ts
import { FIELDS } from "../lib/config/schema.ts";

/** The configuration reference as Markdown. */
export function configurationMarkdown(): string {
  const rows = Object.entries(FIELDS).map(([key, spec]) => {
    const doc = spec.doc.replace(/@default\s+(.*)$/, "").trim();
    const def = /@default\s+(.*)$/.exec(spec.doc)?.[1] ?? "";
    const env = `STRATA_${key.toUpperCase()}`;
    return `| \`${key}\` | \`${env}\` | ${spec.kind}${
      "secret" in spec && spec.secret ? " (secret)" : ""
    } | ${def ? `\`${def}\`` : ""} | ${doc} |`;
  });
  return `# Configuration

Generated from \`lib/config/schema.ts\` by \`scripts/config_docs.ts\`; do not edit by hand.

Sources, lowest first: defaults < \`strata.toml\` in the working folder (or the file named by
\`STRATA_CONFIG\`) < \`STRATA_*\` environment variables. Booleans accept true/false, 1/0, yes/no,
on/off (\`"false"\` and \`"0"\` are false). Lists accept a comma-separated string. Tables
(\`acl_config\`, \`transforms\`) are TOML tables in the file or JSON in the environment. A bad
value names the key, the value and its source; unknown keys in the file are errors (with a
suggestion), unknown \`STRATA_*\` variables are warnings. Secrets are never printed.

| key | environment | type | default | meaning |
|---|---|---|---|---|
${rows.join("\n")}

Variables read besides these: \`HOME\`, \`STRATA_CONFIG\`, \`PG*\` (PostgreSQL client),
\`AWS_*\` (S3 credentials and region), \`AZURE_STORAGE_CONNECTION_STRING\` or
\`AZURE_STORAGE_ACCOUNT\` + \`AZURE_STORAGE_KEY\` (Azure Blob Storage),
\`GOOGLE_APPLICATION_CREDENTIALS\` (path of a service-account JSON key, Google Cloud Storage), \`INFISICAL_CLIENT_ID\`, \`INFISICAL_CLIENT_SECRET\`,
\`INFISICAL_TOKEN\`, \`INFISICAL_HOST\` (secret manager; never from notebooks), and the token
variables named by \`[[workers]] token_env\` (\`STRATA_*_TOKEN\`, since the permission-scoped
server may read only the variables listed in \`lib/launcher/permissions.ts\`). Only the config
loader reads them (\`lib/config/credentials.ts\`); every other module receives typed values.
Cell processes start with \`HOME\`, \`DENO_DIR\`, \`XDG_CACHE_HOME\`, \`PATH\`, \`TZ\`,
\`NO_COLOR\` and the \`cell_env_passthrough\` names, where set (\`lib/config/cell_env.ts\`).

## \`[sandbox]\`: what cells may be granted

A cell's \`// @allow\` line is a request; the server decides (\`lib/sandbox/decide.ts\`). In service
mode a cell may read and write its notebook folder and its scratch folder, plus what this table
allows; a request beyond it is a cell diagnostic naming the refused grant and the setting below
that would allow it, and the cell does not run. \`run\`, \`ffi\`, \`sys\`, every env key at once,
loopback, the server's listen address and the data, artifact and notebook-root folders are never
granted, whatever the table says.

\`\`\`toml
[sandbox]
net = ["api.example.com", "*.warehouse.example.com:443"] # hosts cells may ask for (globs, port)
env = ["AWS_REGION", "PG*"]          # env keys cells may ask for (beyond the notebook's own)
read = ["/srv/shared-data"]          # absolute folders cells may ask to read
write = ["/srv/exchange"]            # absolute folders cells may ask to write (and read)
import = ["registry.npmjs.org"]      # exact hosts: every cell may import from them; globs: asked for

[[sandbox.rules]]                    # adds lists for the tenants and principals it matches
tenant = "analytics"                 # tenant id glob, default "*"
principal = "etl-*"                  # principal glob, default "*"
net = ["db.internal.example.com:5432"]
\`\`\`

Imports: without \`import\` no cell loads remote modules in service mode; \`npm:\` packages then come
only from the module cache (\`--cached-only\`) unless \`registry.npmjs.org\` is listed. Personal
mode allows \`registry.npmjs.org\`, \`jsr.io\` and \`deno.land\` unless \`import\` is set; there every
other grant is within the ceiling but waits for the owner's approval once
(\`POST /v1/notebooks/{sid}/approve-grants\`, kept in the notebook's \`.strata/approvals.json\`).
`;
}

if (import.meta.main) {
  await Deno.writeTextFile(
    new URL("../docs/configuration.md", import.meta.url),
    configurationMarkdown(),
  );
}
