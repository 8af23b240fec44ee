/** Session events for WebSocket clients: one envelope shape, a sequence number per session. */

/** Server-to-client event types. */
export type EventType =
  | "cell_status"
  | "cell_output"
  | "cell_console"
  | "dag_update"
  | "notebook_state"
  | "cascade_progress"
  | "error";

/** The envelope every WebSocket message uses. */
export interface Envelope<T = unknown> {
  type: EventType | string;
  /** Increases by one per event of this session; continues across client reconnects. */
  seq: number;
  /** ISO-8601 time the event was made. */
  ts: string;
  payload: T;
}

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
  emit(type: EventType, payload: unknown): Envelope {
    const event = { type, seq: ++this.#seq, ts: this.#now().toISOString(), payload };
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        this.#listeners.delete(l);
      }
    }
    return event;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Number of listeners (open WebSockets). */
  get size(): number {
    return this.#listeners.size;
  }
}
