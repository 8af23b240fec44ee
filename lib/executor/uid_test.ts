import assert from "node:assert/strict";
import { createExecutor } from "./executor.ts";
import type { CellJob } from "./types.ts";
import { canRunAsNobody, NOBODY } from "./_test_cell_user.ts";

async function readServerEnviron(runAs?: { uid: number; gid: number }) {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "strata-uid-" }));
  await Deno.chmod(dir, 0o755); // the cell user must reach its scratch folder and the notebook
  await Deno.mkdir(`${dir}/nb`, { mode: 0o755 });
  const ex = createExecutor({ scratchRoot: dir, runAs, childEnv: {} });
  const job: CellJob = {
    cellId: "spy",
    // Deno itself refuses /proc/<pid>/environ without --allow-all, but a granted subprocess is
    // only stopped by the OS.
    source: `const out = new Deno.Command("/usr/bin/cat", { args: ["/proc/${Deno.pid}/environ"] })
  .outputSync();
\`\${out.code} \${out.stdout.length} \${new TextDecoder().decode(out.stderr).trim()}\``,
    inputs: [],
    outputs: [],
    // As if the policy allowed running cat: the OS must still refuse the server's environ.
    permissions: { notebookDir: `${dir}/nb`, run: ["/usr/bin/cat"] },
    timeoutMs: 30_000,
  };
  try {
    const uid = await ex.run({
      ...job,
      source: "Deno.uid()",
      permissions: { ...job.permissions, sys: ["uid"] },
    });
    // A large input travels as a file the server writes into the cell's scratch folder.
    const big = await ex.run({
      ...job,
      source: "big.length",
      inputs: [{ name: "big", codec: "bytes", bytes: new Uint8Array(6 << 20) }],
    });
    return { result: await ex.run(job), uid: uid.displays[0]?.data, big };
  } finally {
    await ex.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "uid drop - a cell allowed to run cat cannot read the server's environment",
  ignore: !canRunAsNobody,
  async fn() {
    const dropped = await readServerEnviron(NOBODY);
    assert.equal(dropped.uid, "65534", "the cell runs as the unprivileged user");
    assert.deepEqual(dropped.big.displays, [{ type: "text", data: String(6 << 20) }]);
    assert.equal(dropped.result.status, "ok", dropped.result.error?.message);
    const [code, bytes, ...err] = String(dropped.result.displays[0]?.data).split(" ");
    assert.notEqual(code, "0");
    assert.equal(bytes, "0", "not one byte of the server's environment");
    assert.match(err.join(" "), /Permission denied/);
    // Without the drop the same cell reads it: the uid is what protects the server.
    const same = await readServerEnviron(undefined);
    assert.match(String(same.result.displays[0]?.data), /^0 [1-9]\d* $/);
  },
});

if (!canRunAsNobody) {
  console.warn(
    "uid_test: not root, or the Deno binary is out of nobody's reach: the uid-drop test is skipped",
  );
}
