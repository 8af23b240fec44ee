// Audit keys through the real CLI (issue 13 item 7): `strata audit verify` after a key rotation,
// with and without the retired key configured, and on rows signed with the public development key
// once the same database is served in service mode.
import assert from "node:assert/strict";
import { runStrata } from "./_cli.ts";

const KEY_1 = "first-audit-key-".padEnd(48, "1");
const KEY_2 = "second-audit-key-".padEnd(48, "2");

async function strata(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = await runStrata(dir, args, { env });
  return { code: r.code, text: r.stdout + r.stderr };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "strata-audit-keys-" });
  await Deno.mkdir(`${dir}/work`);
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Creates a notebook and runs it: audited rows signed with whatever key `env` configures. */
async function auditedWork(dir: string, env: Record<string, string>, name: string) {
  let r = await strata(dir, ["new", name], env);
  assert.equal(r.code, 0, r.text);
  r = await strata(dir, ["cell", "add", name, "--source", "1 + 1"], env);
  assert.equal(r.code, 0, r.text);
  r = await strata(dir, ["run", name], env);
  assert.equal(r.code, 0, r.text);
}

Deno.test("audit keys - after a rotation old rows verify with STRATA_AUDIT_RETIRED_KEYS and fail clearly without it", async () => {
  await withDir(async (dir) => {
    await auditedWork(dir, { STRATA_AUDIT_HMAC_KEY: KEY_1 }, "before");
    await auditedWork(dir, { STRATA_AUDIT_HMAC_KEY: KEY_2 }, "after");
    const without = await strata(dir, ["audit", "verify"], { STRATA_AUDIT_HMAC_KEY: KEY_2 });
    assert.equal(without.code, 1, without.text);
    assert.match(
      without.text,
      /audit log BROKEN at tenant \w+ seq 1: unknown hmac key id '[0-9a-f]{8}': if the audit key was rotated, configure the old key in STRATA_AUDIT_RETIRED_KEYS/,
    );
    const withRetired = await strata(dir, ["audit", "verify"], {
      STRATA_AUDIT_HMAC_KEY: KEY_2,
      STRATA_AUDIT_RETIRED_KEYS: KEY_1,
    });
    assert.equal(withRetired.code, 0, withRetired.text);
    assert.match(withRetired.text, /audit log intact: \d+ rows in 1 chain/);
    assert.ok(!withRetired.text.includes(KEY_1) && !without.text.includes(KEY_2));
  });
});

Deno.test("audit keys - rows signed with the public development key verify in personal mode only", async () => {
  await withDir(async (dir) => {
    await auditedWork(dir, {}, "dev-signed");
    const personal = await strata(dir, ["audit", "verify"]);
    assert.equal(personal.code, 0, personal.text);
    const service = {
      STRATA_DEPLOYMENT_MODE: "service",
      STRATA_AUTH_MODE: "trusted_proxy",
      STRATA_PROXY_TOKEN: "audit-keys-proxy-token-0123",
      STRATA_ARTIFACT_DIR: `${dir}/artifacts`,
      STRATA_AUDIT_HMAC_KEY: KEY_1,
    };
    const refused = await strata(dir, ["audit", "verify"], service);
    assert.equal(refused.code, 1, refused.text);
    assert.match(
      refused.text,
      /seq 1: signed with the public development key \(id 'dev'\), which verifies only in personal mode/,
    );
  });
});
