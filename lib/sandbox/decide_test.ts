import assert from "node:assert/strict";
import { type Ceiling, decide, hostMatches, needsApproval } from "./decide.ts";
import { type Grant, grantText, requestedGrants } from "./grants.ts";
import { emptyPermissions } from "../notebook/annotations.ts";

const NB = "/srv/strata/notebooks/tenants/aa/sales";

function ceiling(over: Partial<Ceiling> = {}): Ceiling {
  return {
    mode: "service",
    notebookDir: NB,
    notebookEnv: ["API_URL"],
    read: ["/srv/shared"],
    write: ["/srv/exchange"],
    net: ["api.example.com", "*.data.example.com:443"],
    env: ["PG*"],
    import: ["registry.npmjs.org", "*.mirror.example.com"],
    protectedPaths: ["/srv/strata", "/srv/strata/notebooks", "/srv/artifacts"],
    listen: { host: "10.0.0.5", port: 8765 },
    defaultImports: ["registry.npmjs.org"],
    ...over,
  };
}

function ask(allow: Partial<Record<keyof ReturnType<typeof emptyPermissions>, string[]>>) {
  return requestedGrants({ ...emptyPermissions(), ...allow }, NB);
}

// [what the cell asks, refused grant texts (in order), the setting named for the first refusal]
const cases: [string, ReturnType<typeof ask>, string[], string | null][] = [
  ["nothing asked, nothing refused", ask({}), [], null],
  ["reading inside the notebook folder", ask({ read: ["data", "./x/../y"] }), [], null],
  ["writing inside the notebook folder", ask({ write: ["out"] }), [], null],
  ["read=/ covers the data dir", ask({ read: ["/"] }), ["read=/"], null],
  ["bare @allow read is the whole file system", ask({ read: ["*"] }), ["read"], null],
  ["write=/ is refused", ask({ write: ["/"] }), ["write=/"], null],
  ["another tenant's folder, named as written", ask({ read: ["../../bb/sales"] }), [
    "read=../../bb/sales",
  ], null],
  ["the data dir itself", ask({ read: ["/srv/strata"] }), ["read=/srv/strata"], null],
  ["a folder above the data dir", ask({ read: ["/srv"] }), ["read=/srv"], null],
  ["the artifact dir", ask({ read: ["/srv/artifacts/x"] }), ["read=/srv/artifacts/x"], null],
  ["a policy read folder", ask({ read: ["/srv/shared/2024"] }), [], null],
  ["a policy write folder is readable too", ask({ read: ["/srv/exchange"] }), [], null],
  ["a read outside policy", ask({ read: ["/etc"] }), ["read=/etc"], '[sandbox] read = ["/etc"]'],
  ["a write in a read-only policy folder", ask({ write: ["/srv/shared"] }), [
    "write=/srv/shared",
  ], '[sandbox] write = ["/srv/shared"]'],
  ["run", ask({ run: ["*"] }), ["run"], null],
  ["run=curl", ask({ run: ["curl"] }), ["run=curl"], null],
  ["sys", ask({ sys: ["osRelease"] }), ["sys=osRelease"], null],
  ["ffi", ask({ ffi: ["*"] }), ["ffi"], null],
  ["all env", ask({ env: ["*"] }), ["env"], null],
  ["a notebook env key", ask({ env: ["API_URL"] }), [], null],
  ["a policy env glob", ask({ env: ["PGHOST"] }), [], null],
  ["an env key outside policy", ask({ env: ["HOME"] }), ["env=HOME"], '[sandbox] env = ["HOME"]'],
  ["net for every host", ask({ net: ["*"] }), ["net"], null],
  ["a policy host", ask({ net: ["api.example.com", "API.example.com:443"] }), [], null],
  ["a policy glob with its port", ask({ net: ["eu.data.example.com:443"] }), [], null],
  ["a policy glob without the port asks for every port", ask({ net: ["eu.data.example.com"] }), [
    "net=eu.data.example.com",
  ], '[sandbox] net = ["eu.data.example.com"]'],
  ["loopback by name", ask({ net: ["localhost:8765"] }), ["net=localhost:8765"], null],
  ["loopback by address", ask({ net: ["127.0.0.1:8765"] }), ["net=127.0.0.1:8765"], null],
  ["loopback spelled as a number", ask({ net: ["2130706433"] }), ["net=2130706433"], null],
  ["loopback in hex", ask({ net: ["0x7f.1:80"] }), ["net=0x7f.1:80"], null],
  ["IPv6 loopback", ask({ net: ["[::1]:8765"] }), ["net=[::1]:8765"], null],
  [
    "v4-mapped IPv6 loopback",
    ask({ net: ["[::ffff:127.0.0.1]"] }),
    ["net=[::ffff:127.0.0.1]"],
    null,
  ],
  ["the unspecified address", ask({ net: ["0.0.0.0:8765"] }), ["net=0.0.0.0:8765"], null],
  ["the server's listen address", ask({ net: ["10.0.0.5:8765"] }), ["net=10.0.0.5:8765"], null],
  ["a remote import host outside policy", ask({ import: ["esm.sh"] }), [
    "import=esm.sh",
  ], '[sandbox] import = ["esm.sh"]'],
  ["an import host matching a policy glob", ask({ import: ["eu.mirror.example.com"] }), [], null],
];

