/** The home page island: create a notebook, open one (list or path), delete with confirmation. */
import { useMemo, useState } from "preact/hooks";
import type { NotebookListing } from "../lib/ui/notebook_types.ts";
import { apiCall, notebookHref } from "./notebook/api_client.ts";

/** Props of HomeApp (serialized into the page). */
export interface HomeAppProps {
  notebooks: NotebookListing[];
  /** Why the list is unavailable (e.g. service mode), if it is. */
  listError: string | null;
  /**
   * The notebook root every path is relative to, as an absolute path on the server's machine;
   * null where it is not the visitor's business (service mode).
   */
  root: string | null;
}

type SortKey = "name" | "path" | "owner" | "updatedAt";

/** The home page. */
export function HomeApp({ notebooks: initial, listError, root }: HomeAppProps) {
  const [notebooks, setNotebooks] = useState(initial);
  const [name, setName] = useState("");
  const [folder, setFolder] = useState("");
  const [openPath, setOpenPath] = useState("");
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: "updatedAt", dir: -1 });
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const list = f
      ? notebooks.filter((n) => `${n.name} ${n.path} ${n.owner ?? ""}`.toLowerCase().includes(f))
      : notebooks;
    return [...list].sort((a, b) =>
      String(a[sort.key] ?? "").localeCompare(String(b[sort.key] ?? "")) * sort.dir
    );
  }, [notebooks, filter, sort]);

  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const body: { name: string; path?: string } = { name: name.trim() };
      if (folder.trim()) body.path = folder.trim();
      const state = await apiCall<{ notebook: { path: string } }>(
        "POST",
        "/v1/notebooks/create",
        body,
      );
      location.assign(notebookHref(state.notebook.path));
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
      setBusy(false);
    }
  }

  async function open(e: Event) {
    e.preventDefault();
    setMessage(null);
    try {
      const state = await apiCall<{ notebook: { path: string } }>("POST", "/v1/notebooks/open", {
        path: openPath.trim(),
      });
      location.assign(notebookHref(state.notebook.path));
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  }

  async function remove(path: string) {
    try {
      await apiCall("POST", "/v1/notebooks/delete-by-path", { path });
      setNotebooks((list) => list.filter((n) => n.path !== path));
      setMessage({ ok: true, text: `Deleted '${path}'` });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
    setConfirming(null);
  }

  function header(key: SortKey, label: string) {
    const active = sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (sort.dir === 1 ? "ascending" : "descending") : "none"}>
        <button
          type="button"
          class="th-sort"
          onClick={() =>
            setSort({ key, dir: active ? (sort.dir === 1 ? -1 : 1) : 1 })}
        >
          {label}
          <span aria-hidden="true">{active ? (sort.dir === 1 ? " ▲" : " ▼") : ""}</span>
        </button>
      </th>
    );
  }

  return (
    <div class="home">
      <header class="topbar">
        <nav class="crumbs">
          <a href="/" class="brand">Strata</a>
        </nav>
      </header>
      <main class="home-main">
        <div class="home-forms">
          <section class="card" aria-labelledby="create-title">
            <h2 id="create-title">New notebook</h2>
            <form onSubmit={create} class="stack">
              <label>
                Name
                <input
                  name="name"
                  required
                  maxLength={200}
                  value={name}
                  onInput={(e) => setName((e.target as HTMLInputElement).value)}
                />
              </label>
              <label>
                Folder <span class="muted">(optional, relative to the notebook root)</span>
                <input
                  name="folder"
                  placeholder="e.g. team/analysis"
                  value={folder}
                  onInput={(e) => setFolder((e.target as HTMLInputElement).value)}
                />
              </label>
              <button type="submit" class="btn-primary" disabled={busy || !name.trim()}>
                Create notebook
              </button>
            </form>
          </section>
          <section class="card" aria-labelledby="open-title">
            <h2 id="open-title">Open a folder</h2>
            <form onSubmit={open} class="stack">
              <label>
                Path
                <input
                  name="path"
                  required
                  placeholder="folder/with/notebook.toml"
                  value={openPath}
                  onInput={(e) => setOpenPath((e.target as HTMLInputElement).value)}
                />
              </label>
              <button type="submit" disabled={!openPath.trim()}>Open</button>
            </form>
            <RootHint root={root} />
          </section>
        </div>
        {message && (
          <p class={message.ok ? "ok" : "form-error"} role={message.ok ? "status" : "alert"}>
            {message.text}
          </p>
        )}
        <section class="card" aria-labelledby="list-title">
          <div class="list-head">
            <h2 id="list-title">Notebooks</h2>
            <input
              type="search"
              aria-label="Filter notebooks"
              placeholder="Filter by name, path or owner"
              value={filter}
              onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
            />
          </div>
          {listError ? <p class="muted">{listError}</p> : shown.length === 0
            ? (
              <p class="muted">
                {notebooks.length
                  ? "No notebook matches the filter."
                  : "No notebooks yet: create one above."}
              </p>
            )
            : (
              <div class="table-scroll">
                <table class="nb-list">
                  <thead>
                    <tr>
                      {header("name", "Name")}
                      {header("path", "Path")}
                      {header("owner", "Owner")}
                      {header("updatedAt", "Last updated")}
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((n) => (
                      <tr key={n.path} data-path={n.path}>
                        <td>
                          <a href={notebookHref(n.path)}>{n.name}</a>
                        </td>
                        <td>
                          <code>{n.path}</code>
                        </td>
                        <td>{n.owner ?? <span class="muted">—</span>}</td>
                        <td>
                          <time dateTime={n.updatedAt} title={n.updatedAt}>
                            {n.updatedAt.slice(0, 16).replace("T", " ")}
                          </time>
                        </td>
                        <td class="row-actions">
                          {confirming === n.path
                            ? (
                              <span
                                class="confirm"
                                role="group"
                                aria-label={`Confirm deleting ${n.name}`}
                              >
                                <button
                                  type="button"
                                  class="btn-danger"
                                  onClick={() => remove(n.path)}
                                >
                                  Delete permanently
                                </button>
                                <button type="button" onClick={() => setConfirming(null)}>
                                  Cancel
                                </button>
                              </span>
                            )
                            : (
                              <button
                                type="button"
                                onClick={() => setConfirming(n.path)}
                                aria-label={`Delete ${n.name}`}
                              >
                                Delete
                              </button>
                            )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
        </section>
      </main>
    </div>
  );
}

/** Where notebooks can be opened from, and how to open one elsewhere. */
function RootHint({ root }: { root: string | null }) {
  if (root === null) {
    return (
      <p class="root-hint muted">
        Paths are relative to your notebook root on the server.
      </p>
    );
  }
  return (
    <div class="root-hint" data-testid="root-hint">
      <p class="root-hint muted">
        Notebook root: <code>{root}</code>
        <br />
        Paths are relative to it; folders outside it cannot be opened. To work on a notebook
        elsewhere (for example one made with <code>strata new ./demo</code>), restart with{" "}
        <code>strata serve ./demo</code> (serves that folder as the root) or set{" "}
        <code>STRATA_NOTEBOOK_STORAGE_DIR</code>.
      </p>
    </div>
  );
}
