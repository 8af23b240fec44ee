/**
 * A widget display (`ui.slider(...)` and friends) as a live control. Changes go to `onChange`
 * (the app page: `app.set_widget`); without one, the control is in the notebook editor and sets
 * the notebook's value (`PUT /v1/notebooks/{sid}/widgets/{cellId}/{name}`), the session's events
 * then bringing the new outputs.
 */
import { useEffect, useState } from "preact/hooks";
import type { WidgetSpec } from "../../lib/protocol/widget.ts";
import { apiCall } from "../notebook/api_client.ts";

/** Props of WidgetControl. */
export interface WidgetControlProps {
  spec: WidgetSpec;
  onChange?: (value: unknown) => Promise<void>;
}

/** One widget, rendered from its spec, showing its current value. */
export function WidgetControl({ spec, onChange }: WidgetControlProps) {
  const [value, setValue] = useState<unknown>(spec.value);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setValue(spec.value), [JSON.stringify(spec.value)]);

  async function commit(next: unknown, target?: EventTarget | null) {
    setValue(next);
    setError(null);
    try {
      if (onChange) await onChange(next);
      else await setInNotebook(spec.name, next, target);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const label = spec.label ?? spec.name;
  const id = `w-${spec.name}-${Math.abs(hash(label + spec.kind))}`;
  return (
    <div class={`widget widget-${spec.kind}`} data-widget={spec.name}>
      {spec.kind !== "button" && spec.kind !== "checkbox" &&
        (spec.kind !== "table" || spec.label !== undefined) && (
        <label class="widget-label" for={id}>{label}</label>
      )}
      {control(spec, id, value, commit, setValue)}
      {error && <p class="widget-error" role="alert">{error}</p>}
    </div>
  );
}

function control(
  spec: WidgetSpec,
  id: string,
  value: unknown,
  commit: (v: unknown, t?: EventTarget | null) => void,
  preview: (v: unknown) => void,
) {
  const num = (e: Event) => Number((e.currentTarget as HTMLInputElement).value);
  const str = (e: Event) => (e.currentTarget as HTMLInputElement).value;
  switch (spec.kind) {
    case "slider":
      return (
        <span class="widget-row">
          <input
            id={id}
            type="range"
            min={spec.min}
            max={spec.max}
            step={spec.step ?? 1}
            value={value as number}
            onInput={(e) => preview(num(e))}
            onChange={(e) => commit(num(e), e.currentTarget)}
          />
          <output class="widget-value" for={id}>{String(value)}</output>
        </span>
      );
    case "number":
      return (
        <input
          id={id}
          type="number"
          min={spec.min}
          max={spec.max}
          step={spec.step ?? "any"}
          value={value as number}
          onChange={(e) => commit(num(e), e.currentTarget)}
        />
      );
    case "select":
      return (
        <select
          id={id}
          value={String(value)}
          onChange={(e) => {
            const i = (e.currentTarget as HTMLSelectElement).selectedIndex;
            commit(spec.options![i], e.currentTarget);
          }}
        >
          {spec.options!.map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
        </select>
      );
    case "multiselect":
      return (
        <select
          id={id}
          multiple
          onChange={(e) => {
            const el = e.currentTarget as HTMLSelectElement;
            commit(spec.options!.filter((_, i) => el.options[i].selected), el);
          }}
        >
          {spec.options!.map((o) => (
            <option
              key={String(o)}
              value={String(o)}
              selected={(value as unknown[]).includes(o)}
            >
              {String(o)}
            </option>
          ))}
        </select>
      );
    case "text":
      return (
        <input
          id={id}
          type="text"
          placeholder={spec.placeholder}
          value={value as string}
          onChange={(e) => commit(str(e), e.currentTarget)}
        />
      );
    case "checkbox":
      return (
        <label class="widget-check">
          <input
            type="checkbox"
            checked={value as boolean}
            onChange={(e) => commit((e.currentTarget as HTMLInputElement).checked, e.currentTarget)}
          />{" "}
          {spec.label ?? spec.name}
        </label>
      );
    case "date":
      return (
        <input
          id={id}
          type="date"
          min={spec.min as string | undefined}
          max={spec.max as string | undefined}
          value={value as string}
          onChange={(e) => commit(str(e), e.currentTarget)}
        />
      );
    case "button":
      return (
        <button
          type="button"
          class="widget-button"
          onClick={(e) => commit((value as number) + 1, e.currentTarget)}
        >
          {spec.label ?? spec.name}
          {(value as number) > 0 && <span class="widget-count">{String(value)}</span>}
        </button>
      );
    case "table":
      return <TableSelect spec={spec} value={value as number[]} commit={commit} />;
    default:
      return null;
  }
}

function TableSelect(
  { spec, value, commit }: {
    spec: WidgetSpec;
    value: number[];
    commit: (v: unknown, t?: EventTarget | null) => void;
  },
) {
  const single = spec.selection === "single";
  const toggle = (i: number, on: boolean, target: EventTarget | null) => {
    const next = single ? (on ? [i] : []) : on ? [...value, i] : value.filter((x) => x !== i);
    commit([...new Set(next)].sort((a, b) => a - b), target);
  };
  return (
    <div class="widget-table-wrap">
      <table class="widget-table">
        <thead>
          <tr>
            <th aria-label="Selected" />
            {spec.columns!.map((c) => <th key={c}>{c}</th>)}
          </tr>
        </thead>
        <tbody>
          {spec.rows!.map((row, i) => (
            <tr key={i} class={value.includes(i) ? "selected" : ""}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select row ${i + 1}`}
                  checked={value.includes(i)}
                  onChange={(e) =>
                    toggle(i, (e.currentTarget as HTMLInputElement).checked, e.currentTarget)}
                />
              </td>
              {row.map((v, j) => <td key={j}>{v === null ? "" : String(v)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="widget-note">{value.length} selected</p>
    </div>
  );
}

/** The notebook editor: the widget's cell and session come from the page around it. */
async function setInNotebook(name: string, value: unknown, target?: EventTarget | null) {
  const el = target instanceof Element ? target : null;
  const cellId = el?.closest("[data-cell-id]")?.getAttribute("data-cell-id");
  const sid = el?.closest("[data-session-id]")?.getAttribute("data-session-id");
  if (!cellId || !sid) throw new Error("This widget is not inside a notebook cell");
  const path = `/v1/notebooks/${encodeURIComponent(sid)}/widgets/${encodeURIComponent(cellId)}/${
    encodeURIComponent(name)
  }`;
  await apiCall("PUT", path, { value });
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
