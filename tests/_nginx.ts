// Test helper: a real nginx (Debian's nginx-light) running `<prefix>/nginx.conf` in the foreground,
// started once every given port accepts connections.

/** A running nginx. */
export interface Nginx {
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts nginx with the configuration already written at `<prefix>/nginx.conf` (its log and pid
 * paths inside `prefix`) and waits until each of `ports` accepts a connection. An nginx that
 * cannot start or exits at start is an error carrying its output and error log.
 */
export async function runNginx(prefix: string, ports: number[]): Promise<Nginx> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("nginx", {
      args: [
        ...["-p", `${prefix}/`, "-e", `${prefix}/error.log`, "-c", `${prefix}/nginx.conf`],
        ...["-g", "daemon off;"],
      ],
      env: { PATH: `${Deno.env.get("PATH") ?? ""}:/usr/sbin:/sbin` },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    throw new Error(
      `nginx could not be started (${(err as Error).message}); install Debian's nginx-light, ` +
        "or set STRATA_TEST_SKIP_NGINX=1 to skip these tests",
    );
  }
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let errors = "";
  const draining = (async () => {
    while (true) {
      const { value, done } = await stderr.read();
      if (done) break;
      errors += value;
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  // nginx says nothing when it is ready; wait until every port accepts or it exits.
  for (const port of ports) {
    for (let attempt = 0;; attempt++) {
      if (exited) {
        await draining;
        const log = await Deno.readTextFile(`${prefix}/error.log`).catch(() => "");
        throw new Error(`nginx exited at start:\n${errors}\n${log}`);
      }
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        if (attempt > 500) throw new Error(`nginx did not listen on ${port}:\n${errors}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  return {
    async stop() {
      if (!exited) child.kill("SIGTERM");
      await status;
      await draining;
    },
  };
}
