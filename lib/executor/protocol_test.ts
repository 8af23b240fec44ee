import assert from "node:assert/strict";
import { encodeFrame, FrameReader, newNonce } from "./protocol.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("protocol - frames survive arbitrary chunking, raw output passes through", () => {
  const nonce = newNonce();
  const frame = encodeFrame(nonce, new Uint8Array([1, 2, 3]));
  const stream = new Uint8Array([...new TextEncoder().encode("before"), ...frame, 65]);
  for (let cut = 1; cut < stream.length; cut++) {
    const r = new FrameReader();
    r.expect(nonce);
    const a = r.push(stream.subarray(0, cut));
    const b = r.push(stream.subarray(cut));
    assert.equal(text(a.raw) + text(b.raw), "beforeA");
    assert.deepEqual([...a.frames, ...b.frames], [new Uint8Array([1, 2, 3])]);
  }
});

Deno.test("protocol - a frame with another nonce is just output", () => {
  const r = new FrameReader();
  r.expect(newNonce());
  const forged = encodeFrame(newNonce(), new Uint8Array([9]));
  const out = r.push(forged);
  const rest = r.push(new Uint8Array(0));
  assert.equal(out.frames.length + rest.frames.length, 0);
});
