/** An `iframe` display (issue 16): the cell's HTML running sandboxed, sized to its content. */
import { useEffect, useRef, useState } from "preact/hooks";
import {
  IFRAME_HEIGHT_MESSAGE,
  IFRAME_HTML_MESSAGE,
  IFRAME_READY_MESSAGE,
  OUTPUT_FRAME_PATH,
} from "../../lib/ui/iframe_document.ts";

/** Tallest an iframe output grows to before it scrolls. */
const MAX_HEIGHT = 2000;

/**
 * A sandboxed iframe (scripts, no same origin, no network) showing `html`. The frame is loaded
 * only after hydration, so the page is listening before the frame asks for its HTML.
 */
export function IframeOutput({ html }: { html: string }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(150);
  const [mounted, setMounted] = useState(false);
  const htmlRef = useRef(html);
  htmlRef.current = html;
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      const win = ref.current?.contentWindow;
      if (!win || e.source !== win) return;
      const d = e.data as { type?: unknown; height?: unknown } | null;
      if (d?.type === IFRAME_READY_MESSAGE) {
        win.postMessage({ type: IFRAME_HTML_MESSAGE, html: htmlRef.current }, "*");
      } else if (d?.type === IFRAME_HEIGHT_MESSAGE && typeof d.height === "number") {
        if (Number.isFinite(d.height) && d.height > 0) {
          setHeight(Math.min(Math.ceil(d.height), MAX_HEIGHT));
        }
      }
    };
    addEventListener("message", onMessage);
    setMounted(true);
    return () => removeEventListener("message", onMessage);
  }, []);
  return (
    <iframe
      // A new HTML is a new frame: the old document (and its scripts) go away.
      key={html}
      ref={ref}
      class="output output-iframe"
      title="Interactive output"
      sandbox="allow-scripts"
      referrerpolicy="no-referrer"
      src={mounted ? OUTPUT_FRAME_PATH : undefined}
      style={{ height: `${height}px` }}
    />
  );
}
