import assert from "node:assert/strict";
import { cellRunAs, parseCellUser } from "./cell_user.ts";

const PASSWD =
  "root:x:0:0:root:/root:/bin/bash\nstrata-cell:x:1994:1994::/nonexistent:/usr/sbin/nologin\n";

Deno.test("cell user - names resolve through /etc/passwd, uid:gid is taken as is", () => {
  assert.deepEqual(parseCellUser("strata-cell", PASSWD), { uid: 1994, gid: 1994 });
  assert.deepEqual(parseCellUser("65534:65534", ""), { uid: 65534, gid: 65534 });
});

Deno.test("cell user - root, unknown users and junk are refused with the value", () => {
  assert.throws(() => parseCellUser("root", PASSWD), /must not run as root/);
  assert.throws(() => parseCellUser("0:5", ""), /must not run as root/);
  assert.throws(() => parseCellUser("ghost", PASSWD), /'ghost': no such user/);
  assert.throws(() => parseCellUser("a b", PASSWD), /expected a user name or 'uid:gid'/);
});

Deno.test("cell user - set on a server that is not root is an error, unset is no drop", () => {
  const deps = (uid: number) => ({ uid: () => uid, readPasswd: () => PASSWD });
  assert.equal(cellRunAs(undefined, deps(0)), undefined);
  assert.deepEqual(cellRunAs("strata-cell", deps(0)), { uid: 1994, gid: 1994 });
  assert.throws(() => cellRunAs("strata-cell", deps(1000)), /runs as uid 1000: only root/);
});
