/**
 * Cell dependency graph. Each reference is wired to the most recent earlier cell (in notebook
 * order) that defines the name; `@after` adds ordering edges. Duplicate definitions, names read
 * before any cell defines them, unknown `@after` targets and cycles are cell diagnostics.
 */
import type { CellDiagnostic, Escape } from "./analyzer.ts";

/** What the DAG needs from one cell, in notebook order. */
export interface DagCellInput {
  id: string;
  /** `@name`, so `@after <name>` can find the cell. */
  name?: string;
  defines: readonly string[];
  references: readonly string[];
  /** Known globals read by the cell; wired only when an earlier cell defines the name. */
  globalReferences?: readonly string[];
  /** Names the cell assigns without declaring (also in defines and references). */
  mutates?: readonly string[];
  /** `@after` targets (cell ids or names). */
  after?: readonly string[];
  /** How people name the cell in messages (`@name`, else `[n]`); @default the id */
  label?: string;
  /** Names passed to calls whose effect is unknown (from the analyzer). */
  escapes?: readonly Escape[];
  /** Names this cell binds to values no call can change (from the analyzer). */
  fixed?: readonly string[];
}

/** A dependency: `to` reads `names` from `from` (data), or must run after it (after). */
export interface DagEdge {
  from: string;
  to: string;
  kind: "data" | "after";
  names: string[];
}

/** The built graph. Sets and maps are keyed by cell id. */
export interface Dag {
  /** Cell ids in notebook order. */
  cells: string[];
  /** A topological order (notebook order where edges allow; cells in cycles last). */
  order: string[];
  edges: DagEdge[];
  /** Direct upstream cells of each cell. */
  upstream: Map<string, Set<string>>;
  /** Direct downstream cells of each cell. */
  downstream: Map<string, Set<string>>;
  /** For each cell, which cell each of its read names comes from. */
  inputs: Map<string, Map<string, string>>;
  /** For each cell, the variables it must store: only those read downstream. */
  stores: Map<string, string[]>;
  diagnostics: Map<string, CellDiagnostic[]>;
}

/** Builds the dependency graph of cells given in notebook order. */
export function buildDag(cells: readonly DagCellInput[]): Dag {
  const ids = cells.map((c) => c.id);
  const upstream = new Map(ids.map((id) => [id, new Set<string>()]));
  const downstream = new Map(ids.map((id) => [id, new Set<string>()]));
  const inputs = new Map(ids.map((id) => [id, new Map<string, string>()]));
  const storeSets = new Map(ids.map((id) => [id, new Set<string>()]));
  const diagnostics = new Map<string, CellDiagnostic[]>(ids.map((id) => [id, []]));
  const edges = new Map<string, DagEdge>();
  const note = (
    id: string,
    d: Omit<CellDiagnostic, "severity"> & { severity?: "error" | "warning" },
  ) => diagnostics.get(id)!.push({ severity: "warning", ...d });
  function link(from: string, to: string, kind: "data" | "after", name?: string): void {
    const key = `${from}\u0000${to}\u0000${kind}`;
    let e = edges.get(key);
    if (!e) edges.set(key, e = { from, to, kind, names: [] });
    if (name && !e.names.includes(name)) e.names.push(name);
    upstream.get(to)!.add(from);
    downstream.get(from)!.add(to);
  }

  const labels = new Map(cells.map((c) => [c.id, c.label ?? c.id]));
  const fixed = new Map(cells.map((c) => [c.id, new Set(c.fixed ?? [])]));
  const latest = new Map<string, string>();
  const declaredBy = new Map<string, string[]>();
  const definedAnywhere = new Map<string, string>();
  for (const c of cells) {
    for (const n of c.defines) if (!definedAnywhere.has(n)) definedAnywhere.set(n, c.id);
  }
  for (const c of cells) {
    const mutated = new Set(c.mutates ?? []);
    for (const name of c.references) {
      const from = latest.get(name);
      if (from) {
        link(from, c.id, "data", name);
        inputs.get(c.id)!.set(name, from);
        storeSets.get(from)!.add(name);
      } else if (definedAnywhere.has(name) && definedAnywhere.get(name) !== c.id) {
        note(c.id, {
          code: "defined-later",
          message: `'${name}' is only defined by a later cell (${
            labels.get(definedAnywhere.get(name)!)
          }); move that cell above this one`,
        });
      } else {
        note(c.id, {
          code: "undefined-name",
          message: `'${name}' is not defined by any earlier cell`,
        });
      }
    }
    for (const name of c.globalReferences ?? []) {
      const from = latest.get(name);
      if (!from) continue;
      link(from, c.id, "data", name);
      inputs.get(c.id)!.set(name, from);
      storeSets.get(from)!.add(name);
    }
    for (const e of c.escapes ?? []) {
      const from = latest.get(e.name);
      if (!from || fixed.get(from)!.has(e.name)) continue;
      note(c.id, {
        code: "possible-mutation",
        line: e.line,
        column: e.column,
        message: `'${e.name}' is passed to ${e.callee}(): if that changes it, the cells below ` +
          `still see '${e.name}' as cell ${labels.get(from)} made it. Assign the result ` +
          `('${e.name} = …') or use a new name so this cell defines it`,
      });
    }
    for (const name of c.defines) {
      latest.set(name, c.id);
      if (mutated.has(name)) continue;
      const list = declaredBy.get(name) ?? [];
      list.push(c.id);
      declaredBy.set(name, list);
    }
  }
  for (const [name, definers] of declaredBy) {
    if (definers.length < 2) continue;
    for (const id of definers) {
      const others = definers.filter((d) => d !== id).map((d) => labels.get(d)).join(", ");
      note(id, {
        code: "duplicate-definition",
        message:
          `'${name}' is also defined by cell ${others}; each reader uses the nearest cell above it`,
      });
    }
  }

  const byName = new Map<string, string>();
  for (const c of cells) if (c.name && !byName.has(c.name)) byName.set(c.name, c.id);
  const known = new Set(ids);
  for (const c of cells) {
    for (const ref of c.after ?? []) {
      const target = known.has(ref) ? ref : byName.get(ref);
      if (!target) {
        note(c.id, {
          code: "unknown-after",
          message: `@after '${ref}' matches no cell id or name`,
        });
      } else if (target === c.id) {
        note(c.id, { code: "cycle", severity: "error", message: "@after names the cell itself" });
      } else link(target, c.id, "after");
    }
  }

  const order = topologicalOrder(ids, upstream);
  for (const id of ids.filter((id) => !order.sorted.has(id))) {
    note(id, {
      code: "cycle",
      severity: "error",
      message: "This cell is part of a dependency cycle (through @after); it cannot run",
    });
  }
  const stores = new Map([...storeSets].map(([id, s]) => [id, [...s].sort()]));
  return {
    cells: ids,
    order: order.order,
    edges: [...edges.values()],
    upstream,
    downstream,
    inputs,
    stores,
    diagnostics,
  };
}

