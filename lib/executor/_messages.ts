/**
 * Error text as a cell's author should read it: plain (no terminal colours), with no scratch or
 * server paths, positions relative to the cell, and permission errors naming the `// @allow`
 * line that would grant them (a Deno flag is something a notebook user cannot pass).
 */

// deno-lint-ignore no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** Removes terminal escape sequences. */
export function plainText(text: string): string {
  return text.replace(ANSI_RE, "");
}

/** Paths to hide and how to name a position in the cell's own module. */
export interface PathContext {
  /** The child's scratch folder: never shown. */
  scratchDir: string;
  /** The notebook folder: shown as `.`. */
  notebookDir: string;
  /** Maps a position in a module the child imported to the cell it came from, if it is one. */
  position?: (url: string, line: number, column: number) => string | undefined;
}

const KINDS = ["read", "write", "net", "env", "sys", "run", "ffi", "import"] as const;
const PERMISSION_RE = new RegExp(
  `Requires (${KINDS.join("|")}) access to "([^"]*)"(?:, run again with the --allow-\\w+ flag)?`,
  "g",
);

/** Rewrites Deno's "run again with the --allow-x flag" into the `// @allow` line to add. */
export function permissionHint(message: string, notebookDir?: string): string {
  return message.replace(PERMISSION_RE, (_all, kind: string, what: string) => {
    let target = what;
    if (notebookDir && (kind === "read" || kind === "write")) {
      target = relativeTo(target, notebookDir);
    }
    const grant = /[\s,]/.test(target) ? `${kind}=${JSON.stringify(target)}` : `${kind}=${target}`;
    return `Requires ${kind} access to "${target}": add \`// @allow ${grant}\` to the cell's ` +
      "leading comments (the notebook's policy decides whether it is granted)";
  });
}

/** Plain text with module positions mapped to the cell and scratch/server paths removed. */
export function cleanText(text: string, ctx: PathContext): string {
  let out = plainText(text);
  const scratchUrls = [`file://${ctx.scratchDir}/`, `${ctx.scratchDir}/`];
  for (const prefix of scratchUrls) {
    out = out.replace(
      new RegExp(`${escapeRe(prefix)}([\\w.-]+)(?::(\\d+):(\\d+))?`, "g"),
      (_all, file: string, line?: string, column?: string) => {
        if (line && column && ctx.position) {
          const at = ctx.position(`file://${ctx.scratchDir}/${file}`, Number(line), Number(column));
          if (at) return at;
        }
        return /^cell_\d+\.[jt]s$/.test(file) ? "the cell" : file;
      },
    );
  }
  for (const prefix of [`file://${ctx.notebookDir}/`, `${ctx.notebookDir}/`]) {
    out = out.split(prefix).join("./");
  }
  out = out.split(`file://${ctx.notebookDir}`).join(".").split(ctx.notebookDir).join(".");
  return out;
}

/** A stack without the harness's own frames and internal `ext:` frames, cleaned. */
export function cleanStack(stack: string, ctx: PathContext): string {
  return cleanText(stack, ctx).split("\n").filter((l) =>
    !/(harness|_runner|_supervisor)\.(ts|js):\d+/.test(l) && !/\(ext:|at ext:/.test(l)
  ).join("\n");
}

function relativeTo(path: string, dir: string): string {
  if (path === dir) return ".";
  return path.startsWith(`${dir}/`) ? `./${path.slice(dir.length + 1)}` : path;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
