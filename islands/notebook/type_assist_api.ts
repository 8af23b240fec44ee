/** The language service calls of one cell's editor (issue 15), over the session's HTTP API. */
import type { TypeAssist } from "./editor_host.ts";

/** Calls an API path below the session (`/v1/notebooks/{sid}`). */
export type SessionCall = <T>(method: string, rest: string, body?: unknown) => Promise<T>;

/** A TypeAssist for a cell: its editor's text is sent with each call, never saved by it. */
export function typeAssistFor(
  cellId: string,
  call: SessionCall,
  goTo: TypeAssist["goTo"],
): TypeAssist {
  const path = (what: string) => `/cells/${encodeURIComponent(cellId)}/${what}`;
  return {
    complete: (source, offset) =>
      call<{ items: { label: string; kind: string; detail?: string }[]; from: number }>(
        "POST",
        path("complete"),
        { source, offset },
      ),
    hover: async (source, offset) =>
      (await call<{ text: string | null }>("POST", path("hover"), { source, offset })).text,
    definition: async (source, offset) =>
      (await call<{ definition: { cellId: string; line: number; column: number } | null }>(
        "POST",
        path("definition"),
        { source, offset },
      )).definition,
    goTo,
  };
}
