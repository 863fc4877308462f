// One WebSocket client: authentication (header or first message), message validation, `ping`,
// heartbeats, dead-client detection and the bounded send buffer. What the client subscribes to
// is the backend's business (backend.ts); this file only decides what reaches it.
import type { WebSocket } from 'ws';
import { scopeAllows } from '../../api/auth';
import type { ClientMessage, ServerMessage } from '../../api/stream';
import type { StreamBackend, StreamConnection, StreamPrincipal, StreamSink } from './backend';
import type { StreamLimits } from './protocol';
import type { ConnectionsPerKey } from './protocol';
import { closeCodes, errorText, parseClientFrame, subscriptionKeys } from './protocol';

/** Consecutive fan-out sends of one text share its bytes (one conversion per message). */
let lastText = '';
let lastBytes: Buffer = Buffer.alloc(0);
function bytesOf(text: string): Buffer {
  if (text !== lastText) {
    lastText = text;
    lastBytes = Buffer.from(text);
  }
  return lastBytes;
}

const maxAuthAttempts = 5;

/**
 * Messages that make the server work (a subscribe may rebuild history from the store) and so
 * count against StreamLimits.maxMessagesPerSecond. Acks and pings are cheap and, in a lockstep
 * backtest, come thousands of times a second: they are never limited.
 */
const costly: ReadonlySet<ClientMessage['op']> = new Set(['subscribe', 'unsubscribe', 'auth']);