for (const [name, requested, refused, setting] of cases) {
  Deno.test(`sandbox decide - service mode: ${name}`, () => {
    const d = decide(requested, ceiling());
    assert.deepEqual(d.refused.map((r) => r.grant), refused);
    assert.equal(d.effective.length + d.refused.length, requested.length);
    if (refused.length > 0) {
      assert.equal(d.refused[0].setting, setting);
      assert.match(d.refused[0].message, new RegExp(`^@allow ${escape(refused[0])} refused: `));
      assert.match(
        d.refused[0].message,
        setting ? /an operator can allow it with \[sandbox\]/ : /never granted/,
      );
    }
  });
}

Deno.test("sandbox decide - personal mode: everything is within the ceiling", () => {
  const req = ask({ read: ["/"], run: ["*"], net: ["127.0.0.1:8765"], env: ["*"], ffi: ["*"] });
  const d = decide(req, ceiling({ mode: "personal" }));
  assert.equal(d.refused.length, 0);
  assert.equal(d.effective.length, req.length);
});

Deno.test("sandbox decide - personal mode: grants beyond the defaults wait for approval", () => {
  const c = ceiling({ mode: "personal", defaultImports: ["jsr.io"] });
  const req = ask({
    read: ["data", "/etc/hosts"],
    env: ["API_URL", "OTHER"],
    import: ["jsr.io", "esm.sh"],
    net: ["api.example.com"],
  });
  const waiting = (approved: string[]) =>
    needsApproval(decide(req, c).effective, c, new Set(approved)).map(grantText);
  assert.deepEqual(waiting([]), [
    "read=/etc/hosts",
    "net=api.example.com",
    "env=OTHER",
    "import=esm.sh",
  ]);
  assert.deepEqual(waiting(["net=api.example.com", "read=/etc/hosts"]), [
    "env=OTHER",
    "import=esm.sh",
  ]);
  assert.deepEqual(needsApproval(req, ceiling(), new Set()), [], "service mode has no approvals");
});

Deno.test("sandbox decide - host patterns: globs, ports, case", () => {
  const t: [string, string, boolean][] = [
    ["api.example.com", "api.example.com:8443", true],
    ["api.example.com:443", "api.example.com", false],
    ["*.example.com", "a.example.com", true],
    ["*.example.com", "example.com", false],
    ["*.example.com", "a.example.com.evil.org", false],
    ["API.example.com", "api.EXAMPLE.com", true],
  ];
  for (const [p, r, want] of t) assert.equal(hostMatches(p, r), want, `${p} vs ${r}`);
});

Deno.test("sandbox grants - relative paths resolve against the notebook, texts are canonical", () => {
  const g: Grant[] = requestedGrants(
    { ...emptyPermissions(), read: ["data/"], net: ["A.com"], run: ["*"] },
    "/nb",
  );
  assert.deepEqual(g.map(grantText), ["read=/nb/data", "net=a.com", "run"]);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
