/**
 * The OS user cell processes run as. A server running as root starts cells as an unprivileged
 * user (`cell_user`, a name from /etc/passwd or `uid:gid`), so even a cell granted `run` cannot
 * read the server's /proc/<pid>/environ, its data folder or anything else only root may read.
 */

/** A numeric user and group for Deno.Command. */
export interface RunAs {
  uid: number;
  gid: number;
}

const NUMERIC_RE = /^(\d+):(\d+)$/;
const NAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Resolves `name` or `uid:gid` against /etc/passwd text; throws a message naming the problem. */
export function parseCellUser(spec: string, passwd: string): RunAs {
  const n = NUMERIC_RE.exec(spec);
  const runAs = n ? { uid: Number(n[1]), gid: Number(n[2]) } : byName(spec, passwd);
  if (runAs.uid === 0 || runAs.gid === 0) {
    throw new Error(`Invalid cell_user '${spec}': cells must not run as root (uid or gid 0)`);
  }
  return runAs;
}

function byName(name: string, passwd: string): RunAs {
  if (!NAME_RE.test(name)) {
    throw new Error(`Invalid cell_user '${name}': expected a user name or 'uid:gid'`);
  }
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error(`Invalid cell_user '${name}': no such user in /etc/passwd`);
}

/**
 * The user to run cells as, from the `cell_user` setting: undefined when unset. A set value on a
 * server that is not root is an error (switching user needs root), not a silent no-op.
 */
export function cellRunAs(
  spec: string | undefined,
  deps: { uid: () => number | null; readPasswd: () => string },
): RunAs | undefined {
  if (!spec) return undefined;
  const passwd = NUMERIC_RE.test(spec) ? "" : deps.readPasswd();
  const runAs = parseCellUser(spec, passwd);
  const uid = deps.uid();
  if (uid !== 0) {
    throw new Error(
      `cell_user '${spec}' is set but the server runs as uid ${uid}: only root can start cells ` +
        "as another user (run the server as root, or unset cell_user)",
    );
  }
  return runAs;
}
