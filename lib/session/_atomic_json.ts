/** Atomic JSON file write (temp file in the same folder + rename). */
import { dirname } from "node:path";
import { atomicWriteTextFile } from "../notebook/_atomic.ts";

/** Writes `value` as JSON to `path` atomically, creating the folder if needed. */
export async function atomicWriteJson(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value) + "\n";
  try {
    await atomicWriteTextFile(path, text);
  } catch (err) {
    // The folder usually exists (one write per cell run): create it only when it is missing.
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    await Deno.mkdir(dirname(path), { recursive: true });
    await atomicWriteTextFile(path, text);
  }
}
