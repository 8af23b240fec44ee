/** kill(1), used when Deno.kill is not permitted (the permission-scoped server). */
export const KILL_PATH = ["/usr/bin/kill", "/bin/kill"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}) ?? "kill";
