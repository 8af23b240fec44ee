// Documentation that is generated must match its source.
import assert from "node:assert/strict";
import { configurationMarkdown } from "../scripts/config_docs.ts";

Deno.test("docs - configuration.md is generated from the current schema", async () => {
  const onDisk = await Deno.readTextFile(new URL("../docs/configuration.md", import.meta.url));
  assert.equal(
    onDisk,
    configurationMarkdown(),
    "docs/configuration.md is stale: run scripts/deno run --allow-write=docs scripts/config_docs.ts",
  );
});

Deno.test("docs - commands.md is generated from the current command table", async () => {
  const { commandsMarkdown } = await import("../scripts/commands_docs.ts");
  const onDisk = await Deno.readTextFile(new URL("../docs/commands.md", import.meta.url));
  assert.equal(
    onDisk,
    commandsMarkdown(),
    "docs/commands.md is stale: run scripts/deno run --allow-write=docs scripts/commands_docs.ts",
  );
});
