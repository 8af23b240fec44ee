/**
 * Test helper for inputs that made a renderer run for minutes: calls the string function `name` of
 * the module at `moduleUrl` on each input in a Worker, and fails when it has not answered within
 * `ms` (a regression then fails the test instead of hanging the suite).
 */
export async function mapInWorker(
  moduleUrl: string,
  name: string,
  inputs: string[],
  ms: number,
): Promise<string[]> {
  const code = `import { ${name} } from ${JSON.stringify(moduleUrl)};
    self.onmessage = (e) => self.postMessage(e.data.map((s) => ${name}(s)));`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(code)}`, {
    type: "module",
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      new Promise<string[]>((ok, fail) => {
        worker.onmessage = (e) => ok(e.data);
        worker.onerror = (e) => fail(new Error(e.message));
        worker.postMessage(inputs);
      }),
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`${name} still running after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}
