import type { Scope } from '../../api/auth';
import type { ClientMessage, ServerMessage } from '../../api/stream';
import type { FaultConfig } from '../../api/faults';

/**
 * The seam between the WebSocket wiring (connections, auth handshake, parsing, heartbeats,
 * dead-client detection, bounded buffers) and what a stream serves: the live sandbox on
 * `/stream`, or a replay session on `/sessions/{id}/stream`. The wiring validates every client
 * message against `api/stream.ts` before a backend sees it, and answers `ping` itself.
 */
export interface StreamBackend {
  /** The principal of a bearer token, or why it is refused (401-like, in words). */
  authenticate(token: string): StreamPrincipal | { refused: string };
  /** A new authenticated connection; `sink` sends to that client only. */
  connect(principal: StreamPrincipal, sink: StreamSink): StreamConnection;
  /** Faults to inject on this principal's connections (dropped connections), if any. */
  faultsFor?(principal: StreamPrincipal): FaultConfig | undefined;
  /** The clock stamped as `t` on the wiring's own messages (heartbeats, pongs); default Date.now. */
  now?(): number;
  /** The clock access tokens expire on (the sandbox's market clock); default Date.now. */
  tokenNow?(): number;
}

export interface StreamPrincipal {
  keyId: string;
  accountId: string;
  scope: Scope;
  /** When its access token expires (epoch ms): the connection is closed then, unless renewed. */
  expiresAt: number;
}

/** What a backend may do to its client. */
export interface StreamSink {
  /** Queues one message; pre-serialised JSON is accepted so a fan-out serialises once. */
  send(message: ServerMessage | string): void;
  /** Answers a client message with `{"type":"error","error":{code,message}}`; the connection stays up. */
  error(code: string, message: string): void;
  /** Bytes queued but not yet written to the socket (backends may throttle on it). */
  readonly bufferedBytes: number;
  /**
   * Sends a `system` channel message (`subscribed`, `unsubscribed`) with the connection's own
   * system seq and the backend's clock as `t`.
   */
  system(type: 'subscribed' | 'unsubscribed', data: unknown): void;
}

export type Subscription = Extract<ClientMessage, { op: 'subscribe' | 'unsubscribe' }>;
export type Ack = Extract<ClientMessage, { op: 'ack' }>;

/** One client connection as the backend sees it. */
export interface StreamConnection {
  /** Answers with `subscribed` (or an error via the sink); may then send backlog (since_seq). */
  subscribe(request: Subscription): void;
  unsubscribe(request: Subscription): void;
  /** Only replay sessions accept acks; the live backend answers with an error. */
  ack(request: Ack): void;
  /** The socket closed (or was dropped): release subscriptions. */
  close(): void;
}
