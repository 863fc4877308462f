import WebSocket from 'ws';
import type { Interval } from '../../../api/common';
import type { ClientMessage } from '../../../api/stream';
import { ServerMessage } from '../../../api/stream';
import type { BackoffPolicy } from './backoff';
import { backoffDelay } from './backoff';

export type ResumableChannel = 'orders' | 'account';
export type MarketChannel = 'ticks' | 'candles';

export interface StreamClientOptions {
  /** `ws://…/stream`, or a replay session's `ws://…/sessions/{id}/stream`. */
  url: string;
  /** A bearer token; `forceRenew` after the server refused the last one. */
  token: (forceRenew: boolean) => Promise<string>;
  /** Every message, in order; orders/account events exactly once each, across reconnects. */
  onMessage: (message: ServerMessage) => void;
  /** Connected (again): subscriptions are already re-sent; e.g. repeat the last ack. */
  onOpen?: (reconnected: boolean) => void;
  /** Connection trouble, in words (the client reconnects by itself). */
  onProblem?: (problem: string) => void;
  /** No frame for this long means a dead connection (the server sends a heartbeat every 5 s). */
  silenceLimitMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
}

interface MarketSubscription {
  channel: MarketChannel;
  symbols: string[];
  interval?: Interval;
}

/**
 * The `/stream` client: header auth, subscriptions that survive reconnects, a heartbeat watchdog,
 * reconnects with backoff and jitter, and resumption of the orders and account channels from the
 * last seq seen (`since_seq`), dropping anything already delivered.
 */
export class StreamClient {
  private socket: WebSocket | null = null;
  private closed = false;
  private attempts = 0;
  private everOpened = false;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** The last seq delivered per resumable channel; null before the server told where it stood. */
  private readonly lastSeq = new Map<ResumableChannel, number | null>();
  private readonly market = new Map<string, MarketSubscription>();
  private renewToken = false;
  private readonly positionWaiters: (() => void)[] = [];
  /** Resumable channels whose subscription the server confirmed (`subscribed`). */
  private readonly confirmed = new Set<ResumableChannel>();
  private opened: { resolve: () => void; reject: (error: Error) => void } | null = null;

  constructor(private readonly options: StreamClientOptions) {}

