/** Atomic JSON file write (temp file in the same folder + rename). */
import { dirname } from "node:path";
import { atomicWriteTextFile } from "../notebook/_atomic.ts";

/** Writes `value` as JSON to `path` atomically, creating the folder if needed. */
export async function atomicWriteJson(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await atomicWriteTextFile(path, JSON.stringify(value) + "\n");
}
