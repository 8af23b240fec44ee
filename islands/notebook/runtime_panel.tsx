/**
 * The Runtime panel: env keys with their source (notebook, manual, secret manager). Secret values
 * are never shown (the server never sends them); they can be replaced, write-only. Non-secret
 * values are editable.
 */
import { useState } from "preact/hooks";
import type { EnvRow, NotebookState } from "../../lib/protocol/notebook_state.ts";

/** Props of RuntimePanel. */
export interface RuntimePanelProps {
  env: EnvRow[];
  secretManager: NotebookState["secretManager"];
  /** PUT env {values, secret}; resolves when saved, rejects with a readable message. */
  save(values: Record<string, string | null>, secret?: Record<string, boolean>): Promise<void>;
  /** POST secret-manager/refresh; resolves to the fetch error, or null when it worked. */
  refresh(): Promise<string | null>;
  /** PUT secret-manager/config (null removes it). */
  configure(config: Record<string, string> | null): Promise<void>;
}

/** Names that are always secrets (lib/secrets/sensitive.ts). */
const SENSITIVE = /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i;

/** Sources that are not a secret manager; any other source is a provider name ("infisical"). */
const LOCAL_SOURCES: Record<string, string> = { notebook: "notebook", manual: "manual" };

/** The panel. */
export function RuntimePanel({ env, secretManager, save, refresh, configure }: RuntimePanelProps) {
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [projectId, setProjectId] = useState("");
  const [environment, setEnvironment] = useState("dev");
  const [newKey, setNewKey] = useState("");
  const [newValue, setNewValue] = useState("");
  // null: the default for the name (sensitive names are always secrets).
  const [newSecret, setNewSecret] = useState<boolean | null>(null);
  const sensitiveName = SENSITIVE.test(newKey);
  const asSecret = sensitiveName || (newSecret ?? false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function submit(
    values: Record<string, string | null>,
    done?: () => void,
    secret?: Record<string, boolean>,
  ) {
    await attempt(() => save(values, secret), `Saved ${Object.keys(values).join(", ")}`, done);
  }

  async function attempt(fn: () => Promise<void>, ok: string, done?: () => void) {
    try {
      await fn();
      setMessage({ ok: true, text: ok });
      done?.();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  }

  return (
    <div class="runtime">
      {secretManager?.configured
        ? (
          <div class="secret-manager">
            <p class="muted">
              Secret manager:{" "}
              <span class="badge">
                {String(secretManager.config?.provider ?? "?").toUpperCase()}
              </span>{" "}
              {String(secretManager.config?.project_id ?? "")}
              {secretManager.fetchedAt
                ? `, ${secretManager.fetchedKeys ?? 0} values fetched ${
                  new Date(secretManager.fetchedAt).toLocaleString()
                }`
                : ""}
            </p>
            {secretManager.lastError
              ? <p class="panel-error" role="alert">{secretManager.lastError}</p>
              : null}
            <button
              type="button"
              onClick={async () => {
                try {
                  const error = await refresh();
                  setMessage(error ? null : { ok: true, text: "Secrets refreshed" });
                } catch (err) {
                  setMessage({ ok: false, text: (err as Error).message });
                }
              }}
            >
              Refresh secrets
            </button>
          </div>
        )
        : (
          <form
            class="env-add"
            onSubmit={(e) => {
              e.preventDefault();
              if (!projectId.trim()) return;
              attempt(
                () =>
                  configure({ provider: "infisical", project_id: projectId.trim(), environment }),
                "Secret manager saved",
              );
            }}
          >
            <input
              aria-label="Infisical project id"
              placeholder="Infisical project id"
              value={projectId}
              onInput={(e) => setProjectId((e.target as HTMLInputElement).value)}
            />
            <input
              aria-label="Infisical environment"
              placeholder="dev"
              value={environment}
              onInput={(e) => setEnvironment((e.target as HTMLInputElement).value)}
            />
            <button type="submit">Use Infisical</button>
          </form>
        )}
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
                  <td>
                    {LOCAL_SOURCES[row.source] ??
                      <span class="badge">{row.source.toUpperCase()}</span>}
                  </td>
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
                    {row.source in LOCAL_SOURCES && (
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
          const key = newKey.trim();
          submit({ [key]: newValue }, () => {
            setNewKey("");
            setNewValue("");
            setNewSecret(null);
          }, asSecret ? { [key]: true } : undefined);
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
          type={asSecret ? "password" : "text"}
          value={newValue}
          onInput={(e) => setNewValue((e.target as HTMLInputElement).value)}
        />
        <label class="small">
          <input
            type="checkbox"
            aria-label="Keep as secret"
            checked={asSecret}
            disabled={sensitiveName}
            onChange={(e) => setNewSecret((e.target as HTMLInputElement).checked)}
          />{" "}
          secret
        </label>
        <button type="submit">Add</button>
      </form>
      <p class="muted small">
        Secrets (ticked, fetched from a secret manager, or named with KEY, SECRET, TOKEN, PASSWORD
        or CREDENTIAL) are kept in memory only, never shown, and printed as [secret:NAME].
      </p>
      {message && <p class={message.ok ? "ok" : "panel-error"} role="status">{message.text}</p>}
    </div>
  );
}
