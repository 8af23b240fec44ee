/**
 * Test helper: starts a throwaway nats-server (JetStream on, a temp store) on free ports, alone
 * or as a cluster of several nodes. Uses the machine's nats-server binary (Debian package
 * `nats-server`; CI installs it when missing).
 */
import { freePort } from "../../tests/_free_port.ts";

/** One running node. */
export interface NatsNode {
  url: string;
  port: number;
  process: Deno.ChildProcess;
  kill(signal?: Deno.Signal): void;
}

/** Path of nats-server, or undefined when the machine has none. */
export function natsServerPath(): string | undefined {
  for (const p of ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* next */ }
  }
  return undefined;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nats-server did not listen on ${port} within ${ms} ms`);
}

/** Options of startNats. */
export interface StartNatsOptions {
  /** Nodes in the cluster. @default 1 */
  nodes?: number;
  /** Extra arguments of every node (e.g. ["--max_payload", "1MB"]). */
  args?: string[];
}

/** Starts nats-server node(s) with JetStream; stop() kills them and removes their stores. */
export async function startNats(
  options: StartNatsOptions = {},
): Promise<{ nodes: NatsNode[]; urls: string[]; stop(): Promise<void> }> {
  const bin = natsServerPath();
  if (!bin) throw new Error("nats-server is not installed (apt-get install nats-server)");
  const n = options.nodes ?? 1;
  const dir = await Deno.makeTempDir({ prefix: "strata-nats-" });
  const ports = Array.from({ length: n }, () => freePort());
  const routes = Array.from({ length: n }, () => freePort());
  const nodes: NatsNode[] = [];
  for (let i = 0; i < n; i++) {
    const args = [
      "-js",
      "-a",
      "127.0.0.1",
      "-p",
      String(ports[i]),
      "-sd",
      `${dir}/n${i}`,
      "--server_name",
      `n${i}`,
      ...(options.args ?? []),
    ];
    if (n > 1) {
      args.push(
        "--cluster_name",
        "strata-test",
        "--cluster",
        `nats://127.0.0.1:${routes[i]}`,
        "--routes",
        routes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(","),
      );
    }
    const process = new Deno.Command(bin, { args, stdout: "null", stderr: "null" }).spawn();
    nodes.push({
      url: `nats://127.0.0.1:${ports[i]}`,
      port: ports[i],
      process,
      kill: (signal = "SIGKILL") => {
        try {
          process.kill(signal);
        } catch { /* gone */ }
      },
    });
  }
  await Promise.all(ports.map((p) => waitForPort(p)));
  return {
    nodes,
    urls: nodes.map((x) => x.url),
    async stop() {
      for (const node of nodes) node.kill();
      await Promise.allSettled(nodes.map((x) => x.process.status));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A `strata worker --nats` process (the real CLI, relaunched under its narrow permissions). */
export interface WorkerProcess {
  name: string;
  process: Deno.ChildProcess;
  /** Output lines so far. */
  lines: string[];
  stop(): Promise<void>;
}

/** Starts `lib/worker/main.ts --nats <url>`; resolves once it pulls jobs. */
export async function spawnNatsWorker(
  url: string,
  name: string,
  scratchDir: string,
  args: string[] = [],
): Promise<WorkerProcess> {
  const main = new URL("../worker/main.ts", import.meta.url).pathname;
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const k of ["HOME", "DENO_DIR", "PATH"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "--nats", url, "--name", name, "--scratch-dir", scratchDir, ...args],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      for (const line of decoder.decode(bytes, { stream: true }).split("\n")) {
        if (!line) continue;
        lines.push(line);
        if (line.includes("pulling jobs from NATS")) ready();
      }
    }
  };
  const pumped = Promise.allSettled([pump(process.stdout), pump(process.stderr)]);
  const timeout = setTimeout(() => ready(), 30_000);
  await isReady;
  clearTimeout(timeout);
  if (!lines.some((l) => l.includes("pulling jobs from NATS"))) {
    throw new Error(`worker ${name} did not start:\n${lines.join("\n")}`);
  }
  return {
    name,
    process,
    lines,
    async stop() {
      try {
        process.kill("SIGTERM");
      } catch { /* gone */ }
      const t = setTimeout(() => {
        try {
          process.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5_000);
      await process.status;
      clearTimeout(t);
      await pumped;
    },
  };
}
