/**
 * The AI service of a server: the chat client over the configured endpoint and key pool, the
 * executor of prompt cells, and the env hash that puts the model and its parameters into every
 * prompt cell's provenance. Built once by `createServices` when `ai_base_url` is set.
 */
import type { AiConfig } from "../config/resolve.ts";
import type { Logger } from "../log.ts";
import { canonicalHash } from "../notebook/_hash.ts";
import { createChatClient, SAMPLING } from "./chat_client.ts";
import type { Metrics } from "../metrics.ts";
import { type MeteredChat, meteredChat } from "./usage.ts";
import { createPromptExecutor, PROMPT_SYSTEM, type PromptExecutor } from "./prompt_executor.ts";

/** What the runtime and the AI commands use. */
export interface AiService {
  /** The configured model name. */
  readonly model: string;
  /** Env hash of every prompt cell: endpoint, model, parameters, system prompt; never a key. */
  readonly envHash: string;
  readonly chat: MeteredChat;
  readonly prompts: PromptExecutor;
}

/** The env hash of prompt cells when no AI is configured (their runs fail with a clear error). */
export const NO_AI_ENV_HASH = canonicalHash({ v: "strata-prompt-env-v1", ai: null });

/** The env hash of prompt cells for an endpoint (the base URL without query or credentials). */
export function promptEnvHash(config: Pick<AiConfig, "baseUrl" | "model" | "maxTokens">): string {
  const u = new URL(config.baseUrl);
  return canonicalHash({
    v: "strata-prompt-env-v1",
    endpoint: `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`,
    model: config.model,
    maxTokens: config.maxTokens,
    sampling: SAMPLING,
    system: PROMPT_SYSTEM,
  });
}

/** Creates the AI service for `config`. */
export function createAiService(
  config: AiConfig,
  options: { log: Logger; metrics?: Metrics },
): AiService {
  const chat = meteredChat(createChatClient(config, { log: options.log }), {
    metrics: options.metrics,
    dailyTokenBudget: config.tenantDailyTokenBudget,
  });
  return {
    model: config.model,
    envHash: promptEnvHash(config),
    chat,
    prompts: createPromptExecutor(chat),
  };
}
