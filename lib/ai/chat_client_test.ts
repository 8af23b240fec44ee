import assert from "node:assert/strict";
import { startOpenAiMock } from "../../tests/fixtures/openai_mock.ts";
import { AiUnavailableError, createChatClient } from "./chat_client.ts";
import type { AiConfig } from "../config/resolve.ts";
import { createLogger } from "../log.ts";

const K1 = "sk-test-first-0123456789abcdef";
const K2 = "sk-test-second-0123456789abcdef";

function setup(keys: string[], baseUrl: string) {
  const lines: string[] = [];
  const config: AiConfig = {
    baseUrl,
    model: "mock-1",
    apiKeys: keys,
    timeoutSeconds: 30,
    maxTokens: 64,
    tenantDailyTokenBudget: 0,
  };
  const log = createLogger({ level: "debug", format: "json", sink: (l: string) => lines.push(l) });
  return { chat: createChatClient(config, { log }), lines };
}

Deno.test("chat client - non-streaming and streaming answers", async () => {
  await using mock = startOpenAiMock({ keys: { [K1]: "ok" } });
  const { chat } = setup([K1], mock.baseUrl);
  const plain = await chat.complete({ messages: [{ role: "user", content: "hello" }] });
  assert.equal(plain.text, "Answer: hello");
  const deltas: string[] = [];
  const streamed = await chat.complete({
    messages: [{ role: "user", content: "a longer question" }],
    stream: true,
    onDelta: (t) => deltas.push(t),
  });
  assert.equal(streamed.text, "Answer: a longer question");
  assert.ok(deltas.length > 1, "the answer arrived in pieces");
  assert.deepEqual(mock.requests.map((r) => [r.stream, r.model, r.maxTokens]), [
    [false, "mock-1", 64],
    [true, "mock-1", 64],
  ]);
});

Deno.test("chat client - a 429 key rests (Retry-After) and the next key answers", async () => {
  await using mock = startOpenAiMock({ keys: { [K1]: "rate_limited", [K2]: "ok" } });
  const { chat, lines } = setup([K1, K2], mock.baseUrl);
  for (let i = 0; i < 3; i++) {
    const a = await chat.complete({ messages: [{ role: "user", content: `q${i}` }] });
    assert.equal(a.text, `Answer: q${i}`);
  }
  // K1 was tried once, then rested for an hour; K2 answered all three.
  assert.deepEqual(mock.requests.map((r) => [r.key === K1 ? "K1" : "K2", r.status]), [
    ["K1", 429],
    ["K2", 200],
    ["K2", 200],
    ["K2", 200],
  ]);
  const logged = lines.join("\n");
  assert.match(logged, /AI key rested/);
  assert.ok(!logged.includes(K1) && !logged.includes(K2), "no key in the log");
});

Deno.test("chat client - every key refused: a clear error that names no key", async () => {
  await using mock = startOpenAiMock({ keys: {} });
  const { chat } = setup([K1, K2], mock.baseUrl);
  const err = await chat.complete({ messages: [{ role: "user", content: "x" }] }).then(
    () => assert.fail("expected an error"),
    (e) => e,
  );
  assert.ok(err instanceof AiUnavailableError);
  assert.match(err.message, /refused or rate-limited every configured key \(2\)/);
  assert.ok(!err.message.includes(K1) && !err.message.includes(K2));
  assert.equal(mock.requests.length, 2);
  // Both keys rest now: the next call sends nothing.
  await chat.complete({ messages: [{ role: "user", content: "x" }] }).catch(() => {});
  assert.equal(mock.requests.length, 2);
});

Deno.test("chat client - an unreachable endpoint is a 503-style error", async () => {
  const port = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  const { chat } = setup([K1], `http://127.0.0.1:${port}/v1`);
  await assert.rejects(
    chat.complete({ messages: [{ role: "user", content: "x" }] }),
    (e: Error) => e instanceof AiUnavailableError && /cannot be reached/.test(e.message),
  );
});
