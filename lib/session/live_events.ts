/** Live output of a running cell as session events (issue 14 item 2): lines and displays. */
import type { LiveOutput } from "../runtime/run_engine.ts";
import type { EventHub } from "./events.ts";

/** Emits a running cell's new console lines (`cell_console`, live) or display (`cell_display`). */
export function emitLive(events: EventHub, cellId: string, live: LiveOutput): void {
  if ("console" in live) {
    events.emit("cell_console", { cellId, entries: live.console, truncated: false, live: true });
  } else {
    events.emit("cell_display", { cellId, display: live.display });
  }
}
