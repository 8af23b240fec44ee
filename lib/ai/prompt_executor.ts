/**
 * Runs prompt cells: the run engine hands a prompt cell to this executor instead of a Deno child.
 * Its upstream values are decoded here, rendered into the prompt, sent to the model (streamed),
 * and the answer becomes the cell's markdown display and its `@name` string variable. Nothing of
 * the cell runs as code, so no permissions apply; the key never reaches the cell or its output.
 */
import type { BatchOptions } from "../executor/executor.ts";
import { decodeValue, encodeValue } from "../executor/codecs.ts";
import type { CellJob, CellResult, EncodedValue } from "../executor/types.ts";
import type { ChatMessage } from "./chat_client.ts";
import type { MeteredChat } from "./usage.ts";
import { renderPrompt } from "./prompt_text.ts";

/** The system message of every prompt cell (part of its cache key through the AI env hash). */
export const PROMPT_SYSTEM =
  "You are the assistant of a data notebook. Answer the user's request in concise Markdown. " +
  "Values from the notebook are given inline as JSON.";

/** What the run engine needs from an executor of prompt cells. */
export interface PromptExecutor {
  /** `tenantHash`: whose AI usage the answers are (metrics and budget). */
  runBatch(
    jobs: CellJob[],
    options?: BatchOptions & { tenantHash?: string },
  ): Promise<CellResult[]>;
}

/** Options of {@link createPromptExecutor}. */
export interface PromptExecutorOptions {
  /** Longest rendering of one upstream value. @default 8000 */
  maxValueChars?: number;
}

/** Creates the executor of prompt cells over a chat client. */
export function createPromptExecutor(
  chat: Pick<MeteredChat, "complete">,
  options: PromptExecutorOptions = {},
): PromptExecutor {
  async function runOne(
    job: CellJob,
    signal: AbortSignal | undefined,
    onDelta: ((text: string) => void) | undefined,
    tenantHash: string | undefined,
  ): Promise<CellResult> {
    const started = performance.now();
    const done = (
      r: Omit<CellResult, "cellId" | "durationMs" | "console" | "consoleTruncated">,
    ) => ({
      cellId: job.cellId,
      console: [],
      consoleTruncated: false,
      durationMs: performance.now() - started,
      ...r,
    });
    const fail = (kind: "exception" | "timeout" | "cancelled" | "encode", message: string) =>
      done({ status: "error", outputs: [], displays: [], error: { kind, message } });

    const values = new Map<string, unknown>();
    for (const v of job.inputs) values.set(v.name, decoded(v));
    for (const ci of job.codeInputs ?? []) {
      for (const n of ci.names) values.set(n, `(code defined in cell ${ci.cellId})`);
    }
    const messages: ChatMessage[] = [
      { role: "system", content: PROMPT_SYSTEM },
      { role: "user", content: renderPrompt(job.source, values, options) },
    ];
    if (messages[1].content.trim() === "") {
      return fail("exception", "The prompt is empty: write a request below the annotations");
    }

    const timeout = AbortSignal.timeout(job.timeoutMs ?? 300_000);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const answer = await chat.complete({
        tenantHash,
        messages,
        stream: true,
        onDelta,
        signal: both,
      });
      const outputs: EncodedValue[] = [];
      for (const name of job.outputs) {
        const e = encodeValue(name, answer.text);
        if (!e.ok) return fail("encode", e.message);
        outputs.push(e.value);
      }
      return done({
        status: "ok",
        outputs,
        displays: [{ type: "markdown", data: answer.text }],
      });
    } catch (err) {
      if (signal?.aborted) return fail("cancelled", "Cell run cancelled");
      if (timeout.aborted) {
        return fail(
          "timeout",
          `The model did not answer within ${(job.timeoutMs ?? 300_000) / 1000} s`,
        );
      }
      return fail("exception", err instanceof Error ? err.message : String(err));
    }
  }

  return {
    async runBatch(jobs, opts = {}) {
      const results: CellResult[] = [];
      for (const [i, job] of jobs.entries()) {
        const r = opts.signal?.aborted
          ? {
            cellId: job.cellId,
            status: "error" as const,
            outputs: [],
            displays: [],
            console: [],
            consoleTruncated: false,
            durationMs: 0,
            error: { kind: "cancelled" as const, message: "Cell run cancelled" },
          }
          : await runOne(
            job,
            opts.signal,
            opts.onDelta && ((t) => opts.onDelta!(t, i)),
            opts.tenantHash,
          );
        results.push(r);
        opts.onResult?.(r, i);
      }
      return results;
    },
  };
}

function decoded(v: EncodedValue): unknown {
  try {
    return decodeValue(v);
  } catch (err) {
    return `(unreadable value: ${(err as Error).message})`;
  }
}
