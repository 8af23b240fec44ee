/** Browser entry: hydrates the home page island. */
import { hydrate } from "preact";
import { HomeApp, type HomeAppProps } from "../home.tsx";

const root = document.getElementById("island-home");
const propsEl = document.getElementById("island-home-props");
if (root && propsEl) {
  hydrate(<HomeApp {...JSON.parse(propsEl.textContent ?? "{}") as HomeAppProps} />, root);
  document.documentElement.dataset.hydrated = "1";
}
