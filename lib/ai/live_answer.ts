/**
 * Live answers: a prompt cell's answer streams from the model piece by piece; this turns the
 * pieces into partial markdown displays for the session's live events. The text so far is
 * redacted as a whole (a secret split across pieces is still caught), cut at its last whitespace
 * (a word still arriving, which may be the start of a secret, waits for its end), and emitted at
 * most every `intervalMs`, so a long answer is a few dozen events, not one per token. The finished cell's
 * own output event follows as usual and replaces the partial one.
 */
import type { CellJob, CellResult, DisplayOutput } from "../executor/types.ts";

/** Options of {@link liveAnswers}. */
export interface LiveAnswerOptions {
  /** Receives the partial displays of a cell. */
  emit: (cellId: string, displays: DisplayOutput[]) => void;
  /** The run's redaction of finished results, applied to the text so far. */
  redact?: (result: CellResult) => CellResult;
  now: () => number;
  /** @default 50 */
  intervalMs?: number;
}

/** The `onDelta(text, index)` callback of a batch of jobs. */
export function liveAnswers(
  jobs: readonly CellJob[],
  options: LiveAnswerOptions,
): (text: string, index: number) => void {
  const interval = options.intervalMs ?? 50;
  const texts = new Map<number, string>();
  const last = new Map<number, number>();
  return function onDelta(text, index) {
    const sofar = (texts.get(index) ?? "") + text;
    texts.set(index, sofar);
    const complete = sofar.slice(0, sofar.search(/\S*$/));
    const t = options.now();
    if (complete.trim() === "" || t - (last.get(index) ?? -Infinity) < interval) return;
    last.set(index, t);
    const cellId = jobs[index].cellId;
    let displays: DisplayOutput[] = [{ type: "markdown", data: complete }];
    if (options.redact) {
      displays = options.redact({
        cellId,
        status: "ok",
        outputs: [],
        displays,
        console: [],
        consoleTruncated: false,
        durationMs: 0,
      }).displays;
    }
    options.emit(cellId, displays);
  };
}
