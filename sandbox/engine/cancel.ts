import type { CancelRequest, CancelResult, Order } from '../../api/orders';
import type { AccountDraft } from './decision';
import { Decision } from './decision';
import type { EngineEvent } from './events';
import type { EngineFailure } from './failures';
import { conflict, notFound } from './failures';
import { toOrderView } from './order-record';
import type { AccountRecord, EngineState, OrderRecord } from './state';

export interface CancelOrderCommand {
  accountId: string;
  orderId: string;
  t: number;
}

export type CancelOrderResult =
  { ok: true; events: readonly EngineEvent[]; order: Order } | EngineFailure;

/**
 * Decides `DELETE /orders/{id}`: 404 for an order this account does not own (another account's
 * orders are not revealed), 409 for one that is no longer live.
 */
export function cancelOrder(state: EngineState, command: CancelOrderCommand): CancelOrderResult {
  const account = state.accounts.get(command.accountId);
  if (account === undefined) return notFound(`No account ${command.accountId}.`);
  const order = ownOrder(state, account, command.orderId);
  if (order === undefined) return notFound(`No order ${command.orderId} on this account.`);
  if (order.status !== 'open' && order.status !== 'partially_filled') {
    return conflict(notLiveMessage(order));
  }
  const decision = new Decision(state, command.t);
  decision.cancel(decision.account(account), decision.order(order), 'requested');
  // The order as the event will leave it, without applying it here.
  const view = toOrderView(order);
  view.status = 'cancelled';
  view.updated_at = command.t;
  return { ok: true, events: decision.events, order: view };
}

export interface CancelOrdersCommand {
  accountId: string;
  t: number;
  request: CancelRequest;
}

export type CancelOrdersResult =
  { ok: true; events: readonly EngineEvent[]; results: CancelResult[] } | EngineFailure;

/**
 * Decides `POST /orders/cancel`: by ids (one result per id, in the order given, each with the
 * status its own DELETE would have had), or every live order of a symbol, or all of them.
 */
export function cancelOrders(state: EngineState, command: CancelOrdersCommand): CancelOrdersResult {
  const account = state.accounts.get(command.accountId);
  if (account === undefined) return notFound(`No account ${command.accountId}.`);
  const decision = new Decision(state, command.t);
  const draft = decision.account(account);
  const request = command.request;
  const results: CancelResult[] = [];
  if ('ids' in request) {
    for (const id of request.ids) results.push(cancelOne(decision, draft, state, id));
  } else {
    const symbol = 'symbol' in request ? request.symbol : null;
    for (const order of account.live_orders) {
      if (symbol === null || order.symbol === symbol) {
        results.push(cancelOne(decision, draft, state, order.id));
      }
    }
  }
  return { ok: true, events: decision.events, results };
}

function cancelOne(
  decision: Decision,
  account: AccountDraft,
  state: EngineState,
  orderId: string,
): CancelResult {
  const order = ownOrder(state, account.record, orderId);
  if (order === undefined) {
    return {
      id: orderId,
      status: 404,
      error: { code: 'not_found', message: `No order ${orderId} on this account.` },
    };
  }
  const draft = decision.order(order);
  if (!draft.live) {
    // Named twice in one request: the first mention cancelled it.
    const status =
      order.status === 'open' || order.status === 'partially_filled' ? 'cancelled' : order.status;
    return {
      id: orderId,
      status: 409,
      order_status: status,
      error: { code: 'conflict', message: notLiveMessage({ ...order, status }) },
    };
  }
  decision.cancel(account, draft, 'requested');
  return { id: orderId, status: 200, order_status: 'cancelled' };
}

function ownOrder(state: EngineState, account: AccountRecord, orderId: string) {
  const order = state.orders.get(orderId);
  return order !== undefined && order.account_id === account.account_id ? order : undefined;
}

function notLiveMessage(order: Pick<OrderRecord, 'id' | 'status'>): string {
  return `Order ${order.id} is ${order.status.replace('_', ' ')}; only open or partially filled orders can be cancelled.`;
}
