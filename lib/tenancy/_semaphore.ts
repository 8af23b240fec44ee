/** A counting semaphore with a bounded FIFO wait queue and abortable waits. */

/** Thrown by a semaphore whose wait queue is full. */
export class QueueFull extends Error {}

interface Waiter {
  grant(): void;
}

/** Counting semaphore; `acquire` resolves when a slot is held, in arrival order. */
export class Semaphore {
  #free: number;
  readonly #slots: number;
  readonly #maxQueue: number;
  readonly #queue: Waiter[] = [];

  constructor(slots: number, maxQueue: number) {
    this.#slots = slots;
    this.#free = slots;
    this.#maxQueue = maxQueue;
  }

  /** Slots currently held. */
  get active(): number {
    return this.#slots - this.#free;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Waits for a slot; rejects with QueueFull when the queue is full, or the abort reason. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#queue.length === 0) {
      this.#free--;
      return Promise.resolve();
    }
    if (this.#queue.length >= this.#maxQueue) return Promise.reject(new QueueFull());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at !== -1) this.#queue.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Frees a slot, handing it straight to the longest waiter if there is one. */
  release(): void {
    const next = this.#queue.shift();
    if (next) next.grant();
    else if (this.#free < this.#slots) this.#free++;
    else throw new Error("Semaphore released more often than acquired");
  }
}
