/** Shared pieces of both backends: the "am I inside a transaction" context and a FIFO mutex. */

import { AsyncLocalStorage } from "node:async_hooks";
import type { Db } from "./types.ts";

/** One open transaction: its handle, and whether it may still be used. */
export interface TxState {
  active: boolean;
  handle: Db;
}

/**
 * Tracks the transaction owning the current async context. A call on the root Db made from
 * inside a `transaction()` callback joins that transaction instead of running beside it: on
 * SQLite (one connection) running beside it would deadlock on the mutex or write into it anyway.
 */
export class TxContext {
  #als = new AsyncLocalStorage<TxState>();

  /** The open transaction of the current async context, if any. */
  current(): TxState | undefined {
    const state = this.#als.getStore();
    return state?.active ? state : undefined;
  }

  /** Runs fn with `state` as the current transaction of everything it awaits. */
  run<T>(state: TxState, fn: () => Promise<T>): Promise<T> {
    return this.#als.run(state, fn);
  }
}

/** A FIFO async mutex; `idle` lets callers skip the queue when nobody holds it. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #users = 0;

  /** True when no one holds or waits for the lock. */
  get idle(): boolean {
    return this.#users === 0;
  }

  /** Waits for the lock and returns its release function (call it exactly once). */
  async acquire(): Promise<() => void> {
    this.#users++;
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = () => {
        this.#users--;
        resolve();
      };
    });
    await previous;
    return release;
  }
}

/** Throws the error every call on a finished transaction handle gets. */
export function assertActive(state: TxState): void {
  if (!state.active) {
    throw new Error("Cannot use transaction handle: the transaction has already finished");
  }
}
