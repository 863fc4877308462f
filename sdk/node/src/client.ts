import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { Account, FillList, PositionList } from '../../../api/account';
import type { Interval } from '../../../api/common';
import type { Instrument } from '../../../api/market';
import { CandleList, InstrumentList, InstrumentWithQuote, QuoteList } from '../../../api/market';
import type { CancelRequest, OrderRequest } from '../../../api/orders';
import { CancelResults, Order, OrderList } from '../../../api/orders';
import type { BackoffPolicy } from './backoff';
import type { BreakerChange } from './breaker';
import { CircuitBreaker, defaultBreakerOptions } from './breaker';
import { ApiError } from './errors';
import type { RetryNotice } from './request-core';
import { RequestCore } from './request-core';
import type { LookupNotice } from './settle';
import { findByClientOrderId, outcomeUnknown, settleByLookup } from './settle';
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
  /** What the client does on its own, as it happens (retries, lookups), e.g. to log it. */
  onNotice?: (notice: ClientNotice) => void;
}

/** Something the client did on its own: a retry, or looking an order up after its attempts. */
export type ClientNotice = ({ type: 'retry' } & RetryNotice) | LookupNotice;

export interface PlaceOptions {
  /** Sent on every attempt; a random UUID unless given. */
  idempotencyKey?: string;
  /**
   * The order only reduces a position (or closes it): an open circuit breaker lets it through,
   * so that a strategy can always flatten. The caller knows its position; the client does not.
   */
  reducesPosition?: boolean;
}

export interface OrderListOptions {
  status?: 'open' | 'filled' | 'cancelled' | 'all';
  symbol?: string;
  limit?: number;
  cursor?: string;
}

export interface FillListOptions {
  /** Only fills at or after this time (ms). */
  since?: number;
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
  private readonly notify: (notice: ClientNotice) => void;
  /**
   * In a lockstep replay session: the bar every request acknowledges (`X-Timber-Ack`), set by
   * the strategy runtime while it runs a bar ahead of the session's clock, so that the request
   * moves the clock there first. Undefined otherwise.
   */
  lockstepAck: number | undefined = undefined;

  constructor(options: ClientOptions) {
    const now = options.now ?? Date.now;
    const notify = options.onNotice ?? (() => {});
    this.notify = notify;
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
      onRetry: (retry) => notify({ type: 'retry', ...retry }),
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

  /** One page of the account's fills, oldest first; pass `next_cursor` back for the next. */
  fills(options: FillListOptions = {}): Promise<z.infer<typeof FillList>> {
    return this.get(`/account/fills${query({ ...options })}`, FillList);
  }

  /** Every instrument the API trades, with its steps and trading hours (no quotes). */
  async instruments(): Promise<Instrument[]> {
    return (await this.get('/market', InstrumentList)).instruments;
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
   * Places an order under one `Idempotency-Key` (a random UUID unless given) and one
   * `client_order_id` (the request's, or a random UUID), the same on every retry, so that a retry
   * after a lost answer can never place it twice. Refused without a request (`CircuitOpenError`)
   * while the circuit breaker is open, unless it only reduces a position; once sent, it is
   * retried whatever the breaker. When the attempts run out without a clear answer, the order is
   * looked up by its client_order_id: found, it is returned; certainly absent, the last error is
   * thrown; otherwise `OrderOutcomeUnknownError`.
   */
  async placeOrder(request: OrderRequest, options: PlaceOptions = {}): Promise<Order> {
    const clientOrderId = request.client_order_id ?? randomUUID();
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const outcome = await this.core.settle({
      method: 'POST',
      path: '/orders',
      schema: Order,
      body: { ...request, client_order_id: clientOrderId },
      retry: true,
      guarded: options.reducesPosition !== true,
      idempotencyKey,
      token: this.token,
    });
    if (outcome.type === 'answered') return outcome.value;
    if (!outcomeUnknown(outcome)) throw outcome.error;
    const { symbol } = request;
    return settleByLookup(
      outcome,
      { clientOrderId, idempotencyKey, symbol },
      () => this.findOrderByClientId(symbol, clientOrderId),
      this.notify,
    );
  }

  /** The account's order of this symbol with this client_order_id, or null (pages through all). */
  findOrderByClientId(symbol: string, clientOrderId: string): Promise<Order | null> {
    return findByClientOrderId((query) => this.orders(query), symbol, clientOrderId);
  }

  /**
   * Cancels an order. A retry after an attempt that may have taken effect can meet a 409 (its
   * own cancel went through): then the order, if cancelled, is the answer.
   */
  async cancelOrder(id: string): Promise<Order> {
    const outcome = await this.core.settle({
      method: 'DELETE',
      path: `/orders/${encodeURIComponent(id)}`,
      schema: Order,
      retry: true,
      token: this.token,
    });
    if (outcome.type === 'answered') return outcome.value;
    const { error } = outcome;
    const conflict = error instanceof ApiError && error.status === 409;
    if (outcome.uncertainAttempts > 0 && (conflict || outcomeUnknown(outcome))) {
      const order = await this.order(id).catch(() => null);
      if (order?.status === 'cancelled') return order;
    }
    throw error;
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
