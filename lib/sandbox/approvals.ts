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

/**
 * The approved grant texts of a notebook whose MAC verifies; anything else is ignored. The
 * result is a function of the key, the folder's real path and the file's text, so it is
 * remembered by those: a run reads the small file again but does not re-verify every MAC
 * (issue 20: sandboxed runs read approvals before every run).
 */
export async function readApprovals(notebookDir: string, key: ApprovalKey): Promise<Set<string>> {
  const text = readText(notebookDir);
  if (text === null) return new Set();
  const real = await realPathOf(notebookDir);
  let memo = verified.get(key);
  if (!memo) verified.set(key, memo = new Map());
  const id = `${real}\0${text}`;
  let out = memo.get(id);
  if (!out) {
    out = new Set<string>();
    for (const a of parseStored(text)) {
      if (a.mac === await mac(key, real, a.grant)) out.add(a.grant);
    }
    if (memo.size >= MAX_REMEMBERED) memo.delete(memo.keys().next().value!);
    memo.set(id, out);
  }
  return new Set(out);
}

/** Verified approvals by key, then by real path and file text. */
const verified = new WeakMap<ApprovalKey, Map<string, Set<string>>>();
const MAX_REMEMBERED = 256;

/** Records approvals of `grants` (texts) and returns every approved grant afterwards. */
export async function addApprovals(
  notebookDir: string,
  key: ApprovalKey,
  grants: readonly string[],
  options: { by: string | null; now: Date },
): Promise<Set<string>> {
  const valid: StoredApproval[] = [];
  const real = await realPathOf(notebookDir);
  for (const a of parseStored(readText(notebookDir) ?? "")) {
    if (a.mac === await mac(key, real, a.grant)) valid.push(a);
  }
  const have = new Set(valid.map((a) => a.grant));
  for (const grant of grants) {
    if (have.has(grant)) continue;
    have.add(grant);
    valid.push({
      grant,
      approvedAt: options.now.toISOString(),
      approvedBy: options.by,
      mac: await mac(key, real, grant),
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

/**
 * The approvals file's text; null when there is none. Synchronous: it is read before every cell
 * run and is small (see symlinks.ts on why).
 */
function readText(notebookDir: string): string | null {
  try {
    return Deno.readTextFileSync(join(notebookDir, FILE));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

function parseStored(text: string): StoredApproval[] {
  if (text === "") return [];
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

/** The folder's real path, which every MAC covers (a moved notebook asks again). */
function realPathOf(notebookDir: string): Promise<string> {
  return Deno.realPath(notebookDir).catch(() => notebookDir);
}

async function mac(key: ApprovalKey, real: string, grant: string): Promise<string> {
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
