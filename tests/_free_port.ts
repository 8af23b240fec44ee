// A free loopback port for a test server that another process binds.

/**
 * The kernel's range for outgoing connections' local ports (Linux default). `listen(port: 0)`
 * also answers from it, so a port picked that way can be taken by any parallel test's outgoing
 * connection in the time the server needs to start; CI saw one such AddrInUse. Ports below it
 * are never handed out by the kernel.
 */
const EPHEMERAL_LOW = ephemeralLow();
const LOW = 20_000;

function ephemeralLow(): number {
  try {
    const low = Number(
      Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range").split(/\s+/)[0],
    );
    if (Number.isInteger(low) && low > LOW + 1_000) return low;
  } catch { /* not Linux, or no read permission: use the default */ }
  return 32_768;
}

/** Picks a free loopback port below the ephemeral range, checked by binding it once. */
export function freePort(): number {
  for (let tries = 0; tries < 200; tries++) {
    const port = LOW + Math.floor(Math.random() * (EPHEMERAL_LOW - LOW));
    try {
      const l = Deno.listen({ hostname: "127.0.0.1", port });
      l.close();
      return port;
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse)) throw err;
    }
  }
  throw new Error("no free loopback port below the ephemeral range after 200 tries");
}
