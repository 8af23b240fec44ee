/**
 * What `strata run` prints while the run goes on (issue 14 item 2). It listens to the session's
 * events: each cell is printed the moment it finishes (its status line, console, displays and
 * error), so a slow or runaway cell never hides the cells before it. On a terminal a progress
 * line names the running cell with its elapsed time and its console lines appear as it prints
 * them; elsewhere (a pipe, a log file) there is no progress line, only one block per finished
 * cell. `--quiet` prints only failures, `--format json` nothing until the final report.
 */
import type { CellOutputPayload } from "../protocol/socket_events.ts";
import type { EventHub } from "../session/events.ts";
import { cellRunText, progressText, type RunReport, type RunReportCell } from "./render.ts";

/** Options for watchRun. */
export interface RunProgressOptions {
  /** Writes text to the output as is (no newline added). */
  write: (text: string) => void;
  /** The output is a terminal: draw the progress line and stream console lines. */
  tty: boolean;
  /** Print failed cells only. */
  quiet: boolean;
  /** A cell's `// @name`, if any. */
  nameOf: (cellId: string) => string | null;
  /** How often the progress line is redrawn. @default 100 */
  tickMs?: number;
  now?: () => number;
}

/** A watch in progress; `finish` prints what is left and stops it. */
export interface RunProgress {
  /** Prints the cells of `report` no event showed (if any), then stops listening. */
  finish(report: RunReport): void;
}

/** Starts printing a run's progress from the session's events. */
export function watchRun(events: EventHub, options: RunProgressOptions): RunProgress {
  const now = options.now ?? Date.now;
  const { write, tty, quiet } = options;
  const outputs = new Map<string, CellOutputPayload>();
  const liveLines = new Map<string, number>();
  const running: string[] = [];
  const printed = new Set<string>();
  let since = now();
  let drawn = false;
  /** The cell whose live lines were printed last (a header names it when it changes). */
  let speaking: string | undefined;

  const clear = () => {
    if (drawn) write("\r\x1b[2K");
    drawn = false;
  };
  const draw = () => {
    if (!tty || quiet) return;
    clear();
    const id = running[0];
    if (id === undefined) return;
    write(progressText(id, options.nameOf(id), now() - since));
    drawn = true;
  };
  const print = (text: string) => {
    clear();
    write(text.endsWith("\n") ? text : `${text}\n`);
    draw();
  };

  const unsubscribe = events.subscribe((e) => {
    switch (e.type) {
      case "cell_status": {
        const p = e.payload;
        if (p.status === "running") {
          if (running.length === 0) since = now();
          if (!running.includes(p.cellId)) running.push(p.cellId);
          draw();
          return;
        }
        const at = running.indexOf(p.cellId);
        if (at >= 0) running.splice(at, 1);
        if (at === 0) since = now(); // the next cell of the batch starts as this one ends
        finished(p, outputs.get(p.cellId));
        return;
      }
      case "cache_hits":
        // Issue 20: the run's cache hits come together; each is printed as a finished cell.
        for (const h of e.payload.cells) finished({ ...h, cacheHit: true }, h.outputs);
        return;
      case "cell_output":
        outputs.set(e.payload.cellId, e.payload);
        return;
      case "cell_console": {
        const p = e.payload;
        if (!p.live || !tty || quiet) return;
        liveLines.set(p.cellId, (liveLines.get(p.cellId) ?? 0) + p.entries.length);
        const lines = p.entries.map((l) => `  | ${l.text.replace(/\n$/, "")}`);
        if (speaking !== p.cellId) lines.unshift(liveHeader(p.cellId, options.nameOf(p.cellId)));
        speaking = p.cellId;
        print(lines.join("\n"));
        return;
      }
    }
  });

  /** Prints a cell that finished (ran, or came from the cache). */
  function finished(
    p: { cellId: string; status: "ready" | "error"; cacheHit: boolean; durationMs: number },
    out: Omit<CellOutputPayload, "cellId"> | undefined,
  ): void {
    const cell: RunReportCell = {
      id: p.cellId,
      name: options.nameOf(p.cellId),
      status: p.status,
      cacheHit: p.cacheHit,
      durationMs: Math.round(p.durationMs * 10) / 10,
      displays: out?.displays ?? [],
      // On a terminal the lines it printed live were shown already.
      console: (out?.console ?? []).slice(liveLines.get(p.cellId) ?? 0),
      error: out?.error
        ? {
          kind: out.error.kind,
          message: out.error.message,
          line: out.error.line,
          column: out.error.column,
        }
        : null,
    };
    printed.add(p.cellId);
    if (speaking === p.cellId) speaking = undefined;
    if (!quiet || cell.status !== "ready") print(cellRunText(cell));
    else draw();
  }
  const timer = tty && !quiet ? setInterval(draw, options.tickMs ?? 100) : undefined;

  return {
    finish(report) {
      unsubscribe();
      clearInterval(timer);
      clear();
      for (const c of report.cells) {
        if (printed.has(c.id) || (quiet && c.status === "ready")) continue;
        write(`${cellRunText(c)}\n`);
      }
    },
  };
}

function liveHeader(id: string, name: string | null): string {
  return `>     ${name ? `${id} (${name})` : id}`;
}
