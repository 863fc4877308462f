import { randomBytes } from 'node:crypto';
import type { AdminKey, CreatedKey, CreateKeyRequest } from '../../api/admin';
import type { CancelOutcome, CancelRequest, Order, OrderRequest } from '../../api/orders';
import { errorStatus } from '../../api/errors';
import { routes } from '../../api/routes';
import { openAccount, resetAccount } from '../engine/accounts';
import { cancelOrder, cancelOrders } from '../engine/cancel';
import type { EngineEvent } from '../engine/events';
import type { EngineFailure } from '../engine/failures';
import { idKeyBytes } from '../engine/ids';
import type { MarketView } from '../engine/market-view';
import { placeOrder } from '../engine/place-order';
import { SandboxError } from '../errors';
import { hashSecret, newKeyCredentials } from './tokens';
import type { Clock } from './clock';
import type { AnsweredOrder } from './idempotency';
import { findIdempotent, idempotencySlot, requestHash } from './idempotency';
import { getOrder } from '../engine/views';
import type { KeyRecord } from './keys';
import type { SandboxEvent, SandboxState } from './state';

/** The durable state: `append` applies events to `state` at once and resolves once they are durable. */
export interface EventStore {
  readonly state: SandboxState;
  append(events: readonly SandboxEvent[]): Promise<unknown>;
}

export const defaultAccountId = 'acc_default';

/** An answer to an order command as the API gives it: status and body text. */
export interface CommandAnswer {
  status: number;
  body: string;
  replayed: boolean;
}

/**
 * The sandbox's commands, transport-free: each decides with the engine, applies the events to
 * memory at once (so the next request sees them), and answers only once they are durable.
 */
export class Sandbox {
  private failure: Error | null = null;
  /** Idempotency keys whose first answer is not durable yet; duplicates wait on it. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Revocations not durable yet: a repeat answers only once the first one is. */
  private readonly revoking = new Map<string, Promise<void>>();

  constructor(
    private readonly store: EventStore,
    readonly market: MarketView,
    readonly clock: Clock,
  ) {}

  get state(): SandboxState {
    return this.store.state;
  }

  /** Applies and journals events (the store does both); rejects (and stops all further commands) if they cannot be made durable. */
  async commit(events: readonly SandboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.assertHealthy();
    try {
      await this.store.append(events);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw this.unavailable();
    }
  }

  private assertHealthy(): void {
    if (this.failure) throw this.unavailable();
  }

  private unavailable(): SandboxError {
    return new SandboxError(
      'unavailable',
      `the sandbox cannot write its journal (${this.failure?.message ?? 'unknown error'}); restart it`,
    );
  }

  /**
   * Keys the ids of a data folder that has no key yet (new, or from before keyed ids): from now
   * on they do not show how many orders and fills the sandbox holds (engine/ids.ts). The key is
   * journaled, so that every replay gives out the same ids.
   */
  async ensureIdKey(now: number): Promise<void> {
    const engine = this.state.engine;
    if (engine.ids.record !== null) return;
    await this.commit([
      {
        type: 'ids_keyed',
        t: now,
        key: randomBytes(idKeyBytes).toString('hex'),
        orders_before: engine.order_count,
        fills_before: engine.fills.count,
      },
    ]);
  }

  async ensureDefaultAccount(now: number): Promise<void> {
    if (this.state.engine.accounts.has(defaultAccountId)) return;
    await this.commit(
      expectOk(openAccount(this.state.engine, { accountId: defaultAccountId, t: now })).events,
    );
  }

  async createKey(request: CreateKeyRequest, now: number): Promise<CreatedKey> {
    const events: SandboxEvent[] = [];
    let accountId = request.account === 'default' ? defaultAccountId : request.account;
    if (request.account === 'new') {
      accountId = `acc_${randomBytes(6).toString('hex')}`;
      events.push(...expectOk(openAccount(this.state.engine, { accountId, t: now })).events);
    } else if (!this.state.engine.accounts.has(accountId)) {
      throw new SandboxError(
        'not_found',
        `no account ${accountId}; use "default", "new" or an existing account id`,
        [{ path: 'account', message: 'names no account' }],
      );
    }
    const { keyId, secret } = newKeyCredentials();
    events.push({
      type: 'key_created',
      t: now,
      key_id: keyId,
      secret_hash: hashSecret(secret),
      scope: request.scope,
      account_id: accountId,
      label: request.label ?? null,
      created_at: now,
    });
    await this.commit(events);
    return { key_id: keyId, secret, scope: request.scope, account_id: accountId };
  }

  /** Every key, revoked ones included, oldest first; never a secret or its hash. */
  listKeys(): AdminKey[] {
    return this.state.keys.all().map(adminKey);
  }

  /**
   * Revokes a key for good (journaled): from the moment it is applied, the key gets no token and
   * its tokens are refused. Revoking a revoked key changes nothing and answers the same.
   */
  async revokeKey(keyId: string, now: number): Promise<AdminKey> {
    const pending = this.revoking.get(keyId);
    if (pending) await pending;
    const revoked = this.state.keys.revoked(keyId);
    if (revoked !== undefined) return adminKey(revoked);
    if (!this.state.keys.has(keyId)) {
      throw new SandboxError('not_found', `no key ${keyId}; GET /admin/keys lists the keys`, [
        { path: 'id', message: 'names no key' },
      ]);
    }
    const durable = this.commit([{ type: 'key_revoked', key_id: keyId, t: now }]);
    this.revoking.set(keyId, durable);
    try {
      await durable;
    } finally {
      this.revoking.delete(keyId);
    }
    return adminKey(this.state.keys.revoked(keyId)!);
  }

