// Writes docs/commands.md from the command table (lib/commands/mod.ts): every operation a caller
// can ask for, with the scope, QoS class and audit action the one dispatcher enforces.
// Run: scripts/deno run --allow-write=docs scripts/commands_docs.ts
import { COMMANDS } from "../lib/commands/mod.ts";

/** The command reference as Markdown. */
export function commandsMarkdown(): string {
  const rows = Object.values(COMMANDS).map((c) => {
    const deny = c.denyAs === "forbidden" ? "403" : "404";
    return `| \`${c.name}\` | \`${c.scope}\` | ${c.qos ?? "—"} | ${
      c.audit ? `\`${c.audit}\`` : "—"
    } | ${deny} | ${c.answer === "stream" ? "stream" : "JSON"} | ${c.description} |`;
  });
  return `# Commands

Generated from \`lib/commands/mod.ts\` by \`scripts/commands_docs.ts\`; do not edit by hand.

Every operation a caller can ask for is one command. HTTP routes, WebSocket messages, pages (and
MCP tools) only decode a request into \`(command, input, caller)\` and call the one dispatcher
(\`lib/commands/dispatcher.ts\`), which runs the same steps for every surface:

1. **scope**: the caller must hold the command's scope, else 403 \`forbidden\` (audited as
   \`scope.deny\` with the command and the surface);
2. **input**: validated by the command's schema, else 400 naming the field;
3. **resolve**: the resource it touches (\`notebooks/<path>\`, \`artifacts/<path>/<cell>\`,
   \`admin/<what>\`);
4. **ACL**: deny rules, then allow rules, then the default; a denial answers 404 where existence is
   private, 403 for admin resources (column "denied"), audited as \`acl.deny\`;
5. **QoS**: an interactive or bulk slot of the caller's tenant, held while it runs;
6. **run**, then **audit** the success with the command's action. Cell executions are audited by
   the run path itself, one \`cell.execute\` event per cell with provenance and output hashes.

On the WebSocket a refusal is an \`error\` event \`{id?, code, status, message}\` with the same code
and status as over HTTP.

| command | scope | QoS | audit | denied | answer | what it does |
|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
}

if (import.meta.main) {
  await Deno.writeTextFile(new URL("../docs/commands.md", import.meta.url), commandsMarkdown());
}
