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
\`AZURE_STORAGE_ACCOUNT\` + \`AZURE_STORAGE_KEY\` (Azure Blob Storage), \`INFISICAL_CLIENT_ID\`, \`INFISICAL_CLIENT_SECRET\`,
\`INFISICAL_TOKEN\`, \`INFISICAL_HOST\` (secret manager; never from notebooks), and the token
variables named by \`[[workers]] token_env\` (must start with \`STRATA_\`, since the
permission-scoped server may read only the variables listed in \`lib/launcher/permissions.ts\`).
`;
}

if (import.meta.main) {
  await Deno.writeTextFile(
    new URL("../docs/configuration.md", import.meta.url),
    configurationMarkdown(),
  );
}
