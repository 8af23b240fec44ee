/** Browser entry: hydrates the app-mode island from the props embedded in the page. */
import { hydrate } from "preact";
import { AppPage, type AppPageProps } from "../app/app_page.tsx";

const root = document.getElementById("island-app");
const propsEl = document.getElementById("island-app-props");
if (root && propsEl) {
  const props = JSON.parse(propsEl.textContent ?? "{}") as AppPageProps;
  hydrate(<AppPage {...props} />, root);
  document.documentElement.dataset.hydrated = "1";
}
