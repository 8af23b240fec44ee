/** Atomic JSON file write (temp file in the same folder + rename). */
import { dirname } from "node:path";

/** Writes `value` as JSON to `path` atomically, creating the folder if needed. */
export async function atomicWriteJson(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(value) + "\n");
  try {
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
