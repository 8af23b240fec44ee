// Test helper: a program's module graph as `deno info --json` reports it (issue 20 start-up tests).
const root = new URL("../", import.meta.url).pathname;

interface Graph {
  roots: string[];
  modules: {
    specifier: string;
    dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
  }[];
}

/**
 * The modules a run of `entry` (a path from the repository root) reaches through code imports
 * (not type-only ones), as specifiers. With `dynamic: false`, dynamic imports are not followed:
 * what evaluating `entry` evaluates before any of them runs.
 */
export async function moduleGraph(
  entry: string,
  options: { dynamic: boolean },
): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as Graph;
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...graph.roots];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if ((options.dynamic || !d.isDynamic) && d.code?.specifier) todo.push(d.code.specifier);
    }
  }
  return seen;
}
