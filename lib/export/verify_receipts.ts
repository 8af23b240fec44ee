/**
 * `strata verify report.html`: checks the receipts of an exported file (HTML report or .ipynb)
 * against the artifact store: each receipt's output hash must be the content hash stored for its
 * provenance. A mismatch means the file or the store changed since the export; a missing entry
 * means the output was collected or computed on another store.
 */
import { lookupArtifacts } from "../artifacts/artifact_index.ts";
import type { Db } from "../db/types.ts";
import { ValidationError } from "../errors.ts";

/** The check of one receipt. */
export interface ReceiptCheck {
  cellId: string;
  cellName: string | null;
  provenance: string;
  verdict: "match" | "mismatch" | "missing";
  detail?: string;
}

/** The outcome of checking a file's receipts. */
export interface ReceiptsReport {
  ok: boolean;
  receipts: ReceiptCheck[];
}

interface FileReceipt {
  cellId: string;
  cellName: string | null;
  provenance: string;
  outputHash: string;
}

/** Reads the receipts embedded in an exported HTML report or .ipynb file. */
export function readReceipts(text: string, file: string): FileReceipt[] {
  let raw: unknown;
  const block = /<script type="application\/json" id="strata-receipts">([\s\S]*?)<\/script>/
    .exec(text);
  try {
    if (block) raw = JSON.parse(block[1]);
    else {
      const nb = JSON.parse(text) as {
        cells?: { outputs?: { metadata?: { strata?: { receipt?: unknown } } }[] }[];
      };
      raw = (nb.cells ?? []).flatMap((c) =>
        (c.outputs ?? []).map((o) => o.metadata?.strata?.receipt).filter(Boolean)
      );
    }
  } catch {
    raw = undefined;
  }
  const list = Array.isArray(raw) ? raw : [];
  const receipts = list.filter((r): r is FileReceipt =>
    r && typeof r.cellId === "string" && typeof r.provenance === "string" &&
    typeof r.outputHash === "string"
  );
  if (receipts.length === 0) {
    throw new ValidationError(
      `Cannot verify '${file}': it holds no Strata receipts (export it with strata export)`,
    );
  }
  // An .ipynb repeats a cell's receipt on each of its outputs: check each cell once.
  const seen = new Set<string>();
  return receipts.filter((r) => !seen.has(r.provenance) && seen.add(r.provenance));
}

/** Checks every receipt of an exported file against the store. */
export async function verifyReceipts(
  db: Db,
  tenantHash: string,
  text: string,
  file: string,
): Promise<ReceiptsReport> {
  const checks: ReceiptCheck[] = [];
  for (const r of readReceipts(text, file)) {
    const base = { cellId: r.cellId, cellName: r.cellName ?? null, provenance: r.provenance };
    const found = await lookupArtifacts(db, tenantHash, r.provenance);
    const stored = found.hit ? found.artifacts.find((a) => a.variable === "$result") : undefined;
    if (!stored) {
      checks.push({ ...base, verdict: "missing", detail: "no stored output for this provenance" });
    } else if (stored.contentHash !== r.outputHash) {
      checks.push({
        ...base,
        verdict: "mismatch",
        detail: `file says ${r.outputHash.slice(0, 12)}, store has ${
          stored.contentHash.slice(0, 12)
        }`,
      });
    } else checks.push({ ...base, verdict: "match" });
  }
  return { ok: checks.every((c) => c.verdict === "match"), receipts: checks };
}

/** A receipts check for people. */
export function receiptsText(report: ReceiptsReport): string {
  const lines = report.receipts.map((c) =>
    `  ${c.verdict.padEnd(9)} ${c.cellName ? `${c.cellId} (${c.cellName})` : c.cellId}${
      c.detail ? `  ${c.detail}` : ""
    }`
  );
  const bad = report.receipts.filter((c) => c.verdict !== "match").length;
  lines.push(
    report.ok
      ? `ok: all ${report.receipts.length} receipt(s) match the store`
      : `FAILED: ${bad} of ${report.receipts.length} receipt(s) do not match the store`,
  );
  return lines.join("\n");
}
