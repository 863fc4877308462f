import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Account, FillList, PositionList } from '../../../api/account';
import type { Interval } from '../../../api/common';
import { CandleList, InstrumentWithQuote, QuoteList } from '../../../api/market';
import type { CancelRequest, OrderRequest } from '../../../api/orders';
import { CancelResults, Order, OrderList } from '../../../api/orders';
import type { BackoffPolicy } from './backoff';
import type { BreakerChange } from './breaker';
import { CircuitBreaker, defaultBreakerOptions } from './breaker';
import { RequestCore } from './request-core';
import { TokenSource } from './tokens';
import type { Transport } from './transport';
import { nodeHttpTransport } from './transport';

export interface ClientOptions {
  /** REST base URL, e.g. `http://127.0.0.1:8080` or a replay session's `.../sessions/{id}`. */
  baseUrl: string;
  keyId: string;
  secret: string;
  breaker?: {
    failureThreshold?: number;
    latencyLimitMs?: number;
    cooldownMs?: number;
    onStateChange?: (change: BreakerChange) => void;
  };
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  timeoutMs?: number;
  transport?: Transport;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface OrderListOptions {
  status?: 'open' | 'filled' | 'cancelled' | 'all';
  symbol?: string;
  limit?: number;
  cursor?: string;
}

export type InstrumentWithQuote = z.infer<typeof InstrumentWithQuote>;

/** The Timber Bondmere REST API, with token refresh, retries, rate limits and a circuit breaker. */
export class TimberClient {
  readonly breaker: CircuitBreaker;
  private readonly core: RequestCore;
  private readonly tokens: TokenSource;
  private readonly token: (forceRenew: boolean) => Promise<string>;
  /**
   * In a lockstep replay session: the bar every request acknowledges (`X-Timber-Ack`), set by
   * the strategy runtime while it runs a bar ahead of the session's clock, so that the request
   * moves the clock there first. Undefined otherwise.
   */
  lockstepAck: number | undefined = undefined;

  constructor(options: ClientOptions) {
    const now = options.now ?? Date.now;
    this.breaker = new CircuitBreaker({ ...defaultBreakerOptions, ...options.breaker, now });
    this.core = new RequestCore({
      baseUrl: options.baseUrl,
      transport: options.transport ?? nodeHttpTransport(),
      breaker: this.breaker,
      now,
      ...(options.backoff && { backoff: options.backoff }),
      ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.random && { random: options.random }),
      lockstepAck: () => this.lockstepAck,
    });
    this.tokens = new TokenSource(this.core, options.keyId, options.secret, now);
    this.token = (forceRenew) => this.tokens.get(forceRenew);
  }

  /** A current access token (for the stream's auth header). */
  accessToken(forceRenew = false): Promise<string> {
    return this.tokens.get(forceRenew);
  }

  /** The rate-limit window the last answer reported. */
  get rateLimit() {
    return this.core.rateLimit.last;
  }

  account(): Promise<Account> {
    return this.get('/account', Account);
  }

  positions(): Promise<z.infer<typeof PositionList>> {
    return this.get('/account/positions', PositionList);
  }

  fills(since?: number): Promise<z.infer<typeof FillList>> {
    return this.get(`/account/fills${query({ since })}`, FillList);
  }

  instrument(symbol: string): Promise<InstrumentWithQuote> {
    return this.get(`/market/${encodeURIComponent(symbol)}`, InstrumentWithQuote);
  }

  quotes(symbols: readonly string[]): Promise<z.infer<typeof QuoteList>> {
    return this.get(`/market/quotes${query({ symbols: symbols.join(',') })}`, QuoteList);
  }

  candles(q: {
    symbol: string;
    interval?: Interval;
    limit?: number;
    from?: number;
    to?: number;
  }): Promise<z.infer<typeof CandleList>> {
    return this.get(`/market/candles${query(q)}`, CandleList);
  }

  orders(options: OrderListOptions = {}): Promise<z.infer<typeof OrderList>> {
    return this.get(`/orders${query({ ...options })}`, OrderList);
  }

  /** Every open order (all pages), oldest first. */
  async openOrders(symbol?: string): Promise<Order[]> {
    const all: Order[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.orders({
        status: 'open',
        limit: 500,
        ...(symbol !== undefined && { symbol }),
        ...(cursor !== undefined && { cursor }),
      });
      all.push(...page.orders);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  }

  order(id: string): Promise<Order> {
    return this.get(`/orders/${encodeURIComponent(id)}`, Order);
  }

  /**
   * Places an order under one `Idempotency-Key` (a random UUID unless given), the same on every
   * retry, so a retry after a lost answer can never place it twice. Refused without a request
   * (`CircuitOpenError`) while the circuit breaker is open.
   */
  placeOrder(request: OrderRequest, options: { idempotencyKey?: string } = {}): Promise<Order> {
    return this.core.send({
      method: 'POST',
      path: '/orders',
      schema: Order,
      body: request,
      retry: true,
      guarded: true,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      token: this.token,
    });
  }

  cancelOrder(id: string): Promise<Order> {
    return this.core.send({
      method: 'DELETE',
      path: `/orders/${encodeURIComponent(id)}`,
      schema: Order,
      retry: true,
      token: this.token,
    });
  }

  cancelOrders(request: CancelRequest): Promise<z.infer<typeof CancelResults>> {
    return this.core.send({
      method: 'POST',
      path: '/orders/cancel',
      schema: CancelResults,
      body: request,
      retry: true,
      token: this.token,
    });
  }

  /** Any other call of the API, validated with the given schema. */
  call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> {
    return this.core.send({
      method,
      path,
      schema,
      ...(body !== undefined && { body }),
      retry: method === 'GET',
      token: this.token,
    });
  }

  private get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return this.core.send({ method: 'GET', path, schema, retry: true, token: this.token });
  }
}

function query(values: Record<string, string | number | undefined>): string {
  const entries = Object.entries(values).filter(
    (entry): entry is [string, string | number] => entry[1] !== undefined,
  );
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([key, value]): [string, string] => [key, String(value)])).toString()}`;
}
