import assert from "node:assert/strict";
import { assertNotebookPlace, resolveNotebookPath } from "./paths.ts";
import { ConflictError, ForbiddenError, ValidationError } from "../errors.ts";

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

Deno.test("notebook paths - no notebook at the root, inside another or around another", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${root}/team/sales/cells`, { recursive: true });
    await Deno.writeTextFile(`${root}/team/sales/notebook.toml`, "");
    await assert.rejects(assertNotebookPlace(root, root), ValidationError, "root");
    await assert.rejects(
      assertNotebookPlace(root, `${root}/team/sales/sub`),
      /inside notebook 'team\/sales'/,
    );
    await assert.rejects(
      assertNotebookPlace(root, `${root}/team`),
      /contains notebook 'team\/sales'/,
    );
    await assert.rejects(assertNotebookPlace(root, `${root}/team/sales`), ConflictError);
    await assertNotebookPlace(root, `${root}/team/marketing`);
    await assertNotebookPlace(root, `${root}/other/deep/nb`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
