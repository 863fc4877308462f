import type { CancelOutcome, CancelRequest, Order, OrderStatus } from '../../api/orders';
import type { AccountDraft } from './decision';
import { Decision } from './decision';
import type { EngineEvent } from './events';
import type { EngineFailure } from './failures';
import { conflict, notFound } from './failures';
import { toOrderView } from './order-record';
import type { EngineState } from './state';
import { findOrder } from './state';

export interface CancelOrderCommand {
  accountId: string;
  orderId: string;
  t: number;
}

export type CancelOrderResult =
  { ok: true; events: readonly EngineEvent[]; order: Order } | EngineFailure;

/**
 * Decides `DELETE /orders/{id}`: not found for an order this account does not own (another
 * account's orders are not revealed), a conflict for one that is no longer live.
 */
export function cancelOrder(state: EngineState, command: CancelOrderCommand): CancelOrderResult {
  const account = state.accounts.get(command.accountId);
  if (account === undefined) return notFound(`No account ${command.accountId}.`);
  const found = findOrder(state, account, command.orderId);
  if (found === undefined) return notFound(`No order ${command.orderId} on this account.`);
  if (
    found.kind === 'archived' ||
    (found.record.status !== 'open' && found.record.status !== 'partially_filled')
  ) {
    const status = found.kind === 'archived' ? found.status : found.record.status;
    return conflict(notLiveMessage(command.orderId, status));
  }
  const decision = new Decision(state, command.t);
  decision.cancel(decision.account(account), decision.order(found.record), 'requested');
  // The order as the cancellation will leave it, without applying it here.
  const order = toOrderView(state, found.record);
  order.status = 'cancelled';
  order.updated_at = command.t;
  return { ok: true, events: decision.events, order };
}

export interface CancelOrdersCommand {
  accountId: string;
  t: number;
  request: CancelRequest;
}

export type CancelOrdersResult =
  { ok: true; events: readonly EngineEvent[]; results: CancelOutcome[] } | EngineFailure;

/**
 * Decides `POST /orders/cancel`: by ids (one outcome per id, in the order given, each what its
 * own DELETE would have been), or every live order of a symbol, or all of them.
 */
export function cancelOrders(state: EngineState, command: CancelOrdersCommand): CancelOrdersResult {
  const account = state.accounts.get(command.accountId);
  if (account === undefined) return notFound(`No account ${command.accountId}.`);
  const decision = new Decision(state, command.t);
  const draft = decision.account(account);
  const request = command.request;
  const results: CancelOutcome[] = [];
  if ('ids' in request) {
    for (const id of request.ids) results.push(cancelOne(decision, draft, id));
  } else {
    const symbol = 'symbol' in request ? request.symbol : null;
    for (const order of account.live_orders) {
      if (symbol === null || order.symbol === symbol) {
        results.push(cancelOne(decision, draft, order.id));
      }
    }
  }
  return { ok: true, events: decision.events, results };
}

function cancelOne(decision: Decision, account: AccountDraft, orderId: string): CancelOutcome {
  const found = findOrder(decision.state, account.record, orderId);
  if (found === undefined) {
    return {
      id: orderId,
      cancelled: false,
      code: 'not_found',
      message: `No order ${orderId} on this account.`,
    };
  }
  // A record no longer live in the draft was named earlier in the same request and cancelled.
  const draft = found.kind === 'hot' ? decision.order(found.record) : undefined;
  if (draft === undefined || !draft.live) {
    const status: OrderStatus =
      found.kind === 'archived'
        ? found.status
        : isOver(found.record.status)
          ? found.record.status
          : 'cancelled';
    return {
      id: orderId,
      cancelled: false,
      code: 'conflict',
      message: notLiveMessage(orderId, status),
      order_status: status,
    };
  }
  decision.cancel(account, draft, 'requested');
  return { id: orderId, cancelled: true };
}

function isOver(status: OrderStatus): boolean {
  return status !== 'open' && status !== 'partially_filled';
}

function notLiveMessage(orderId: string, status: OrderStatus): string {
  return `Order ${orderId} is ${status.replace('_', ' ')}; only open or partially filled orders can be cancelled.`;
}
