import assert from "node:assert/strict";
import { decodeClientMessage } from "./decode_client_message.ts";

Deno.test("decodeClientMessage - accepts each client message type", () => {
  const cases = [
    ['{"type":"cell_execute","payload":{"cellId":"c1","mode":"rerun"}}', "cell_execute"],
    ['{"type":"notebook_run_all"}', "notebook_run_all"],
    ['{"type":"cell_cancel","payload":{}}', "cell_cancel"],
    ['{"type":"cell_source_update","payload":{"cellId":"c1","source":"1"}}', "cell_source_update"],
  ] as const;
  for (const [raw, type] of cases) {
    const d = decodeClientMessage(raw);
    assert.ok(d.ok, raw);
    assert.equal(d.message.type, type);
  }
  const d = decodeClientMessage('{"type":"cell_execute","payload":{"cellId":"c1"}}');
  assert.deepEqual(d, { ok: true, message: { type: "cell_execute", payload: { cellId: "c1" } } });
});

Deno.test("decodeClientMessage - refuses malformed input with a readable reason", () => {
  const refused: [string, RegExp][] = [
    ["not json", /must be JSON/],
    ["[1]", /JSON object/],
    ['{"type":"cell_execute","payload":{}}', /needs a non-empty cellId/],
    ['{"type":"cell_execute","payload":{"cellId":"c","mode":"yolo"}}', /Run mode must be one of/],
    ['{"type":"cell_source_update","payload":{"cellId":"c","source":5}}', /string source/],
    ['{"type":"cell_execute","payload":"c1"}', /payload must be an object/],
    ['{"type":"drop_tables"}', /Unknown message type 'drop_tables'/],
  ];
  for (const [raw, reason] of refused) {
    const d = decodeClientMessage(raw);
    assert.equal(d.ok, false, raw);
    if (!d.ok) assert.match(d.error, reason);
  }
});
