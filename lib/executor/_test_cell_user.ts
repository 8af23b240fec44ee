/**
 * Test helper for children run as another user (`cell_user`): that user, and whether this
 * machine lets it run the tests' children at all. Only root can start them as another user, and
 * that user must be able to reach the Deno binary and the harness: a checkout under a private
 * folder (`mktemp -d` makes one 0700) does not let it, and those tests are skipped there.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The unprivileged user the tests run cells as. */
export const NOBODY = { uid: 65534, gid: 65534 };

/** Whether every folder above `path` lets "others" through (nobody is neither owner nor group). */
function othersCanReach(path: string): boolean {
  for (let dir = dirname(path);; dir = dirname(dir)) {
    try {
      if (!((Deno.statSync(dir).mode ?? 0) & 0o001)) return false;
    } catch {
      return false; // unreadable
    }
    if (dir === "/") return true;
  }
}

/** Whether the tests can start children as NOBODY here (root, and the files within its reach). */
export const canRunAsNobody: boolean = Deno.uid() === 0 &&
  othersCanReach(Deno.execPath()) &&
  othersCanReach(fileURLToPath(new URL("./harness.ts", import.meta.url)));
