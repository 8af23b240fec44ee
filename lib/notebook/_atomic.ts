/** Atomic file replacement: write a temp file in the same directory, then rename over the target. */
import { basename, dirname, join } from "node:path";

/**
 * Texts up to this length are written with synchronous calls: a small file goes into the page
 * cache in microseconds, while each async call hands off to Deno's blocking thread pool (issue 20:
 * a cell run writes runtime.json and a console file; see SYNC_PUT_BYTES in fs_blob_store.ts).
 */
const SYNC_TEXT_CHARS = 256 * 1024;

/** Writes `text` to `path` so readers see either the old or the new content, never a mix. */
export async function atomicWriteTextFile(path: string, text: string): Promise<void> {
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0].toString(16);
  const tmp = join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
  if (text.length <= SYNC_TEXT_CHARS) {
    try {
      Deno.writeTextFileSync(tmp, text);
      Deno.renameSync(tmp, path);
    } catch (err) {
      try {
        Deno.removeSync(tmp);
      } catch { /* never created, or already renamed */ }
      throw err;
    }
    return;
  }
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
