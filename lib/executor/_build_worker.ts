/** Worker entry that builds cell modules off the server's event loop (see _module_builder.ts). */

import { buildCellModule, type BuildOptions } from "./cell_module.ts";

interface BuildRequest {
  id: number;
  source: string;
  options: BuildOptions;
}

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<BuildRequest>) => void) | null;
  postMessage: (message: unknown) => void;
};

scope.onmessage = async (e) => {
  const { id, source, options } = e.data;
  try {
    scope.postMessage({ id, outcome: await buildCellModule(source, options) });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
