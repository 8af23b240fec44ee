/** Messages between a child's supervisor (main thread) and its cell runner (Worker). */

import type { ChildError, ChildJob } from "./protocol.ts";
import type { ConsoleEntry, DisplayOutput, EncodedValue } from "./types.ts";

/**
 * Supervisor → runner. `init` goes over the Worker's own channel, `jobs` (the message's jobs, in
 * order, sent once) over the port. The runner runs them one after the other and reports one result
 * each; the supervisor still counts the results to know which job a report is for.
 */
export type RunnerRequest =
  /**
   * `warm`: whether to warm up before reporting ready (the child waits in the pool); false when
   * the supervisor already holds the server's message (a cold run), whose first job runs at once.
   */
  | { t: "init"; scratchDir: string; port: MessagePort; warm: boolean }
  | { t: "jobs"; jobs: ChildJob[] }
  /** Sent once while the child waits in the pool, to compile the path a job takes; ignored. */
  | { t: "prime"; jobs: ChildJob[] };

/** Runner → supervisor, over the port. The supervisor decides which job a report is for. */
export type RunnerReport =
  | { t: "ready"; error?: string }
  | { t: "console"; entry: ConsoleEntry }
  /** A display output, sent as the cell shows it (live streaming); the result repeats it. */
  | { t: "display"; display: DisplayOutput }
  | {
    t: "result";
    outputs: EncodedValue[];
    displays: DisplayOutput[];
    consoleTruncated: boolean;
    error?: ChildError;
    durationMs: number;
    /** Epoch ms of the runner's steps (job start, module imported, outputs encoded). */
    steps?: Record<string, number>;
  }
  | { t: "exit"; code: number };
