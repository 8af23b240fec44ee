import assert from "node:assert/strict";
import { scrub } from "./_scrub.ts";

Deno.test("scrub - removes every known value, longest first", () => {
  const out = scrub("token abcd-1234 and abcd-1234-extra", ["abcd-1234", "abcd-1234-extra"]);
  assert.equal(out, "token [redacted] and [redacted]");
});

Deno.test("scrub - removes URL-encoded values and URL userinfo", () => {
  const out = scrub("GET /x?k=a%2Fb%3Dc via https://user:pw@host/p", ["a/b=c"]);
  assert.equal(out, "GET /x?k=[redacted] via https://[redacted]@host/p");
});

Deno.test("scrub - ignores empty and very short values", () => {
  assert.equal(scrub("on a boat", ["", undefined, "on", "a"]), "on a boat");
});
