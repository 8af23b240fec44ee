/** A cell's outputs by type, its error and its (collapsible) console. */
import { renderMarkdown } from "../../lib/ui/markdown.ts";
import type { Display, OutputView } from "../../lib/protocol/notebook_state.ts";
import { sanitizeHtml } from "../../lib/ui/sanitize_html.ts";
import { TableView } from "./table_view.tsx";
import { WidgetControl } from "../app/widget_control.tsx"; // widgets (issue 16)

/** Props of Outputs. */
export interface OutputsProps {
  outputs: OutputView | null;
  /** While running, the previous outputs stay (dimmed) so nothing below moves. */
  running: boolean;
}

/** The output area of one cell. */
export function Outputs({ outputs, running }: OutputsProps) {
  if (!outputs) {
    return (
      <div class={`outputs outputs-empty${running ? " outputs-running" : ""}`} aria-live="polite" />
    );
  }
  const { error } = outputs;
  // While a cell runs its live output is shown as it comes; only the previous run's displays dim.
  const live = running && outputs.live !== undefined;
  const dim = running && !live ? " outputs-running" : live ? " outputs-live" : "";
  return (
    <div
      class={`outputs${dim}${outputs.current ? "" : " outputs-old"}`}
      aria-live="polite"
      data-live={live ? outputs.live : undefined}
    >
      {!outputs.current && <p class="outputs-note">Output of an earlier version of this cell</p>}
      {error && (
        <div class={`output-error output-error-${error.kind}`} role="alert">
          <strong>{ERROR_TITLES[error.kind] ?? error.kind}</strong>: {error.message}
          {error.line !== undefined && (
            <span class="error-where">
              line {error.line}
              {error.column !== undefined ? `:${error.column}` : ""}
            </span>
          )}
        </div>
      )}
      <div class={live && outputs.live === "started" ? "displays-previous" : "displays"}>
        {outputs.displays.map((d, i) => <DisplayView key={i} display={d} />)}
      </div>
      {outputs.console.length > 0 && (
        <details class="console" open={live || outputs.console.length <= 20}>
          <summary>
            Console ({outputs.console.length} line{outputs.console.length === 1 ? "" : "s"}
            {outputs.consoleTruncated ? ", truncated" : ""})
          </summary>
          <pre>{outputs.console.map((c, i) => <span key={i} class={`console-${c.stream}`}>{c.text}{c.text.endsWith("\n") ? "" : "\n"}</span>)}</pre>
        </details>
      )}
    </div>
  );
}

/** How each kind of failure is named above its message. */
const ERROR_TITLES: Record<string, string> = {
  exception: "Error",
  syntax: "Syntax error",
  timeout: "Timed out",
  memory: "Out of memory",
  permission: "Permission denied",
  encode: "Cannot store the value",
  cancelled: "Cancelled",
  crash: "Cell process crashed",
};

/** One display output. */
export function DisplayView({ display }: { display: Display }) {
  switch (display.type) {
    case "text":
      return <pre class="output output-text">{display.data}</pre>;
    case "markdown":
      return (
        <div
          class="output output-markdown md"
          dangerouslySetInnerHTML={{ __html: renderMarkdown(display.data) }}
        />
      );
    case "html":
      return (
        <div
          class="output output-html"
          dangerouslySetInnerHTML={{ __html: sanitizeHtml(display.data) }}
        />
      );
    case "svg":
      // As an image, an SVG cannot run scripts or load anything.
      return (
        <img
          class="output output-svg"
          alt="SVG output"
          src={`data:image/svg+xml;base64,${base64Utf8(display.data)}`}
        />
      );
    case "png":
      return (
        <img
          class="output output-png"
          alt="PNG output"
          src={`data:image/png;base64,${display.data.replace(/[^A-Za-z0-9+/=]/g, "")}`}
        />
      );
    case "table":
      return (
        <TableView
          columns={display.data.columns}
          rows={display.data.rows}
          totalRows={display.data.totalRows}
        />
      );
    case "json":
      return <pre class="output output-json">{JSON.stringify(display.data, null, 2)}</pre>;
    case "widget": // widgets (issue 16)
      return <WidgetControl spec={display.data} />;
    default:
      return null;
  }
}

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}
