/** Byte-stream helpers shared by the blob backends: collecting and cutting streams into parts. */

/** Joins chunks into one buffer (returns the chunk itself when there is only one). */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Reads a whole stream into one buffer. */
export async function readAllBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return concatBytes(chunks);
}

/**
 * Pulls bytes out of a buffer or a stream in parts of a chosen size, holding at most one part
 * plus one chunk: the multipart uploader's source, so memory stays bounded for any input size.
 */
export class PartReader {
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #done = false;
  /** Part buffers handed back with `release`, reused so uploads do not churn the GC. */
  #free: ArrayBuffer[] = [];
  #owned = new WeakSet<ArrayBuffer>();

  constructor(data: Uint8Array | ReadableStream<Uint8Array>) {
    if (data instanceof Uint8Array) {
      this.#push(data);
      this.#done = true;
    } else {
      this.#reader = data.getReader();
    }
  }

  /** Bytes read from the source but not yet handed out. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Reads until more than `bytes` are pending; true when the source ended with no more. */
  async fill(bytes: number): Promise<boolean> {
    while (this.#pendingBytes <= bytes && !this.#done) await this.#read();
    return this.#done && this.#pendingBytes <= bytes;
  }

  /** The next `size` bytes (fewer at the end), or null once everything was handed out. */
  async next(size: number): Promise<Uint8Array | null> {
    await this.fill(size - 1);
    if (this.#pendingBytes === 0) return null;
    const first = this.#pending[0];
    if (first.length >= size) return this.#take(size); // no copy needed
    let buffer = this.#free.pop();
    if (!buffer || buffer.byteLength !== size) {
      buffer = new ArrayBuffer(size);
      this.#owned.add(buffer);
    }
    const out = new Uint8Array(buffer, 0, Math.min(size, this.#pendingBytes));
    let at = 0;
    while (at < out.length) {
      const part = this.#take(out.length - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Hands a part from `next` back for reuse once nothing reads it any more. */
  release(part: Uint8Array): void {
    const buffer = part.buffer as ArrayBuffer;
    if (this.#owned.has(buffer) && this.#free.length < 2) this.#free.push(buffer);
  }

  /** Everything pending as one buffer (after `fill` reported the end). */
  takeAll(): Uint8Array {
    const out = concatBytes(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    return out;
  }

  /** Stops reading the source stream, e.g. after an upload failed. */
  async cancel(reason?: unknown): Promise<void> {
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#reader && !this.#done) {
      this.#done = true;
      await this.#reader.cancel(reason).catch(() => {});
    }
  }

  async #read(): Promise<void> {
    const { done, value } = await this.#reader!.read();
    if (done) {
      this.#done = true;
      this.#reader!.releaseLock();
    } else if (value.length > 0) {
      this.#push(value);
    }
  }

  #push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  /** Takes up to `max` bytes from the first pending chunk. */
  #take(max: number): Uint8Array {
    const first = this.#pending[0];
    if (first.length <= max) {
      this.#pending.shift();
      this.#pendingBytes -= first.length;
      return first;
    }
    this.#pending[0] = first.subarray(max);
    this.#pendingBytes -= max;
    return first.subarray(0, max);
  }
}
