/** Atomic file replacement: write a temp file in the same directory, then rename over the target. */
import { basename, dirname, join } from "node:path";

/** Writes `text` to `path` so readers see either the old or the new content, never a mix. */
export async function atomicWriteTextFile(path: string, text: string): Promise<void> {
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0].toString(16);
  const tmp = join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
