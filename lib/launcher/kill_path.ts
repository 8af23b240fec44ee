/**
 * kill(1)'s path, for the server's --allow-run list. The same lookup as KILL_PATH in
 * lib/executor/child.ts (which runs it; lib/launcher/permissions_test.ts checks they agree), kept
 * here so the launcher does not load the executor: the launcher's whole module graph is read at
 * every start (issue 20).
 */
export const KILL_PATH: string = ["/usr/bin/kill", "/bin/kill"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}) ?? "kill";
