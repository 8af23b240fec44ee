// A small closed-loop HTTP load generator (fetch, keep-alive) for benches that compare ratios.

/** Runs `concurrency` request loops for `seconds`; returns requests per second. */
export async function load(
  url: string,
  options: { seconds: number; concurrency: number; headers?: Record<string, string> },
): Promise<number> {
  const deadline = performance.now() + options.seconds * 1000;
  let count = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(url, { headers: options.headers });
      await res.arrayBuffer();
      if (res.ok) count++;
    }
  }));
  return count / ((performance.now() - start) / 1000);
}

/** Resident set size of a process in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

/** The pids of a process's children (the launcher's server process). */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`);
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
