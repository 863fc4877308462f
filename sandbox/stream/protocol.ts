// Pure parts of the /stream protocol: reading a client frame into a validated message (or the
// words of what is wrong with it), the close codes, and the limits the wiring enforces.
import { detailsFromZod } from '../../api/errors';
import { ClientMessage, clientSilenceLimitMs, heartbeatMs } from '../../api/stream';
import { summarize } from '../errors';

/** Close codes: 4xxx mirror the HTTP status a REST call would get; 1012 is "service restart". */
export const closeCodes = {
  /** No valid authentication within the auth window, or the token expired. */
  unauthorized: 4401,
  /** The key behind the connection was revoked: a REST call with its token gets a 401 too. */
  keyRevoked: 4401,
  /** The client sent nothing (not even a pong) for the silence limit. */
  silent: 4408,
  /** The client read too slowly: its queue passed the buffer limit. */
  slowConsumer: 4429,
  /** The key already holds as many connections as it may. */
  tooManyConnections: 4429,
  /** Injected by fault injection (`stream_drop_after_ms`), like a server restart would. */
  dropped: 1012,
  /** The sandbox is shutting down. */
  goingAway: 1001,
} as const;

export interface StreamLimits {
  /** A `system`/`heartbeat` (and a ws ping) this often. */
  heartbeatMs: number;
  /** A client that sends nothing at all (no frame, no pong) for this long is dropped. */
  silenceMs: number;
  /** A connection must authenticate within this long. */
  authTimeoutMs: number;
  /** Text frames above this are answered with an error (the connection stays up). */
  maxMessageBytes: number;
  /** Frames above this close the connection (1009): the server never buffers more. */
  maxFrameBytes: number;
  /** Channel and symbol pairs one connection may hold. */
  maxSubscriptions: number;
  /** A client whose unsent bytes pass this is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** After a slow consumer's final error, how long its close handshake may take. */
  slowConsumerGraceMs: number;
  /**
   * Subscribe, unsubscribe and auth messages one connection may send in a second; the rest are
   * answered `rate_limited` and not acted on. A resume reads the store: unbounded, one client
   * could keep the sandbox busy rebuilding. Acks and pings are not counted.
   */
  maxMessagesPerSecond: number;
  /** Authenticated connections one key may hold at once, on every stream URL together. */
  maxConnectionsPerKey: number;
}

export const defaultStreamLimits: StreamLimits = {
  heartbeatMs,
  silenceMs: clientSilenceLimitMs,
  authTimeoutMs: 10_000,
  maxMessageBytes: 64 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxSubscriptions: 2_048,
  maxBufferedBytes: 4 * 1024 * 1024,
  slowConsumerGraceMs: 10_000,
  maxMessagesPerSecond: 100,
  maxConnectionsPerKey: 64,
};

/** Counts the open stream connections of each key against StreamLimits.maxConnectionsPerKey. */
export class ConnectionsPerKey {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts one more connection of the key; false (and nothing counted) when it has its limit. */
  take(keyId: string): boolean {
    const count = this.open.get(keyId) ?? 0;
    if (count >= this.limit) return false;
    this.open.set(keyId, count + 1);
    return true;
  }

  release(keyId: string): void {
    const count = (this.open.get(keyId) ?? 0) - 1;
    if (count > 0) this.open.set(keyId, count);
    else this.open.delete(keyId);
  }
}

export type ParsedFrame =
  { ok: true; message: ClientMessage } | { ok: false; code: string; message: string };

const invalid = (message: string): ParsedFrame => ({ ok: false, code: 'invalid_request', message });

/** One client frame as the API accepts it: a JSON text message matching `ClientMessage`. */
export function parseClientFrame(data: Buffer, isBinary: boolean, maxBytes: number): ParsedFrame {
  if (isBinary) {
    return invalid('binary frames are not accepted; send JSON text messages such as {"op":"ping"}');
  }
  if (data.length > maxBytes) {
    return invalid(`the message is ${data.length} bytes; the limit is ${maxBytes} bytes`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return invalid('the message is not valid UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalid(`the message is not JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid('the message must be a JSON object with an "op" field, e.g. {"op":"ping"}');
  }
  const parsed = ClientMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const op = (json as Record<string, unknown>).op;
  const ops = ClientMessage.options.map((option) => option.shape.op.value).join(', ');
  if (typeof op !== 'string' || !ClientMessage.options.some((o) => o.shape.op.value === op)) {
    return invalid(
      `"op" must be one of ${ops}; got ${op === undefined ? 'none' : JSON.stringify(op).slice(0, 40)}`,
    );
  }
  return invalid(summarize(`the ${op} message is invalid`, detailsFromZod(parsed.error)));
}

/** Pre-serialised error message: `{"type":"error","error":{code,message}}`. */
export function errorText(code: string, message: string): string {
  return JSON.stringify({ type: 'error', error: { code, message } });
}

/** The keys a subscription takes from a connection's allowance: one per symbol, or one. */
export function subscriptionKeys(request: {
  channel: string;
  symbols?: readonly string[] | undefined;
  interval?: string | undefined;
}): string[] {
  const prefix =
    request.channel === 'candles' ? `candles:${request.interval ?? '1m'}` : request.channel;
  if (request.symbols === undefined || request.symbols.length === 0) return [prefix];
  return request.symbols.map((symbol) => `${prefix}:${symbol}`);
}
