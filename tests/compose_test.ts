// The compose files, checked without Docker (none runs on the build machines): their shape, the
// ports and identities the comments promise, and that every file and command they name exists.
import assert from "node:assert/strict";
import { parse } from "yaml";

const root = new URL("..", import.meta.url);
// deno-lint-ignore no-explicit-any -- compose documents are untyped YAML
type Doc = any;

async function load(name: string): Promise<{ doc: Doc; text: string }> {
  const text = await Deno.readTextFile(new URL(name, root));
  return { doc: parse(text, { merge: true }), text };
}

function published(service: Doc): string[] {
  return (service.ports ?? []).map(String);
}

Deno.test("compose - `docker compose up` is personal mode on 127.0.0.1:8765 with a data volume", async () => {
  const { doc, text } = await load("docker-compose.yml");
  assert.deepEqual(Object.keys(doc.services), ["strata"]);
  const strata = doc.services.strata;
  assert.equal(strata.build, ".");
  assert.deepEqual(published(strata), ["127.0.0.1:8765:8765"]);
  assert.deepEqual(strata.volumes, ["strata-data:/data"]);
  assert.ok("strata-data" in doc.volumes);
  // Personal is the default mode: nothing here may switch it or bind it publicly.
  const env = JSON.stringify(strata.environment ?? {});
  assert.doesNotMatch(env, /DEPLOYMENT_MODE|AUTH_MODE/);
  assert.match(text, /^# +docker compose up --build/m);
  // The image listens where the port mapping points and keeps its data in /data.
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", root));
  assert.match(dockerfile, /STRATA_PORT=8765/);
  assert.match(dockerfile, /STRATA_DATA_DIR=\/data/);
  assert.match(dockerfile, /VOLUME \["\/data"\]/);
});

Deno.test("compose - the service demo: nginx alone publishes 8865 (demo-user) and 8866 (demo-admin) on loopback", async () => {
  const { doc, text } = await load("docker-compose.service.yml");
  const s = doc.services;
  assert.deepEqual(Object.keys(s).sort(), [
    "minio",
    "minio-bucket",
    "nginx",
    "postgres",
    "strata",
    "worker",
  ]);
  for (const [name, service] of Object.entries<Doc>(s)) {
    if (name !== "nginx") assert.deepEqual(published(service), [], `${name} publishes nothing`);
    for (
      const dep of Object.keys(service.depends_on ?? {}).concat(
        Array.isArray(service.depends_on) ? service.depends_on : [],
      )
    ) {
      if (/^\d+$/.test(dep)) continue;
      assert.ok(dep in s, `${name} depends on a defined service '${dep}'`);
    }
    for (const v of service.volumes ?? []) {
      const source = String(v).split(":")[0];
      if (source.startsWith("./")) await Deno.stat(new URL(source, root)); // file exists
      else assert.ok(source in doc.volumes, `${name}: volume '${source}' is declared`);
    }
  }
  const nginx = s.nginx;
  assert.deepEqual(published(nginx), ["127.0.0.1:8865:8865", "127.0.0.1:8866:8866"]);
  assert.equal(nginx.environment.USER_PORT, "8865");
  assert.equal(nginx.environment.ADMIN_PORT, "8866");
  assert.equal(nginx.environment.UPSTREAM, "strata:8765");
  assert.equal(nginx.environment.STRATA_PROXY_TOKEN, "${STRATA_PROXY_TOKEN}");

  const env = s.strata.environment;
  assert.equal(env.STRATA_DEPLOYMENT_MODE, "service");
  assert.equal(env.STRATA_AUTH_MODE, "trusted_proxy");
  assert.match(env.STRATA_PROXY_TOKEN, /^\$\{STRATA_PROXY_TOKEN:\?/);
  assert.match(env.STRATA_AUDIT_HMAC_KEY, /^\$\{STRATA_AUDIT_HMAC_KEY:\?/);
  assert.equal(new URL(env.STRATA_DATABASE_URL).hostname, "postgres");
  assert.equal(env.STRATA_ARTIFACT_BLOB_BACKEND, "s3");
  assert.equal(new URL(env.STRATA_S3_ENDPOINT).hostname, "minio");
  assert.match(s["minio-bucket"].command[0], new RegExp(`mc mb .*local/${env.STRATA_S3_BUCKET}$`));
  assert.equal(env.STRATA_OUTBOUND_HOSTS, "worker:8790");
  assert.deepEqual(s.worker.command.slice(0, 5), ["worker", "--host", "0.0.0.0", "--port", "8790"]);
  assert.match(text, /url = "http:\/\/worker:8790"/);

  // The identities the comment promises are the ones the template injects on those ports.
  const template = await Deno.readTextFile(new URL("deploy/nginx/strata-demo.conf", root));
  assert.match(template, /listen 127\.0\.0\.1:@USER_PORT@;[^}]*X-Strata-Principal "demo-user"/s);
  assert.match(template, /listen 127\.0\.0\.1:@ADMIN_PORT@;[^}]*X-Strata-Principal "demo-admin"/s);
  assert.match(text, /^# +docker compose -f docker-compose\.service\.yml up --build$/m);
  // Each curl in the comment targets a demo port; tests/nginx_proxy_test.ts runs these requests
  // through the same template (create 201 as demo-user, tenants 200 as demo-admin, 403 as demo-user).
  const curls = text.split("\n").filter((l) => /^# +curl /.test(l));
  assert.equal(curls.length, 3);
  for (const c of curls) assert.match(c, /127\.0\.0\.1:886[56]\/v1\//);
  assert.doesNotMatch(text, /discover/, "discover is personal-mode only (403 in service mode)");
});

Deno.test("compose - the nginx entrypoint defaults to the demo ports", async () => {
  const sh = await Deno.readTextFile(new URL("deploy/docker/nginx-entrypoint.sh", root));
  assert.match(sh, /USER_PORT:-8865/);
  assert.match(sh, /ADMIN_PORT:-8866/);
});
