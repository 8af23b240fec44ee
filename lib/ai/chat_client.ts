/**
 * The chat client: OpenAI-compatible chat completions (OpenAI, Azure, vLLM, Ollama, ...) through
 * the official `openai` npm package, streaming or not, with the key pool in front. Each key gets
 * its own client with retries off: the pool decides what happens after a 401 or 429. Errors are
 * rewritten to name the endpoint's host and status; a key never appears in a message or a log.
 *
 * The package is imported on first use (not at server start). Under Deno it needs only net
 * access to the endpoint: its `OPENAI_*` environment lookups fail quietly without env
 * permission, so the server's environment never configures it behind the operator's back.
 */
import { importOptional } from "../optional_import.ts";
import type { AiConfig } from "../config/resolve.ts";
import { StrataError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createKeyPool, type KeyPool, retryAfterMs } from "./key_pool.ts";

/** One chat message. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One completion request. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** Ask for a server-sent-event stream; `onDelta` receives each piece of text. */
  stream?: boolean;
  onDelta?: (text: string) => void;
  signal?: AbortSignal;
}

/** The model's answer. */
export interface ChatAnswer {
  text: string;
  /** The model the endpoint says answered. */
  model: string;
  finishReason: string | null;
  /** Tokens used, when the endpoint reports them. */
  usage?: { promptTokens: number; completionTokens: number };
}

/** The AI endpoint as the rest of Strata sees it. */
export interface ChatClient {
  /** The configured model name. */
  readonly model: string;
  /** The endpoint's host (for messages). */
  readonly host: string;
  complete(request: ChatRequest): Promise<ChatAnswer>;
}

/** The AI endpoint could not answer (all keys resting, refused, unreachable, timed out): 503. */
export class AiUnavailableError extends StrataError {
  constructor(message: string, options?: ErrorOptions) {
    super("ai_unavailable", message, options);
  }
}

/** Sampling parameters sent with every request (part of a prompt cell's cache key). */
export const SAMPLING = { temperature: 0 } as const;

/** Options of {@link createChatClient}. */
export interface ChatClientOptions {
  log: Logger;
  /** @default Date.now */
  now?: () => number;
  /** A ready pool (tests); by default one over `config.apiKeys`. */
  pool?: KeyPool;
}

type OpenAIModule = typeof import("openai");
type OpenAIClient = InstanceType<OpenAIModule["default"]>;

/**
 * Creates the client for the configured endpoint.
 *
 * @example
 * ```ts
 * const chat = createChatClient(config.ai!, { log });
 * const { text } = await chat.complete({ messages: [{ role: "user", content: "Hi" }] });
 * ```
 */
export function createChatClient(config: AiConfig, options: ChatClientOptions): ChatClient {
  const now = options.now ?? Date.now;
  const pool = options.pool ?? createKeyPool(config.apiKeys, { now });
  const host = new URL(config.baseUrl).host;
  const keys = config.apiKeys.filter((k) => k.length > 0);
  const clients = new Map<number, OpenAIClient>();
  let loaded: Promise<OpenAIModule> | undefined;
  const log = options.log;

  /** Replaces any key that an endpoint echoed back (some proxies do) before text leaves here. */
  function scrub(text: string): string {
    let out = text;
    for (const k of keys) out = out.split(k).join("[secret]");
    return out;
  }

  async function clientFor(slot: number, key: string): Promise<[OpenAIModule, OpenAIClient]> {
    // Loaded on first use, not at start (lib/optional_import.ts).
    const mod = await (loaded ??= importOptional<OpenAIModule>("openai"));
    let c = clients.get(slot);
    if (!c) {
      c = new mod.default({
        apiKey: key || "unused",
        baseURL: config.baseUrl,
        timeout: config.timeoutSeconds * 1000,
        maxRetries: 0,
        organization: null,
        project: null,
        webhookSecret: null,
        logLevel: "off",
      });
      clients.set(slot, c);
    }
    return [mod, c];
  }

  async function once(client: OpenAIClient, request: ChatRequest): Promise<ChatAnswer> {
    const base = {
      model: config.model,
      messages: request.messages,
      max_tokens: config.maxTokens,
      ...SAMPLING,
    };
    if (!request.stream) {
      const r = await client.chat.completions.create(base, { signal: request.signal });
      const choice = r.choices?.[0];
      return {
        text: choice?.message?.content ?? "",
        model: r.model ?? config.model,
        finishReason: choice?.finish_reason ?? null,
        usage: r.usage
          ? { promptTokens: r.usage.prompt_tokens, completionTokens: r.usage.completion_tokens }
          : undefined,
      };
    }
    const stream = await client.chat.completions.create(
      { ...base, stream: true },
      { signal: request.signal },
    );
    let text = "";
    let model = config.model;
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      if (chunk.model) model = chunk.model;
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content ?? "";
      if (delta) {
        text += delta;
        request.onDelta?.(delta);
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    }
    return { text, model, finishReason };
  }

  return {
    model: config.model,
    host,
    async complete(request) {
      // Each key gets one try per call; a refused or rate-limited key rests and the next is tried.
      for (let attempt = 0; attempt < pool.size; attempt++) {
        const take = pool.take();
        if (!take.ok) break;
        const [mod, client] = await clientFor(take.slot, take.key);
        try {
          const answer = await once(client, request);
          pool.succeeded(take.slot);
          return answer;
        } catch (err) {
          if (err instanceof mod.APIError && (err.status === 401 || err.status === 429)) {
            const wait = pool.rest(
              take.slot,
              err.status,
              retryAfterMs(headerOf(err.headers, "retry-after"), now()),
            );
            log.warn("AI key rested", { host, slot: take.slot, status: err.status, restMs: wait });
            continue;
          }
          throw describe(mod, err);
        }
      }
      const t = pool.take();
      const wait = t.ok ? 0 : Math.max(0, Math.ceil((t.retryAt - now()) / 1000));
      throw new AiUnavailableError(
        `AI endpoint ${host} refused or rate-limited every configured key (${pool.size}); ` +
          `retry in ${wait} s or check STRATA_AI_API_KEYS`,
      );
    },
  };

  function describe(mod: OpenAIModule, err: unknown): Error {
    if (isAbort(err)) return err as Error;
    if (err instanceof mod.APIConnectionTimeoutError) {
      return new AiUnavailableError(
        `AI endpoint ${host} did not answer within ${config.timeoutSeconds} s`,
      );
    }
    if (err instanceof mod.APIConnectionError) {
      return new AiUnavailableError(`AI endpoint ${host} cannot be reached`);
    }
    if (err instanceof mod.APIError) {
      const detail = scrub(String(err.message ?? "")).slice(0, 300);
      return new AiUnavailableError(
        `AI endpoint ${host} answered ${err.status ?? "an error"}: ${detail}`,
      );
    }
    return new AiUnavailableError(
      `AI request to ${host} failed: ${scrub(err instanceof Error ? err.message : String(err))}`,
    );
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err.name === "APIUserAbortError");
}

function headerOf(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === "function") {
    return (headers as Headers).get(name);
  }
  if (headers && typeof headers === "object") {
    const v = (headers as Record<string, unknown>)[name];
    return typeof v === "string" ? v : null;
  }
  return null;
}