  /** A replay of an earlier answer for this key, after waiting for it to be durable; or null. */
  async idempotentReplay(
    accountId: string,
    key: string,
    body: unknown,
    now: number,
  ): Promise<CommandAnswer | null> {
    const slot = idempotencySlot(accountId, key);
    const pending = this.inFlight.get(slot);
    if (pending) await pending.catch(() => undefined);
    const record = findIdempotent(this.state.idempotency, accountId, key, now);
    if (!record) return null;
    if (record.hash !== requestHash(body)) {
      throw new SandboxError(
        'conflict',
        `the Idempotency-Key "${key}" was already used with a different body`,
        [
          {
            path: 'Idempotency-Key',
            message: 'was used with a different body within the last 24 hours',
          },
        ],
      );
    }
    this.assertHealthy();
    const text =
      typeof record.answer === 'string'
        ? record.answer
        : this.answeredOrderText(accountId, record.answer);
    return { status: record.status, body: text, replayed: true };
  }

  /** The body of a 201 as first sent: the order as it is now, wound back to that moment. */
  private answeredOrderText(accountId: string, answered: AnsweredOrder): string {
    const order = getOrder(this.state.engine, accountId, answered.id);
    if (!order) throw new Error(`idempotency record names order ${answered.id}, which is gone`);
    const original: Order = {
      ...order,
      filled_quantity: answered.filled_quantity,
      status: answered.status,
      avg_fill_price: answered.avg_fill_price,
      fills: order.fills.slice(0, answered.fills),
      updated_at: answered.updated_at,
    };
    if (answered.status !== 'rejected') delete original.reject_reason;
    return JSON.stringify(original);
  }

  /**
   * POST /orders. With an idempotency key, the answer (success, or a conflict or unprocessable
   * refusal) is journaled with the order's events, so a retry gets the same answer, even after a
   * restart.
   */
  async placeOrder(
    accountId: string,
    request: OrderRequest,
    idempotency: { key: string; body: unknown } | undefined,
    requestId: string,
    now: number,
  ): Promise<CommandAnswer> {
    this.assertHealthy();
    const result = placeOrder(this.state.engine, this.market, { accountId, t: now, request });
    // Idempotency records journal the answer as the API gives it, status and all (api/).
    const status = result.ok ? routes.placeOrder.success.status : errorStatus[result.code];
    const body = result.ok
      ? JSON.stringify(result.order)
      : JSON.stringify(failureBody(result, requestId));
    const events: SandboxEvent[] = result.ok ? [...result.events] : [];
    if (idempotency) {
      events.push({
        type: 'idempotency_recorded',
        account_id: accountId,
        key: idempotency.key,
        hash: requestHash(idempotency.body),
        status,
        answer: result.ok ? answeredOrder(result.order) : body,
        t: now,
      });
    }
    const slot = idempotency && idempotencySlot(accountId, idempotency.key);
    const durable = this.commit(events);
    if (slot) {
      this.inFlight.set(slot, durable);
      void durable.finally(() => this.inFlight.delete(slot)).catch(() => undefined);
    }
    await durable;
    return { status, body, replayed: false };
  }

  async cancelOrder(accountId: string, orderId: string, now: number): Promise<Order> {
    const result = cancelOrder(this.state.engine, { accountId, orderId, t: now });
    await this.commit(expectOk(result).events);
    return expectOk(result).order;
  }

  async cancelOrders(
    accountId: string,
    request: CancelRequest,
    now: number,
  ): Promise<CancelOutcome[]> {
    const result = expectOk(cancelOrders(this.state.engine, { accountId, t: now, request }));
    await this.commit(result.events);
    return result.results;
  }

  async resetAccount(accountId: string, now: number): Promise<{ cancelled: number }> {
    const result = expectOk(resetAccount(this.state.engine, { accountId, t: now }));
    await this.commit(result.events);
    return {
      cancelled: result.events.filter((event: EngineEvent) => event.type === 'order_cancelled')
        .length,
    };
  }
}

function adminKey(key: KeyRecord & { revoked_at?: number | null }): AdminKey {
  return {
    key_id: key.key_id,
    scope: key.scope,
    account_id: key.account_id,
    label: key.label,
    created_at: key.created_at,
    revoked_at: key.revoked_at ?? null,
  };
}

function answeredOrder(order: Order): AnsweredOrder {
  return {
    id: order.id,
    fills: order.fills.length,
    status: order.status,
    filled_quantity: order.filled_quantity,
    avg_fill_price: order.avg_fill_price,
    updated_at: order.updated_at,
  };
}

function failureBody(failure: EngineFailure, requestId: string) {
  return {
    error: {
      code: failure.code,
      message: failure.message,
      details: failure.details,
      request_id: requestId,
    },
  };
}

/** The success of an engine decision, or its refusal as an API error. */
export function expectOk<T extends { ok: true }>(result: T | EngineFailure): T {
  if (result.ok) return result;
  throw new SandboxError(result.code, result.message, result.details);
}
