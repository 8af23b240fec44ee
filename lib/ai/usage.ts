/**
 * AI usage per tenant: every answer's tokens are counted as a metric labelled with the tenant
 * hash, and an optional daily budget per tenant refuses further requests (429) until midnight UTC.
 * Endpoints that do not report usage on a stream are counted by an estimate (4 characters a token).
 */
import { StrataError } from "../errors.ts";
import type { Metrics } from "../metrics.ts";
import type { ChatClient, ChatRequest } from "./chat_client.ts";

/** A tenant's AI budget for today is used up (429). */
export class AiBudgetError extends StrataError {
  constructor(message: string) {
    super("ai_budget_exceeded", message);
  }
}

/** Options of {@link meteredChat}. */
export interface MeteringOptions {
  metrics?: Metrics;
  /** Tokens a tenant may use per UTC day; 0 or absent: no budget. */
  dailyTokenBudget?: number;
  now?: () => number;
}

/** A chat request on behalf of a tenant. */
export interface TenantChatRequest extends ChatRequest {
  /** Whose usage this is (hash); absent: counted as "unknown", never budgeted. */
  tenantHash?: string;
}

/** The chat client, counting and budgeting each tenant's tokens. */
export interface MeteredChat extends ChatClient {
  complete(request: TenantChatRequest): ReturnType<ChatClient["complete"]>;
  /** Tokens the tenant used today (UTC). */
  usedToday(tenantHash: string): number;
}

/** Wraps a chat client with per-tenant metering. */
export function meteredChat(chat: ChatClient, options: MeteringOptions = {}): MeteredChat {
  const now = options.now ?? Date.now;
  const budget = options.dailyTokenBudget ?? 0;
  const used = new Map<string, { day: number; tokens: number }>();
  const today = () => Math.floor(now() / 86_400_000);
  const usedToday = (tenant: string) => {
    const u = used.get(tenant);
    return u && u.day === today() ? u.tokens : 0;
  };
  return {
    model: chat.model,
    host: chat.host,
    usedToday,
    async complete(request) {
      const tenant = request.tenantHash;
      if (tenant && budget > 0 && usedToday(tenant) >= budget) {
        throw new AiBudgetError(
          `This tenant's AI budget of ${budget} tokens per day is used up ` +
            `(${usedToday(tenant)} used); it resets at 00:00 UTC`,
        );
      }
      const answer = await chat.complete(request);
      const prompt = answer.usage?.promptTokens ??
        Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4);
      const completion = answer.usage?.completionTokens ?? Math.ceil(answer.text.length / 4);
      const label = tenant ?? "unknown";
      options.metrics?.aiTokens.inc({ tenant: label, kind: "prompt" }, prompt);
      options.metrics?.aiTokens.inc({ tenant: label, kind: "completion" }, completion);
      if (tenant) {
        used.set(tenant, { day: today(), tokens: usedToday(tenant) + prompt + completion });
      }
      return answer;
    },
  };
}