export class StreamClient {
  private principal: StreamPrincipal | null = null;
  private connection: StreamConnection | null = null;
  private readonly subscriptionKeys = new Set<string>();
  private systemSeq = 0;
  private lastHeardAt: number;
  private nextHeartbeatAt: number;
  private readonly authDeadline: number;
  private authAttempts = 0;
  /** Set once the client is on its way out: nothing more is queued for it. */
  private ending = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private isGone = false;
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.tcp?.uncork();
  };
  /** Errors sent while a backend call ran: a subscribe that failed takes no allowance. */
  private errorsSent = 0;
  /** The second (epoch s) messages are being counted in, and how many came in it. */
  private rateSecond = 0;
  /** The key this connection is counted against, once authenticated. */
  private countedKey: string | null = null;
  private messagesThisSecond = 0;
  readonly sink: StreamSink;

  constructor(
    private readonly socket: WebSocket,
    private readonly backend: StreamBackend,
    private readonly limits: StreamLimits,
    private readonly log: (line: string) => void,
    private readonly onGone: (client: StreamClient) => void,
    /** Shared by every connection of the server: how many each key holds. */
    private readonly perKey: ConnectionsPerKey,
    /** The TCP socket under `socket`, corked while a burst of sends is queued. */
    private readonly tcp?: { cork(): void; uncork(): void },
  ) {
    const now = Date.now();
    this.lastHeardAt = now;
    this.nextHeartbeatAt = now + limits.heartbeatMs;
    this.authDeadline = now + limits.authTimeoutMs;
    this.sink = {
      send: (message) => this.send(typeof message === 'string' ? message : JSON.stringify(message)),
      error: (code, message) => {
        this.errorsSent++;
        this.send(errorText(code, message));
      },
      system: (type, data) => this.sendSystem(type, data),
      get bufferedBytes() {
        return socket.bufferedAmount;
      },
    };
    const heard = () => {
      this.lastHeardAt = Date.now();
    };
    socket.on('message', (data, isBinary) => {
      heard();
      this.onMessage(toBuffer(data), isBinary);
    });
    socket.on('pong', heard);
    socket.on('ping', heard);
    // A protocol error (e.g. an oversized frame) closes the socket; 'close' cleans up.
    socket.on('error', () => undefined);
    socket.on('close', () => this.gone());
  }

  /** Called once the handshake is done; a principal when the upgrade carried a valid token. */
  start(principal: StreamPrincipal | null): void {
    if (principal !== null) this.authenticated(principal);
  }

  /** The periodic check (all clients share one timer): heartbeats, silence, auth window, expiry. */
  sweep(now: number): void {
    if (this.ending) return;
    if (this.principal !== null && (this.backend.tokenNow?.() ?? now) >= this.principal.expiresAt) {
      this.expired();
      return;
    }
    if (this.principal === null && now >= this.authDeadline) {
      this.send(
        errorText(
          'unauthorized',
          `no authentication within ${this.limits.authTimeoutMs} ms; send {"op":"auth","token":"<access_token>"} first, or connect with "Authorization: Bearer <access_token>"`,
        ),
      );
      this.end(closeCodes.unauthorized, 'authentication timed out');
      return;
    }
    if (now - this.lastHeardAt >= this.limits.silenceMs) {
      this.log(`[stream] dropped a client silent for ${now - this.lastHeardAt} ms`);
      this.end(closeCodes.silent, `nothing received for ${this.limits.silenceMs} ms`);
      return;
    }
    if (now >= this.nextHeartbeatAt) {
      this.nextHeartbeatAt = now + this.limits.heartbeatMs;
      this.sendSystem('heartbeat', {});
      if (!this.ending) this.socket.ping();
    }
  }

  /**
   * Counts a costly message (one that subscribes, unsubscribes or authenticates) against the
   * connection's allowance for this second; false, and one error a second, past it.
   */
  private withinRate(): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.rateSecond) {
      this.rateSecond = second;
      this.messagesThisSecond = 0;
    }
    if (++this.messagesThisSecond <= this.limits.maxMessagesPerSecond) return true;
    // Said once a second, not once per dropped message: the answer must not be a flood too.
    if (this.messagesThisSecond === this.limits.maxMessagesPerSecond + 1) {
      this.sink.error(
        'rate_limited',
        `more than ${this.limits.maxMessagesPerSecond} subscribe, unsubscribe and auth messages in a second on this connection; the rest of this second's were ignored`,
      );
    }
    return false;
  }

  /** The key this connection speaks for, once authenticated. */
  get keyId(): string | null {
    return this.principal?.keyId ?? null;
  }

  /** Its key was revoked: said in words, then closed at once (tokens of that key are refused). */
  keyRevoked(words: string): void {
    this.send(errorText('unauthorized', words));
    this.end(closeCodes.keyRevoked, 'the key was revoked');
  }

  /** Closes the connection with a code and a reason; the backend is released on 'close'. */
  end(code: number, reason: string, graceMs = 1_000): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.close(code, reason);
    // A peer that never answers the close frame is cut off, so its buffers are freed.
    const cutOff = setTimeout(() => this.socket.terminate(), graceMs);
    cutOff.unref();
    this.timers.push(cutOff);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.ending) return;
    const parsed = parseClientFrame(data, isBinary, this.limits.maxMessageBytes);
    if (!parsed.ok) {
      this.sink.error(parsed.code, parsed.message);
      return;
    }
    const message = parsed.message;
    if (costly.has(message.op) && !this.withinRate()) return;
    if (this.principal === null || this.connection === null) {
      if (message.op === 'auth') this.authenticateByMessage(message.token);
      else {
        this.sink.error(
          'unauthorized',
          `authenticate first: send {"op":"auth","token":"<access_token>"} (got "${message.op}")`,
        );
      }
      return;
    }
    this.handle(message, this.principal, this.connection);
  }

  private handle(
    message: ClientMessage,
    principal: StreamPrincipal,
    connection: StreamConnection,
  ): void {
    // Between two sweeps: nothing is served on a token that has run out.
    const tokenNow = this.backend.tokenNow?.() ?? Date.now();
    if (tokenNow >= principal.expiresAt && message.op !== 'auth') {
      this.expired();
      return;
    }
    switch (message.op) {
      case 'auth':
        this.renew(message.token, principal);
        return;
      case 'ping':
        this.sendSystem('pong', {});
        return;
      case 'subscribe': {
        if (!scopeAllows(principal.scope, 'read')) {
          this.sink.error('forbidden', 'streams need a key with the "read" scope');
          return;
        }
        const added = subscriptionKeys(message).filter((key) => !this.subscriptionKeys.has(key));
        if (this.subscriptionKeys.size + added.length > this.limits.maxSubscriptions) {
          this.sink.error(
            'invalid_request',
            `this subscription would hold ${this.subscriptionKeys.size + added.length} channel and symbol pairs; a connection may hold ${this.limits.maxSubscriptions} (unsubscribe some, or open another connection)`,
          );
          return;
        }
        const errorsBefore = this.errorsSent;
        connection.subscribe(message);
        if (this.errorsSent === errorsBefore)
          for (const key of added) this.subscriptionKeys.add(key);
        return;
      }
      case 'unsubscribe': {
        connection.unsubscribe(message);
        const keys = subscriptionKeys(message);
        if (message.symbols === undefined || message.symbols.length === 0) {
          // Leaving out symbols unsubscribes the whole channel (and interval, for candles).
          const prefix = `${keys[0]}:`;
          for (const key of this.subscriptionKeys) {
            if (key === keys[0] || key.startsWith(prefix)) this.subscriptionKeys.delete(key);
          }
        } else for (const key of keys) this.subscriptionKeys.delete(key);
        return;
      }
      case 'ack':
        connection.ack(message);
        return;
      default:
        message satisfies never;
    }
  }

  private authenticateByMessage(token: string): void {
    const outcome = this.backend.authenticate(token);
    if ('refused' in outcome) {
      this.authAttempts++;
      this.sink.error('unauthorized', outcome.refused);
      if (this.authAttempts >= maxAuthAttempts) {
        this.end(closeCodes.unauthorized, `${maxAuthAttempts} failed authentication attempts`);
      }
      return;
    }
    this.authenticated(outcome);
  }

  /** The token ran out and no fresh one came: said in words, then closed with 4401. */
  private expired(): void {
    this.send(
      errorText(
        'unauthorized',
        'the access token has expired; reconnect with a fresh one, or send {"op":"auth","token":"<access_token>"} with a fresh token before it expires to keep this connection',
      ),
    );
    this.end(closeCodes.unauthorized, 'the access token expired');
  }

  /**
   * A fresh token for the same key and account extends the connection, subscriptions kept; the
   * key a connection speaks for never changes.
   */
  private renew(token: string, current: StreamPrincipal): void {
    const outcome = this.backend.authenticate(token);
    if ('refused' in outcome) {
      this.sink.error('unauthorized', outcome.refused);
      return;
    }
    if (outcome.keyId !== current.keyId || outcome.accountId !== current.accountId) {
      this.sink.error(
        'forbidden',
        `this connection speaks for key ${current.keyId}; a token of another key needs its own connection`,
      );
      return;
    }
    this.principal = { ...current, expiresAt: outcome.expiresAt };
    this.sendSystem('authenticated', {
      key_id: current.keyId,
      account_id: current.accountId,
      scope: current.scope,
    });
  }

  private authenticated(principal: StreamPrincipal): void {
    if (!this.perKey.take(principal.keyId)) {
      this.send(
        errorText(
          'rate_limited',
          `key ${principal.keyId} already holds ${this.limits.maxConnectionsPerKey} stream connections, the most one key may; close some, or subscribe to more on one connection`,
        ),
      );
      this.end(closeCodes.tooManyConnections, 'too many connections for this key');
      return;
    }
    this.countedKey = principal.keyId;
    this.principal = principal;
    this.connection = this.backend.connect(principal, this.sink);
    this.sendSystem('authenticated', {
      key_id: principal.keyId,
      account_id: principal.accountId,
      scope: principal.scope,
    });
    const dropAfter = this.backend.faultsFor?.(principal)?.stream_drop_after_ms;
    if (dropAfter !== undefined) {
      const drop = setTimeout(
        () => this.end(closeCodes.dropped, 'connection dropped by fault injection'),
        dropAfter,
      );
      drop.unref();
      this.timers.push(drop);
    }
  }

  private sendSystem(
    type: Extract<ServerMessage, { channel: 'system' }>['type'],
    data: unknown,
  ): void {
    const t = this.backend.now?.() ?? Date.now();
    this.send(JSON.stringify({ channel: 'system', type, seq: ++this.systemSeq, t, data }));
  }

  private send(text: string): void {
    if (this.ending || this.socket.readyState !== this.socket.OPEN) return;
    if (this.tcp !== undefined && !this.corked) {
      // Everything sent in this turn of the event loop (a publisher's fan-out) leaves in one
      // write, not two syscalls per message; nothing waits longer than the current turn.
      this.corked = true;
      this.tcp.cork();
      process.nextTick(this.uncork);
    }
    // JSON goes out as text frames, as a WebSocket client expects of it.
    this.socket.send(bytesOf(text), { binary: false });
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) this.slowConsumer();
  }

  private slowConsumer(): void {
    const queued = this.socket.bufferedAmount;
    this.log(
      `[stream] dropped a slow consumer (key ${this.principal?.keyId ?? 'unauthenticated'}, ${queued} bytes unread)`,
    );
    // One last attempt to say why; the close frame follows it in the same queue.
    this.socket.send(
      errorText(
        'slow_consumer',
        `this client read too slowly: ${queued} bytes were waiting to be sent (the limit is ${this.limits.maxBufferedBytes}); read messages as they arrive, subscribe to fewer symbols, or spread them over several connections`,
      ),
    );
    this.end(closeCodes.slowConsumer, 'slow consumer', this.limits.slowConsumerGraceMs);
  }

  /** Calls `listener` once the socket has closed (at once if it has). */
  onClose(listener: () => void): void {
    if (this.isGone) listener();
    else this.closeListeners.push(listener);
  }

  private gone(): void {
    this.isGone = true;
    if (this.countedKey !== null) this.perKey.release(this.countedKey);
    this.countedKey = null;
    this.ending = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.connection?.close();
    this.connection = null;
    this.onGone(this);
    for (const listener of this.closeListeners) listener();
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
