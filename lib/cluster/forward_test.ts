import assert from "node:assert/strict";
import type { Caller } from "../commands/command.ts";
import { ForbiddenError } from "../errors.ts";
import { nullLogger } from "../log.ts";
import { connectNats } from "./jetstream.ts";
import {
  forwardCommand,
  type ForwardedCommand,
  publishEvent,
  serveForwarded,
  subscribeEvents,
} from "./forward.ts";
import { startNats } from "./_test_nats.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function command(scopes: string[], input: unknown = { source: "1" }): ForwardedCommand {
  return {
    name: "cell.edit",
    input,
    caller: {
      principal: "alice",
      scopes,
      source: "trusted_proxy",
      tenantId: "acme",
      tenantHash: "abcd",
      surface: "http",
    },
  };
}

Deno.test(
  "forward - the owner runs a forwarded command through its dispatcher, with the caller's scopes",
  opts,
  async () => {
    const nats = await startNats();
    try {
      const owner = await connectNats({ servers: nats.urls, name: "owner" });
      const other = await connectNats({ servers: nats.urls, name: "other" });
      const seen: Caller[] = [];
      serveForwarded({
        nc: owner,
        replicaId: "r1",
        log: nullLogger(),
        dispatch(name, input, caller) {
          seen.push(caller);
          if (!caller.identity.scopes.has("notebook:write")) {
            throw new ForbiddenError(`Cannot run ${name}: missing scope notebook:write`);
          }
          return Promise.resolve({ ran: name, input });
        },
      });
      await owner.flush();
      const ok = await forwardCommand(other, { owner: "r1", command: command(["notebook:write"]) });
      assert.deepEqual(ok, { ok: true, output: { ran: "cell.edit", input: { source: "1" } } });
      const refused = await forwardCommand(other, {
        owner: "r1",
        command: command(["notebook:read"]),
      });
      assert.equal(refused.ok, false);
      assert.match((refused as { message: string }).message, /missing scope notebook:write/);
      assert.equal(seen.length, 2);
      assert.equal(seen[0].identity.principal, "alice");
      assert.equal(seen[0].tenant.id, "acme");
      // A gone owner is a clear answer, not a hang or a throw.
      const gone = await forwardCommand(other, {
        owner: "r9",
        command: command([]),
        timeoutMs: 500,
      });
      assert.equal(gone.ok, false);
      assert.equal((gone as { code: string }).code, "owner_unavailable");
      // A subscription that never takes the command (its process was SIGKILLed and the NATS
      // server has not noticed yet): nothing ran, so the sender may send it again elsewhere.
      const dead = owner.subscribe("exec-cmd.r8", { callback: () => {} });
      await owner.flush();
      const notTaken = await forwardCommand(other, {
        owner: "r8",
        command: command([]),
        timeoutMs: 300,
      });
      assert.equal((notTaken as { code: string }).code, "owner_unavailable");
      dead.unsubscribe();
      // An owner that took the command (it said so) and died before answering: it may have run
      // it, so the sender must not send it again.
      let accepted = 0;
      const dying = owner.subscribe("exec-cmd.r7", {
        callback: (_e, m) => {
          const ackTo = (m.json() as ForwardedCommand).ackTo;
          assert.match(ackTo ?? "", /^_INBOX\./);
          owner.publish(ackTo!);
        },
      });
      await owner.flush();
      const lost = await forwardCommand(other, {
        owner: "r7",
        command: command([]),
        timeoutMs: 300,
        accepted: () => void accepted++,
      });
      assert.equal((lost as { code: string }).code, "owner_lost");
      assert.equal(accepted, 1);
      dying.unsubscribe();
      // A forged acknowledgement subject is never published to by the owner.
      let forgedSeen = 0;
      const forged = other.subscribe("exec-events.abcd.nb1", {
        callback: () => void forgedSeen++,
      });
      await other.flush();
      const r = await other.request(
        "exec-cmd.r1",
        JSON.stringify({ ...command(["notebook:write"]), ackTo: "exec-events.abcd.nb1" }),
        { timeout: 2_000 },
      );
      assert.equal((r.json() as { ok: boolean }).ok, true);
      await other.flush();
      assert.equal(forgedSeen, 0, "the owner published to a subject the sender chose");
      forged.unsubscribe();
      await owner.close();
      await other.close();
    } finally {
      await nats.stop();
    }
  },
);

Deno.test("forward - a notebook's events reach subscribers on every replica", opts, async () => {
  const nats = await startNats();
  try {
    const a = await connectNats({ servers: nats.urls, name: "a" });
    const b = await connectNats({ servers: nats.urls, name: "b" });
    const got: unknown[][] = [[], []];
    subscribeEvents(a, "exec", "abcd.nb1", (e) => got[0].push(e));
    subscribeEvents(b, "exec", "abcd.nb1", (e) => got[1].push(e));
    subscribeEvents(b, "exec", "abcd.nb2", (e) => got[1].push({ wrong: e }));
    await a.flush();
    await b.flush();
    publishEvent(a, "exec", "abcd.nb1", { type: "cell_updated", cellId: "c1" });
    await a.flush();
    for (let i = 0; i < 50 && (got[0].length < 1 || got[1].length < 1); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(got, [[{ type: "cell_updated", cellId: "c1" }], [{
      type: "cell_updated",
      cellId: "c1",
    }]]);
    await a.close();
    await b.close();
  } finally {
    await nats.stop();
  }
});
