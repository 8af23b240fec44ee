/**
 * Personal mode approvals: the grants the owner approved for a notebook, kept in
 * `.strata/approvals.json` (never in notebook.toml, which travels with the notebook). Each entry
 * carries an HMAC over the notebook's real path and the grant, keyed by a secret of this
 * installation (`<data_dir>/approval.key`), so a notebook folder received from someone else
 * with a pre-filled approvals file, or moved to another path, asks again.
 */
import { join } from "node:path";
import { atomicWriteTextFile } from "../notebook/_atomic.ts";

/** One approved grant as stored. */
interface StoredApproval {
  grant: string;
  approvedAt: string;
  approvedBy: string | null;
  mac: string;
}

const FILE = ".strata/approvals.json";

/** The installation's approval secret (32 bytes). */
export type ApprovalKey = Uint8Array<ArrayBuffer>;

/** Reads the installation's approval key, creating it (random, mode 0600) on first use. */
export async function loadApprovalKey(dataDir: string): Promise<ApprovalKey> {
  const path = join(dataDir, "approval.key");
  try {
    const hex = (await Deno.readTextFile(path)).trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return fromHex(hex);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const key = crypto.getRandomValues(new Uint8Array(32));
  await Deno.mkdir(dataDir, { recursive: true });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(tmp, toHex(key) + "\n", { mode: 0o600 });
  try {
    // link(2) creates the file only if absent: two processes starting at once agree on one key.
    await Deno.link(tmp, path);
    return key;
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    const hex = (await Deno.readTextFile(path)).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new Error(
        `${path} is not an approval key (64 hex digits); remove it to make a new one`,
      );
    }
    return fromHex(hex);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** The approved grant texts of a notebook whose MAC verifies; anything else is ignored. */
export async function readApprovals(notebookDir: string, key: ApprovalKey): Promise<Set<string>> {
  const out = new Set<string>();
  for (const a of await readStored(notebookDir)) {
    if (a.mac === await mac(key, notebookDir, a.grant)) out.add(a.grant);
  }
  return out;
}

/** Records approvals of `grants` (texts) and returns every approved grant afterwards. */
export async function addApprovals(
  notebookDir: string,
  key: ApprovalKey,
  grants: readonly string[],
  options: { by: string | null; now: Date },
): Promise<Set<string>> {
  const valid: StoredApproval[] = [];
  for (const a of await readStored(notebookDir)) {
    if (a.mac === await mac(key, notebookDir, a.grant)) valid.push(a);
  }
  const have = new Set(valid.map((a) => a.grant));
  for (const grant of grants) {
    if (have.has(grant)) continue;
    have.add(grant);
    valid.push({
      grant,
      approvedAt: options.now.toISOString(),
      approvedBy: options.by,
      mac: await mac(key, notebookDir, grant),
    });
  }
  valid.sort((a, b) => (a.grant < b.grant ? -1 : a.grant > b.grant ? 1 : 0));
  await Deno.mkdir(join(notebookDir, ".strata"), { recursive: true });
  await atomicWriteTextFile(
    join(notebookDir, FILE),
    JSON.stringify({ version: 1, approved: valid }, null, 2) + "\n",
  );
  return have;
}

async function readStored(notebookDir: string): Promise<StoredApproval[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(notebookDir, FILE));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as { approved?: unknown };
    if (!Array.isArray(parsed.approved)) return [];
    return parsed.approved.filter((a): a is StoredApproval =>
      typeof a?.grant === "string" && typeof a?.mac === "string"
    );
  } catch {
    return []; // unreadable: nothing is approved, the owner approves again
  }
}

async function mac(key: ApprovalKey, notebookDir: string, grant: string): Promise<string> {
  const real = await Deno.realPath(notebookDir).catch(() => notebookDir);
  const k = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = await crypto.subtle.sign(
    "HMAC",
    k,
    new TextEncoder().encode(`strata-approval-v1\n${real}\n${grant}`),
  );
  return toHex(new Uint8Array(sig));
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): ApprovalKey {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}
