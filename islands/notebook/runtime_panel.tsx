/**
 * The Runtime panel: env keys with their source (notebook, manual, secret manager). Secret values
 * are never shown (the server never sends them); they can be replaced, write-only. Non-secret
 * values are editable.
 */
import { useState } from "preact/hooks";
import type { EnvRow, NotebookState } from "../../lib/ui/notebook_types.ts";

/** Props of RuntimePanel. */
export interface RuntimePanelProps {
  env: EnvRow[];
  secretManager: NotebookState["secretManager"];
  /** PUT env {values}; resolves when saved, rejects with a readable message. */
  save(values: Record<string, string | null>): Promise<void>;
}

const SOURCES: Record<string, string> = {
  notebook: "notebook",
  manual: "manual",
  secret_manager: "secret manager",
};

/** The panel. */
export function RuntimePanel({ env, secretManager, save }: RuntimePanelProps) {
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [newKey, setNewKey] = useState("");
  const [newValue, setNewValue] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function submit(values: Record<string, string | null>, done?: () => void) {
    try {
      await save(values);
      setMessage({ ok: true, text: `Saved ${Object.keys(values).join(", ")}` });
      done?.();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  }

  return (
    <div class="runtime">
      {secretManager?.configured
        ? (
          <p class="muted">
            Secret manager: {String(secretManager.config?.provider ?? "configured")}
            {secretManager.fetchedAt
              ? `, ${secretManager.fetchedKeys ?? 0} values fetched ${
                new Date(secretManager.fetchedAt).toLocaleString()
              }`
              : ""}
            {secretManager.lastError
              ? <span class="diag-error">: {secretManager.lastError}</span>
              : null}
          </p>
        )
        : <p class="muted">No secret manager configured for this notebook.</p>}
      {env.length === 0 ? <p class="muted">No environment variables.</p> : (
        <table class="env-table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Source</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {env.map((row) => {
              const editing = edits[row.key];
              return (
                <tr key={row.key} data-env-key={row.key}>
                  <td>
                    <code>{row.key}</code>
                  </td>
                  <td>{SOURCES[row.source] ?? row.source}</td>
                  <td>
                    {row.secret
                      ? (
                        <span class="secret" title="Secret values are never shown">
                          {row.hasValue === false ? "not set" : "•••••• (hidden)"}
                        </span>
                      )
                      : (
                        <input
                          type="text"
                          aria-label={`Value of ${row.key}`}
                          value={editing ?? row.value ?? ""}
                          onInput={(e) =>
                            setEdits({ ...edits, [row.key]: (e.target as HTMLInputElement).value })}
                        />
                      )}
                  </td>
                  <td class="env-actions">
                    {!row.secret && editing !== undefined && editing !== row.value && (
                      <button
                        type="button"
                        onClick={() =>
                          submit({ [row.key]: editing }, () => {
                            const { [row.key]: _gone, ...rest } = edits;
                            setEdits(rest);
                          })}
                      >
                        Save
                      </button>
                    )}
                    {row.source !== "secret_manager" && (
                      <button
                        type="button"
                        onClick={() => submit({ [row.key]: null })}
                        aria-label={`Remove ${row.key}`}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form
        class="env-add"
        onSubmit={(e) => {
          e.preventDefault();
          if (!newKey.trim()) return;
          submit({ [newKey.trim()]: newValue }, () => {
            setNewKey("");
            setNewValue("");
          });
        }}
      >
        <input
          aria-label="New variable name"
          placeholder="NAME"
          value={newKey}
          onInput={(e) => setNewKey((e.target as HTMLInputElement).value)}
        />
        <input
          aria-label="New variable value"
          placeholder="value"
          type={/KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i.test(newKey) ? "password" : "text"}
          value={newValue}
          onInput={(e) => setNewValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Add</button>
      </form>
      <p class="muted small">
        Names containing KEY, SECRET, TOKEN, PASSWORD or CREDENTIAL are secrets: kept in memory
        only, never shown.
      </p>
      {message && <p class={message.ok ? "ok" : "panel-error"} role="status">{message.text}</p>}
    </div>
  );
}
