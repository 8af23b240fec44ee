import assert from "node:assert/strict";
import { missingLine, planPreflight, type Probe } from "./_preflight.ts";

const everything: Probe = {
  root: false,
  aptGet: true,
  nginx: true,
  chromium: true,
  pgCluster: true,
  pgVirtualenv: true,
  pgAnswers: true,
  env: {},
};

Deno.test("preflight - a complete machine needs nothing", () => {
  assert.deepEqual(planPreflight(everything), {
    install: [],
    startPg: false,
    virtualenvFallback: false,
    missing: [],
  });
});

Deno.test("preflight - root with apt-get installs what is missing and starts PostgreSQL", () => {
  const plan = planPreflight({
    ...everything,
    root: true,
    nginx: false,
    chromium: false,
    pgCluster: false,
    pgVirtualenv: false,
    pgAnswers: false,
  });
  assert.deepEqual(plan.install, ["nginx-light", "chromium", "postgresql"]);
  assert.equal(plan.startPg, true);
  assert.deepEqual(plan.missing, []);
});

Deno.test("preflight - without root, one line names each missing piece and how to get it", () => {
  const plan = planPreflight({
    ...everything,
    nginx: false,
    pgAnswers: false,
    pgCluster: false,
    pgVirtualenv: false,
  });
  assert.deepEqual(plan.install, []);
  const line = missingLine(plan);
  assert.equal(line.split("\n").length, 1);
  assert.match(
    line,
    /^tests need: nginx \(apt-get install nginx-light, or skip knowingly with STRATA_TEST_SKIP_NGINX=1\); /,
  );
  assert.match(
    line,
    /PostgreSQL at 127\.0\.0\.1:5432 .*apt-get install postgresql.*STRATA_TEST_SKIP_PG=1/,
  );
  assert.doesNotMatch(line, /Chromium/);
});

Deno.test("preflight - skip variables and an explicit STRATA_TEST_PG_URL are respected", () => {
  const skipped = planPreflight({
    ...everything,
    nginx: false,
    chromium: false,
    pgAnswers: false,
    env: { STRATA_TEST_SKIP_NGINX: "1", STRATA_TEST_SKIP_BROWSER: "1", STRATA_TEST_SKIP_PG: "1" },
  });
  assert.deepEqual(skipped, {
    install: [],
    startPg: false,
    virtualenvFallback: false,
    missing: [],
  });
  const explicit = planPreflight({
    ...everything,
    root: true,
    pgAnswers: false,
    env: { STRATA_TEST_PG_URL: "postgres://x@db.internal/postgres" },
  });
  assert.equal(explicit.startPg, false);
  assert.match(missingLine(explicit), /STRATA_TEST_PG_URL does not answer/);
});

Deno.test("preflight - nats-server is installed as root, named otherwise", () => {
  assert.deepEqual(planPreflight({ ...everything, root: true, natsServer: false }).install, [
    "nats-server",
  ]);
  const plan = planPreflight({ ...everything, natsServer: false });
  assert.equal(plan.missing.length, 1);
  assert.match(plan.missing[0], /apt-get install nats-server/);
  assert.deepEqual(
    planPreflight({ ...everything, natsServer: false, env: { STRATA_TEST_SKIP_NATS: "1" } })
      .missing,
    [],
  );
});
