/**
 * The variables panel (issue 16): every name the cells define, with type, size and a preview
 * from the last stored run; a name links to its defining cell. Reloaded after each change.
 */
import { useEffect, useState } from "preact/hooks";
import type { CellView } from "../../lib/protocol/notebook_state.ts";
import type { VariableRow } from "../../lib/commands/variables_commands.ts";

/** Props of VariablesPanel. */
export interface VariablesPanelProps {
  cells: CellView[];
  /** Fetches the rows (`GET /v1/notebooks/:sid/variables`). */
  load(): Promise<VariableRow[]>;
  /** Changes when the notebook changes: the panel reloads. */
  version: number;
  onSelect(cellId: string): void;
}

/** The table of variables. */
export function VariablesPanel({ cells, load, version, onSelect }: VariablesPanelProps) {
  const [rows, setRows] = useState<VariableRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    load().then((r) => live && (setRows(r), setError(null)))
      .catch((e) => live && setError((e as Error).message));
    return () => {
      live = false;
    };
  }, [version]);
  if (error) return <p class="form-error" role="alert">{error}</p>;
  if (!rows) return <p class="muted">Loading…</p>;
  if (rows.length === 0) return <p class="muted">No cell defines a name yet.</p>;
  const byId = new Map(cells.map((c) => [c.id, c]));
  return (
    <table class="variables">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Size</th>
          <th>Preview</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const cell = byId.get(r.cellId);
          return (
            <tr key={`${r.cellId}:${r.name}`} data-name={r.name}>
              <td>
                <button
                  type="button"
                  class="link"
                  title={`Defined in cell ${cell?.label ?? r.cellId}`}
                  onClick={() => onSelect(r.cellId)}
                >
                  {r.name}
                </button>
                <span class="muted var-cell">{cell?.label ?? r.cellId}</span>
              </td>
              <td class="var-type">{r.known ? r.type : "not run"}</td>
              <td class="var-size">
                {r.size ? `${r.size.count.toLocaleString()} ${r.size.unit}` : ""}
                {r.storedBytes !== undefined ? ` · ${formatBytes(r.storedBytes)} stored` : ""}
              </td>
              <td class="var-preview">
                <code>{r.preview ?? ""}</code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
