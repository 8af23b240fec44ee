import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import {
  buildPermissionFlags,
  childKey,
  NO_IMPORT_HOST,
  permissionKey,
  type PermissionSpec,
} from "./permissions.ts";

const ctx = { scratchDir: "/scratch/job1" };
const NO_IMPORT = `--allow-import=${NO_IMPORT_HOST}`;

const cases: { name: string; spec: PermissionSpec; flags: string[] }[] = [
  {
    name: "nothing granted: read notebook + scratch, write scratch only",
    spec: { notebookDir: "/nb" },
    flags: [
      NO_IMPORT,
      "--allow-read=/nb,/scratch/job1",
      "--allow-write=/scratch/job1",
      "--cached-only",
    ],
  },
  {
    name: "extra read paths resolve against the notebook and sort",
    spec: { notebookDir: "/nb/", read: ["data", "/etc/hosts", "./data/../data"] },
    flags: [
      NO_IMPORT,
      "--allow-read=/etc/hosts,/nb,/nb/data,/scratch/job1",
      "--allow-write=/scratch/job1",
      "--cached-only",
    ],
  },
  {
    name: "net and env lists are sorted and de-duplicated",
    spec: { notebookDir: "/nb", net: ["b.com", "a.com:443", "b.com"], env: ["ZED", "API_URL"] },
    flags: [
      "--allow-env=API_URL,ZED",
      NO_IMPORT,
      "--allow-net=a.com:443,b.com",
      "--allow-read=/nb,/scratch/job1",
      "--allow-write=/scratch/job1",
      "--cached-only",
    ],
  },
  {
    name: "true or '*' grants everything of that kind",
    spec: { notebookDir: "/nb", net: true, env: ["*"] },
    flags: [
      "--allow-env",
      NO_IMPORT,
      "--allow-net",
      "--allow-read=/nb,/scratch/job1",
      "--allow-write=/scratch/job1",
      "--cached-only",
    ],
  },
  {
    name: "run, sys, ffi, import and write only when granted",
    spec: {
      notebookDir: "/nb",
      run: ["sleep"],
      sys: ["osRelease"],
      ffi: [],
      import: ["esm.sh"],
      write: ["out"],
    },
    flags: [
      "--allow-import=esm.sh",
      "--allow-read=/nb,/scratch/job1",
      "--allow-run=sleep",
      "--allow-sys=osRelease",
      "--allow-write=/nb/out,/scratch/job1",
      "--cached-only",
    ],
  },
  {
    name: "the npm registry as an import host lets npm: packages download (no --cached-only)",
    spec: { notebookDir: "/nb", import: ["registry.npmjs.org", "jsr.io"] },
    flags: [
      "--allow-import=jsr.io,registry.npmjs.org",
      "--allow-read=/nb,/scratch/job1",
      "--allow-write=/scratch/job1",
    ],
  },
];

for (const c of cases) {
  Deno.test(`permissions - ${c.name}`, () => {
    assert.deepEqual(buildPermissionFlags(c.spec, ctx), c.flags);
  });
}

Deno.test("permissions - never grants -A or unlisted kinds", () => {
  const flags = buildPermissionFlags({ notebookDir: "/nb", net: ["x.org"] }, ctx).join(" ");
  for (const bad of ["--allow-all", "-A", "--allow-run", "--allow-ffi", "--allow-sys"]) {
    assert.ok(!flags.includes(bad), bad);
  }
});

Deno.test("permissions - key is order-insensitive and portable across notebook folders", () => {
  const a = permissionKey({ notebookDir: "/a/nb", read: ["data", "/etc/x"], net: ["b", "a"] });
  const b = permissionKey({ notebookDir: "/b/nb", read: ["/etc/x", "./data/"], net: ["a", "b"] });
  assert.equal(a, b);
  assert.equal(a, "read=./data,/etc/x;write=;net=a,b;env=;sys=;run=;ffi=;import=");
  assert.notEqual(
    permissionKey({ notebookDir: "/nb", net: ["a"] }),
    permissionKey({ notebookDir: "/nb" }),
  );
});

Deno.test("permissions - child key tells notebook folders apart", () => {
  assert.notEqual(childKey({ notebookDir: "/a" }), childKey({ notebookDir: "/b" }));
  assert.equal(
    childKey({ notebookDir: "/a", env: ["X", "Y"] }),
    childKey({ notebookDir: "/a/", env: ["Y", "X"] }),
  );
});

Deno.test("permissions - rejects values that would break or widen a flag", () => {
  const bad: PermissionSpec[] = [
    { notebookDir: "relative/nb" },
    { notebookDir: "/nb", read: ["/a,/"] },
    { notebookDir: "/nb", net: ["a.com,evil.com"] },
    { notebookDir: "/nb", env: ["A B"] },
  ];
  for (const spec of bad) {
    assert.throws(() => buildPermissionFlags(spec, ctx), ValidationError, JSON.stringify(spec));
  }
});
