/** Browser entry: hydrates the notebook editor island from the props embedded in the page. */
import { hydrate } from "preact";
import { NotebookApp, type NotebookAppProps } from "../notebook/app.tsx";
import type { CreateEditor } from "../notebook/editor_host.ts";

const root = document.getElementById("island-notebook");
const propsEl = document.getElementById("island-notebook-props");
if (root && propsEl) {
  const props = JSON.parse(propsEl.textContent ?? "{}") as NotebookAppProps;
  const loadEditor = async (): Promise<CreateEditor> => {
    const mod = await import(props.urls.editor);
    return mod.createEditor as CreateEditor;
  };
  hydrate(<NotebookApp {...props} loadEditor={loadEditor} />, root);
  performance.mark("strata:hydrated");
  document.documentElement.dataset.hydrated = "1";
}