  /** Connects; resolves once the first connection is open (and keeps reconnecting after). */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.opened = { resolve, reject };
      void this.connect();
    });
  }

  /** Subscribes to orders or account events; resumed by seq after a reconnect. */
  subscribeAccount(channel: ResumableChannel): void {
    if (!this.lastSeq.has(channel)) this.lastSeq.set(channel, null);
    this.sendSubscription(channel);
  }

  subscribeMarket(channel: MarketChannel, symbols: string[], interval?: Interval): void {
    const subscription: MarketSubscription = { channel, symbols, ...(interval && { interval }) };
    this.market.set(marketKey(subscription), subscription);
    this.send({ op: 'subscribe', ...subscription });
  }

  unsubscribeMarket(channel: MarketChannel, symbols: string[], interval?: Interval): void {
    const subscription: MarketSubscription = { channel, symbols, ...(interval && { interval }) };
    this.market.delete(marketKey(subscription));
    this.send({ op: 'unsubscribe', ...subscription });
  }

  /** Sends a message now if connected; false when it could not be sent. */
  send(message: ClientMessage): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Resolves once the server confirmed every subscribed orders/account channel (its `subscribed`
   * message, with the seq it stands at where it has one): from then on no event of theirs can be
   * missed, so a snapshot read over REST afterwards leaves no gap before the stream.
   */
  positioned(): Promise<void> {
    if (this.allPositioned()) return Promise.resolve();
    return new Promise<void>((resolve) => this.positionWaiters.push(resolve));
  }

  /** The last seq delivered on a resumable channel. */
  seqOf(channel: ResumableChannel): number | null {
    return this.lastSeq.get(channel) ?? null;
  }

  /** Drops the current connection as a network failure would (tests, fault drills). */
  dropConnection(): void {
    this.socket?.terminate();
  }

  close(): void {
    this.closed = true;
    this.clearTimers();
    this.socket?.close(1000, 'client closing');
    this.socket = null;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let token: string;
    try {
      token = await this.options.token(this.renewToken);
    } catch (error) {
      this.scheduleReconnect(`could not get a token for the stream: ${(error as Error).message}`);
      return;
    }
    this.renewToken = false;
    if (this.closed) return;
    const socket = new WebSocket(this.options.url, {
      headers: { Authorization: `Bearer ${token}` },
    });
    this.socket = socket;
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data: WebSocket.RawData) => this.onFrame(socket, data));
    socket.on('ping', () => this.feedWatchdog(socket));
    socket.on('unexpected-response', (_request, response) => {
      if (response.statusCode === 401) this.renewToken = true;
      socket.terminate();
      this.scheduleReconnect(`the stream refused the connection (HTTP ${response.statusCode})`);
    });
    socket.on('error', (error) => this.options.onProblem?.(`stream error: ${error.message}`));
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleReconnect(
        `the stream closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`,
      );
    });
  }

  private onOpen(socket: WebSocket): void {
    const reconnected = this.everOpened;
    this.everOpened = true;
    this.attempts = 0;
    this.feedWatchdog(socket);
    for (const channel of this.lastSeq.keys()) this.sendSubscription(channel);
    for (const subscription of this.market.values())
      this.send({ op: 'subscribe', ...subscription });
    this.opened?.resolve();
    this.opened = null;
    this.options.onOpen?.(reconnected);
  }

  private sendSubscription(channel: ResumableChannel): void {
    const since = this.lastSeq.get(channel);
    this.send({
      op: 'subscribe',
      channel,
      ...(since !== null && since !== undefined && { since_seq: since }),
    });
  }

  private onFrame(socket: WebSocket, data: WebSocket.RawData): void {
    if (this.socket !== socket) return;
    this.feedWatchdog(socket);
    let json: unknown;
    try {
      json = JSON.parse(frameText(data));
    } catch {
      this.options.onProblem?.('the stream sent a frame that is not JSON; ignored');
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) {
      this.options.onProblem?.(
        `the stream sent a message outside the API contract; ignored: ${JSON.stringify(json).slice(0, 200)}`,
      );
      return;
    }
    const message = parsed.data;
    if ('channel' in message) {
      if (message.channel === 'orders' || message.channel === 'account') {
        const last = this.lastSeq.get(message.channel);
        if (last !== null && last !== undefined && message.seq <= last) return;
        this.lastSeq.set(message.channel, message.seq);
      } else if (message.channel === 'system' && message.type === 'subscribed') {
        this.noteStartingSeq(message.data);
      }
      if (this.positionWaiters.length > 0 && this.allPositioned()) {
        for (const resolve of this.positionWaiters.splice(0)) resolve();
      }
    }
    this.options.onMessage(message);
  }

  /** A first subscription says where the channel stands: events after it are the new ones. */
  private noteStartingSeq(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const { channel, seq } = data as { channel?: unknown; seq?: unknown };
    if (channel !== 'orders' && channel !== 'account') return;
    this.confirmed.add(channel);
    if (typeof seq === 'number' && this.lastSeq.get(channel) === null) {
      this.lastSeq.set(channel, seq);
    }
  }

  private allPositioned(): boolean {
    for (const channel of this.lastSeq.keys()) if (!this.confirmed.has(channel)) return false;
    return true;
  }

  private feedWatchdog(socket: WebSocket): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    const limit = this.options.silenceLimitMs ?? 15_000;
    this.watchdog = setTimeout(() => {
      this.options.onProblem?.(`no message from the stream for ${limit / 1000} s; reconnecting`);
      socket.terminate();
    }, limit);
    this.watchdog.unref();
  }

  private scheduleReconnect(why: string): void {
    this.clearTimers();
    if (this.closed || this.retryTimer !== null) return;
    const delay = backoffDelay(
      this.attempts++,
      this.options.backoff ?? { baseMs: 250, capMs: 10_000 },
      this.options.random,
    );
    this.options.onProblem?.(`${why}; reconnecting in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
    if (this.closed && this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }
}

function marketKey(subscription: MarketSubscription): string {
  return `${subscription.channel}:${subscription.interval ?? ''}:${subscription.symbols.join(',')}`;
}

function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(new Uint8Array(data)).toString('utf8');
}
