/** Test fixture: a snapshot built by hand, for the renderers' tests. */
import type { NotebookSnapshot, Receipt, SnapshotCell } from "./snapshot.ts";

/** A receipt with fixed hashes for `cellId`. */
export function receiptFor(cellId: string, name: string | null = null): Receipt {
  return {
    cellId,
    cellName: name,
    provenance: "a".repeat(64),
    outputHash: "b".repeat(64),
    env: {
      hash: "c".repeat(64),
      denoVersion: "2.9.6",
      lockHash: null,
      permissions: {
        net: [],
        read: [],
        write: [],
        env: ["REGION"],
        run: [],
        sys: [],
        ffi: [],
        import: [],
      },
      worker: "local",
      readKeys: ["REGION"],
    },
    computedAt: "2026-01-02T03:04:05.000Z",
    computedBy: "ada",
  };
}

/** A code cell with one text output and a receipt. */
export function codeCell(id: string, source: string, text = "1"): SnapshotCell {
  return {
    id,
    name: null,
    language: "typescript",
    source,
    status: "ready",
    outputs: {
      displays: [{ type: "text", data: text }],
      console: [],
      consoleTruncated: false,
      error: null,
    },
    receipt: receiptFor(id),
    permissions: { notebookDir: "/nb" },
    diagnostics: [],
  };
}

/** A snapshot of the given cells (order: code cells as listed). */
export function snapshotOf(cells: SnapshotCell[], name = "Demo"): NotebookSnapshot {
  return {
    notebook: { id: "nb-1", name, path: "demo", owner: null },
    exportedAt: "2026-01-02T03:04:05.000Z",
    denoVersion: "2.9.6",
    cells,
    order: cells.filter((c) => c.language === "typescript").map((c) => c.id),
    env: {},
  };
}
