import assert from "node:assert/strict";
import { serializeProps } from "./serialize_props.ts";

Deno.test("serializeProps - escapes </script> and round-trips", () => {
  const props = { s: "</script><script>alert(1)</script>", c: "<!-- x -->", a: "a & b\u2028" };
  const text = serializeProps(props);
  assert.ok(!text.includes("</script"));
  assert.ok(!text.includes("<!--"));
  assert.deepEqual(JSON.parse(text), props);
});