/** Kahn's algorithm, always taking the ready cell that comes first in the notebook. */
function topologicalOrder(ids: string[], upstream: Map<string, Set<string>>) {
  const remaining = new Map(ids.map((id) => [id, upstream.get(id)!.size]));
  const downstream = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const u of upstream.get(id)!) downstream.get(u)!.push(id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const ready = ids.filter((id) => remaining.get(id) === 0);
  const order: string[] = [];
  const sorted = new Set<string>();
  while (ready.length > 0) {
    let best = 0;
    for (let i = 1; i < ready.length; i++) {
      if (index.get(ready[i])! < index.get(ready[best])!) best = i;
    }
    const id = ready.splice(best, 1)[0];
    order.push(id);
    sorted.add(id);
    for (const d of downstream.get(id)!) {
      const left = remaining.get(d)! - 1;
      remaining.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  for (const id of ids) if (!sorted.has(id)) order.push(id);
  return { order, sorted };
}

/** All cells a cell depends on, directly or not. */
export function upstreamOf(dag: Dag, id: string): Set<string> {
  return reach(dag.upstream, id);
}

/** All cells that depend on a cell, directly or not. */
export function downstreamOf(dag: Dag, id: string): Set<string> {
  return reach(dag.downstream, id);
}

/** All cells that depend on any of `ids`, directly or not (one walk for all of them). */
export function downstreamOfAll(dag: Dag, ids: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const id of ids) for (const d of dag.downstream.get(id) ?? []) stack.push(d);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const n of dag.downstream.get(id) ?? []) if (!seen.has(n)) stack.push(n);
  }
  return seen;
}

function reach(next: Map<string, Set<string>>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id) || id === start) continue;
    seen.add(id);
    for (const n of next.get(id) ?? []) stack.push(n);
  }
  return seen;
}

/**
 * Cells to re-run after editing one cell, in topological order: the cell itself, everything
 * downstream of it before and after the edit, and every cell whose inputs now come from a
 * different cell (an edit can add or remove a definition other cells were reading).
 */
export function dirtyAfterEdit(before: Dag | null, after: Dag, editedId: string): string[] {
  const dirty = new Set<string>([editedId]);
  const seeds = [editedId];
  if (before) {
    for (const id of downstreamOf(before, editedId)) seeds.push(id);
    for (const id of after.cells) {
      const a = after.inputs.get(id)!;
      const b = before.inputs.get(id);
      if (!b || b.size !== a.size || [...a].some(([n, from]) => b.get(n) !== from)) seeds.push(id);
    }
  }
  // One walk from every seed at once (a walk per seed was quadratic: issue 20).
  const stack = seeds.filter((id) => after.upstream.has(id));
  while (stack.length > 0) {
    const id = stack.pop()!;
    dirty.add(id);
    for (const d of after.downstream.get(id) ?? []) if (!dirty.has(d)) stack.push(d);
  }
  return after.order.filter((id) => dirty.has(id));
}
