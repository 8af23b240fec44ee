/** Decodes a raw WebSocket message from a client into a typed `ClientMessage`, or says why not. */
import type { ClientMessage, RunMode } from "./socket_events.ts";

const MODES: readonly RunMode[] = ["normal", "rerun", "force"];
const MAX_SOURCE = 1_000_000;

/** A decoded message, or the reason it was refused (safe to send back to the client). */
export type DecodedMessage = { ok: true; message: ClientMessage } | { ok: false; error: string };

/** Parses and validates one client message (`{type, payload}` JSON). */
export function decodeClientMessage(raw: string): DecodedMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return { ok: false, error: "Message must be JSON {type, payload}" };
  }
  if (!isRecord(msg) || typeof msg.type !== "string") {
    return { ok: false, error: "Message must be a JSON object with a string 'type'" };
  }
  const p = msg.payload === undefined ? {} : msg.payload;
  if (!isRecord(p)) return { ok: false, error: `'${msg.type}' payload must be an object` };
  const mode = p.mode;
  if (mode !== undefined && !MODES.includes(mode as RunMode)) {
    return { ok: false, error: `Run mode must be one of ${MODES.join(", ")}; got '${mode}'` };
  }
  const id = typeof p.cellId === "string" && p.cellId !== "" ? p.cellId : null;
  const noId = { ok: false as const, error: `'${msg.type}' needs a non-empty cellId string` };
  switch (msg.type) {
    case "cell_execute": {
      if (id === null) return noId;
      return {
        ok: true,
        message: { type: "cell_execute", payload: withMode({ cellId: id }, mode) },
      };
    }
    case "notebook_run_all":
      return { ok: true, message: { type: "notebook_run_all", payload: withMode({}, mode) } };
    case "cell_cancel":
      return { ok: true, message: { type: "cell_cancel", payload: {} } };
    case "cell_source_update": {
      if (id === null) return noId;
      if (typeof p.source !== "string") {
        return { ok: false, error: "'cell_source_update' needs a string source" };
      }
      if (p.source.length > MAX_SOURCE) {
        return { ok: false, error: `Cell source is longer than ${MAX_SOURCE} characters` };
      }
      return {
        ok: true,
        message: { type: "cell_source_update", payload: { cellId: id, source: p.source } },
      };
    }
    default:
      return { ok: false, error: `Unknown message type '${msg.type.slice(0, 64)}'` };
  }
}

function withMode<T extends object>(payload: T, mode: unknown): T & { mode?: RunMode } {
  return mode === undefined ? payload : { ...payload, mode: mode as RunMode };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
