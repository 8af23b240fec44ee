/**
 * The program each cell child runs (`deno run harness.ts <scratchDir>`). Its main thread is the
 * supervisor (trusted: holds the frame nonce, writes frames, ends the child when the server is
 * gone); the same file, started as a Worker, is the runner that executes cell code in a realm of
 * its own. Each realm loads only its own half, so a child starts faster. A child runs one message
 * and exits, so no state leaks between runs.
 */

const scope = globalThis as { WorkerGlobalScope?: new () => unknown };
const inWorker = scope.WorkerGlobalScope !== undefined &&
  globalThis instanceof scope.WorkerGlobalScope;

if (inWorker) {
  // What the supervisor sends while the runner's modules load is kept for it: a message that
  // arrives when no handler is set is lost (the supervisor may send `init` that early).
  const early: MessageEvent[] = [];
  (globalThis as { onmessage: ((e: MessageEvent) => void) | null }).onmessage = (e) => {
    early.push(e);
  };
  (await import("./_runner.ts")).startRunner(early);
} else if (import.meta.main) {
  // The runner's isolate starts first, so that it boots on its own thread while the supervisor's
  // modules load (issue 20: a child that has to start is part of a cold run). Its events wait
  // here until the supervisor takes them over; nothing of the cell runs before a job arrives.
  const worker = new Worker(import.meta.url, { type: "module", name: "cell" });
  const early: Event[] = [];
  worker.onmessage = (e) => early.push(e);
  worker.onerror = (e) => {
    e.preventDefault();
    early.push(e);
  };
  await (await import("./_supervisor.ts")).supervise(Deno.args[0], worker, early);
}
