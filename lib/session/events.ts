/** Session events for WebSocket clients: one envelope shape, a sequence number per session. */
import type { PayloadOf, SocketEnvelope, SocketEventType } from "../protocol/socket_events.ts";

/** Server-to-client event types (the protocol's tagged union). */
export type EventType = SocketEventType;

/** The envelope every WebSocket message uses: a typed event with its seq and time. */
export type Envelope = SocketEnvelope;

/** A listener receives every event in order. */
export type Listener = (event: Envelope) => void;

/** A fan-out of session events with a monotonically increasing sequence. */
export class EventHub {
  #seq = 0;
  #listeners = new Set<Listener>();
  #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** The sequence number of the last event sent. */
  get seq(): number {
    return this.#seq;
  }

  /** Sends an event to every listener; a failing listener is dropped, not fatal. */
  emit<T extends EventType>(type: T, payload: PayloadOf<T>): Envelope {
    const event = { type, seq: ++this.#seq, ts: this.#now().toISOString(), payload } as Envelope;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        this.#listeners.delete(l);
      }
    }
    return event;
  }

  /**
   * Like `emit`, for a payload that costs something to build (a whole `notebook_state`): built
   * only when someone listens. The sequence advances either way, so a client that connects later
   * sees the same numbering.
   */
  emitWith<T extends EventType>(type: T, payload: () => PayloadOf<T>): void {
    if (this.#listeners.size === 0) this.#seq++;
    else this.emit(type, payload());
  }

  /**
   * Adds a listener; returns the function that removes it. Every listener is an open socket, so
   * each change is announced as `presence` (issue 14 item 7: other tabs are visible).
   */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    this.emit("presence", { viewers: this.#listeners.size });
    return () => {
      if (this.#listeners.delete(listener)) {
        this.emit("presence", { viewers: this.#listeners.size });
      }
    };
  }

  /** Number of listeners (open WebSockets). */
  get size(): number {
    return this.#listeners.size;
  }
}
