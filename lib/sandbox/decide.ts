/**
 * The permission ceiling: `@allow` is a request, the server decides. `decide(requested, ceiling)`
 * splits a cell's requested grants into the effective ones and the refused ones, each refusal
 * naming the setting that would allow it. Pure; table-tested in decide_test.ts.
 *
 * Service mode: the notebook folder (and the child's scratch folder) plus what operator policy
 * allows; `run`, `ffi`, `sys`, every env key, the data/artifact/notebook-root folders, loopback
 * and the server's own listen address are never granted. Personal mode: everything is within the
 * ceiling, but grants beyond the defaults wait for the owner's approval (`needsApproval`).
 */
import { globMatch } from "../acl/glob.ts";
import { type Grant, grantText, isWithin, splitHost, writtenText } from "./grants.ts";

/** What a cell may be granted, for one notebook, tenant and principal. */
export interface Ceiling {
  mode: "personal" | "service";
  /** Absolute notebook folder: always readable; writable in service mode. */
  notebookDir: string;
  /** Env keys the notebook itself sets ([env], secrets, `@env`): always granted. */
  notebookEnv: readonly string[];
  /** Policy lists (service mode): absolute paths, host globs (`*.example.com[:port]`), key globs. */
  read: readonly string[];
  write: readonly string[];
  net: readonly string[];
  env: readonly string[];
  import: readonly string[];
  /** Folders never granted, nor any folder above them (data dir, artifacts, the notebook root). */
  protectedPaths: readonly string[];
  /** The server's own listen address (never granted as a net or import host). */
  listen: { host: string; port: number };
  /** Import hosts every cell gets without asking. */
  defaultImports: readonly string[];
}

/** A requested grant the ceiling does not cover. */
export interface Refusal {
  /** The grant as the cell wrote it in `@allow` (never a resolved server path). */
  grant: string;
  /** The setting that would allow it, or null when nothing can (never granted). */
  setting: string | null;
  /** The whole diagnostic sentence. */
  message: string;
}

/** The decision for one cell. */
export interface Decision {
  effective: Grant[];
  refused: Refusal[];
}

/** Splits `requested` into effective and refused grants under `ceiling`. */
export function decide(requested: readonly Grant[], ceiling: Ceiling): Decision {
  const effective: Grant[] = [];
  const refused: Refusal[] = [];
  for (const g of requested) {
    const why = ceiling.mode === "personal" ? null : refusal(g, ceiling);
    if (why) refused.push(why);
    else effective.push(g);
  }
  return { effective, refused };
}

/**
 * Personal mode: the effective grants that go beyond the defaults (reading the notebook folder,
 * the notebook's own env keys, the default import hosts) and are not in `approved` (grant texts).
 */
export function needsApproval(
  effective: readonly Grant[],
  ceiling: Ceiling,
  approved: ReadonlySet<string>,
): Grant[] {
  if (ceiling.mode !== "personal") return [];
  return effective.filter((g) => !isDefault(g, ceiling) && !approved.has(grantText(g)));
}

function isDefault(g: Grant, c: Ceiling): boolean {
  switch (g.kind) {
    case "read":
      return isWithin(g.value, c.notebookDir);
    case "env":
      return c.notebookEnv.includes(g.value);
    case "import":
      return c.defaultImports.some((p) => hostMatches(p, g.value));
    default:
      return false;
  }
}

const NEVER = "it is never granted to cells in service mode";

function refusal(g: Grant, c: Ceiling): Refusal | null {
  const text = writtenText(g);
  const never = (why: string): Refusal => ({
    grant: text,
    setting: null,
    message: `@allow ${text} refused: ${why}; ${NEVER}`,
  });
  const policy = (key: string, example: string): Refusal => {
    const setting = `[sandbox] ${key} = ["${example}"]`;
    return {
      grant: text,
      setting,
      message:
        `@allow ${text} refused: not allowed by the sandbox policy (an operator can allow it with ${setting})`,
    };
  };
  switch (g.kind) {
    case "run":
    case "ffi":
    case "sys":
      return never(`'${g.kind}' would escape the sandbox`);
    case "env":
      if (g.value === "*") return never("reading every environment variable");
      if (c.notebookEnv.includes(g.value) || c.env.some((p) => globMatch(p, g.value))) return null;
      return policy("env", g.value);
    case "net":
    case "import": {
      if (g.value === "*") {
        return never(`'${g.kind}' for every host (name the hosts: @allow ${g.kind}=host)`);
      }
      const local = localHost(g.value, c.listen);
      if (local) return never(local);
      const list = g.kind === "net" ? c.net : [...c.import, ...c.defaultImports];
      if (list.some((p) => hostMatches(p, g.value))) return null;
      return policy(g.kind, g.value);
    }
    case "read":
    case "write": {
      if (isWithin(g.value, c.notebookDir)) return null;
      const hit = c.protectedPaths.find((p) => isWithin(g.value, p) || isWithin(p, g.value));
      if (hit !== undefined) {
        return never("it covers the server's data, artifacts or other notebooks");
      }
      const list = g.kind === "read" ? [...c.read, ...c.write] : c.write;
      if (list.some((p) => isWithin(g.value, p))) return null;
      return policy(g.kind, g.value);
    }
  }
}

/** True when policy entry `pattern` (`host-glob[:port]`) covers the requested `host[:port]`. */
export function hostMatches(pattern: string, requested: string): boolean {
  const p = splitHost(pattern.toLowerCase());
  const r = splitHost(requested.toLowerCase());
  if (p.port !== undefined && p.port !== r.port) return false;
  return globMatch(p.host, r.host);
}

/** Why a host is the machine itself (loopback, unspecified, the listen address), or null. */
function localHost(value: string, listen: { host: string; port: number }): string | null {
  const { host } = splitHost(value);
  let h: string;
  try {
    // The URL parser canonicalizes numeric forms (2130706433, 0x7f.1, 0177.0.0.1 → 127.0.0.1;
    // [0:0::1] → [::1]), so every spelling of an address is compared as one.
    h = new URL(`http://${host}/`).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return `'${host}' is not a host name`;
  }
  if (
    h === "localhost" || h.endsWith(".localhost") || /^(127|0)\./.test(h) || h === "[::1]" ||
    h === "[::]" || h.startsWith("[::ffff:7f") || h.startsWith("[::ffff:0:") ||
    h === "[::ffff:0]"
  ) {
    return `'${host}' is this machine (loopback)`;
  }
  const listenHost = listen.host.toLowerCase();
  if (h === listenHost || h === `[${listenHost}]`) {
    return `'${host}' is the server's own listen address`;
  }
  return null;
}
