/** GET /output-frame: the static host page of sandboxed `iframe` outputs (issue 16). */
import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/context.ts";
import { OUTPUT_FRAME_HEADERS, outputFrameHost } from "../../lib/ui/iframe_document.ts";

const BODY = outputFrameHost();

/** Answers the frame host with its own CSP (inline code only, no network, sandboxed). */
export function outputFrame(c: Context<AppEnv>): Response {
  return c.html(BODY, 200, OUTPUT_FRAME_HEADERS);
}
