import assert from "node:assert/strict";
import {
  IFRAME_CSP,
  iframeDocument,
  needsIframe,
  OUTPUT_FRAME_HEADERS,
  outputFrameHost,
} from "./iframe_document.ts";

Deno.test("iframe outputs - the frame host's CSP forbids the network and sandboxes it", () => {
  const csp = OUTPUT_FRAME_HEADERS["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'none'/);
  assert.match(csp, /sandbox allow-scripts(;|$)/);
  assert.doesNotMatch(csp, /allow-same-origin/);
  assert.doesNotMatch(IFRAME_CSP, /https?:|\*|'self'/);
});

Deno.test("iframe outputs - the host holds no closing script tag before its own end", () => {
  const host = outputFrameHost();
  assert.equal(host.match(/<\/script>/g)?.length, 1);
  assert.match(iframeDocument("<p>x</p>"), /<body><p>x<\/p><script>/);
});

Deno.test("needsIframe - scripts go to the iframe, static HTML stays on the sanitizer path", () => {
  assert.equal(needsIframe("<div><SCRIPT>1</SCRIPT></div>"), true);
  assert.equal(needsIframe('<b onclick="x()">static</b>'), false);
});
