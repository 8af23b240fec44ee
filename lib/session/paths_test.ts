import assert from "node:assert/strict";
import { resolveNotebookPath } from "./paths.ts";
import { ForbiddenError, ValidationError } from "../errors.ts";

Deno.test("notebook paths - inside the root resolve, hostile ones are refused", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const outsideDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/a/b`, { recursive: true });
    assert.equal(await resolveNotebookPath(root, "a/b"), `${root}/a/b`);
    assert.equal(await resolveNotebookPath(root, "new/nb"), `${root}/new/nb`);
    assert.equal(await resolveNotebookPath(root, `${root}/a`), `${root}/a`);
    for (const bad of ["../x", "a/../../etc", "/etc/passwd", `${root}/../x`]) {
      await assert.rejects(resolveNotebookPath(root, bad), ForbiddenError, bad);
    }
    await Deno.symlink(outsideDir, `${root}/escape`);
    await assert.rejects(resolveNotebookPath(root, "escape/nb"), ForbiddenError);
    await assert.rejects(resolveNotebookPath(root, "escape"), ForbiddenError);
    await assert.rejects(resolveNotebookPath(root, ""), ValidationError);
    await assert.rejects(resolveNotebookPath(root, "a\0b"), ValidationError);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outsideDir, { recursive: true });
  }
});
