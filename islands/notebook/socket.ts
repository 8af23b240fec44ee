/** A WebSocket to a session that reconnects with backoff and reports its connection state. */
import type { ClientMessage, SocketEnvelope } from "../../lib/protocol/socket_events.ts";

/** A server envelope (the protocol's tagged union). */
export type Envelope = SocketEnvelope;

/** Connection states shown to the user. */
export type ConnectionState = "connecting" | "open" | "reconnecting";

/** Options for connectSocket. */
export interface SocketOptions {
  /** The ws:// URL, recomputed on every attempt (the session id may change). */
  url: () => string;
  onMessage(e: Envelope): void;
  onState(s: ConnectionState): void;
  /** Called after a few failed attempts in a row (e.g. the session is gone after a restart). */
  onRepeatedFailure?(): void;
}

/** A live socket handle. */
export interface SessionSocket {
  send(message: ClientMessage): boolean;
  /** Closes now and reconnects (e.g. after the session id changed). */
  reconnect(): void;
  close(): void;
}

/** Opens the socket; reconnects after 0.25 s, doubling to 4 s, until closed. */
export function connectSocket(options: SocketOptions): SessionSocket {
  let ws: WebSocket | undefined;
  let closed = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function open(): void {
    if (closed) return;
    const socket = new WebSocket(options.url());
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      failures = 0;
      options.onState("open");
    };
    socket.onmessage = (ev) => {
      try {
        options.onMessage(JSON.parse(String(ev.data)) as Envelope);
      } catch { /* a malformed message is ignored */ }
    };
    socket.onclose = () => {
      if (ws !== socket || closed) return;
      if (!opened) failures++;
      options.onState("reconnecting");
      if (failures === 3) options.onRepeatedFailure?.();
      const delay = Math.min(4000, 250 * 2 ** Math.min(failures, 4));
      timer = setTimeout(open, delay);
    };
  }

  open();
  return {
    send(message) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
    reconnect() {
      clearTimeout(timer);
      const old = ws;
      ws = undefined;
      old?.close();
      open();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}
