import assert from "node:assert/strict";
import { createMetrics } from "../metrics.ts";
import type { ChatClient } from "./chat_client.ts";
import { AiBudgetError, meteredChat } from "./usage.ts";

function fakeChat(usage?: { promptTokens: number; completionTokens: number }) {
  let calls = 0;
  const chat: ChatClient = {
    model: "m",
    host: "ai.local",
    complete() {
      calls++;
      return Promise.resolve({ text: "x".repeat(40), model: "m", finishReason: "stop", usage });
    },
  };
  return { chat, calls: () => calls };
}

Deno.test("ai usage - tokens are counted per tenant hash; a tenant past its daily budget gets 429, others do not", async () => {
  let now = Date.UTC(2026, 10, 27, 10);
  const metrics = createMetrics();
  const fake = fakeChat({ promptTokens: 30, completionTokens: 20 });
  const chat = meteredChat(fake.chat, { metrics, dailyTokenBudget: 100, now: () => now });
  const ask = (tenantHash: string) =>
    chat.complete({ tenantHash, messages: [{ role: "user", content: "hi" }] });
  await ask("aaaa");
  await ask("aaaa");
  assert.equal(chat.usedToday("aaaa"), 100);
  await assert.rejects(ask("aaaa"), (e: unknown) => {
    assert.ok(e instanceof AiBudgetError);
    assert.match((e as Error).message, /budget of 100 tokens per day is used up/);
    return true;
  });
  assert.equal(fake.calls(), 2, "a refused request never reaches the endpoint");
  await ask("bbbb"); // another tenant is unaffected
  const text = await metrics.registry.metrics();
  assert.match(text, /strata_ai_tokens_total\{tenant="aaaa",kind="prompt"\} 60/);
  assert.match(text, /strata_ai_tokens_total\{tenant="aaaa",kind="completion"\} 40/);
  now += 86_400_000; // the next UTC day
  await ask("aaaa");
  assert.equal(chat.usedToday("aaaa"), 50);
});

Deno.test("ai usage - without reported usage (a stream) tokens are estimated from the text", async () => {
  const fake = fakeChat(undefined);
  const chat = meteredChat(fake.chat, {});
  await chat.complete({ tenantHash: "t", messages: [{ role: "user", content: "y".repeat(80) }] });
  assert.equal(chat.usedToday("t"), 20 + 10);
});
