import type {
  AccountOpenedEvent,
  AccountResetEvent,
  EngineEvent,
  OrderAcceptedEvent,
  OrderFilledEvent,
} from './events';
import { snapToStep, roundMoney } from './grid';
import type { IdsKeyedEvent } from './ids';
import { IdCodec } from './ids';
import { addFill, createOrderRecord, endOrder } from './order-record';
import type { AccountRecord, EngineState, OrderRecord } from './state';
import {
  addAccountRecord,
  armExits,
  disarmExits,
  indexLiveOrder,
  isLive,
  settleOrder,
  unindexLiveOrder,
} from './state';

/**
 * Applies one event to the state. Needs no market data, so a restart rebuilds the state from the
 * journal alone. Throws on an event that does not follow from the state (a gap in an account's
 * seq, an unknown order, a fill on a finished order): the journal and the state have diverged,
 * and carrying on would corrupt both.
 */
export function applyEvent(state: EngineState, event: EngineEvent): void {
  if (event.type === 'account_opened') {
    openAccountRecord(state, event);
    return;
  }
  const account = accountFor(state, event);
  switch (event.type) {
    case 'order_accepted':
      acceptOrder(state, account, event);
      break;
    case 'order_filled':
      fillOrder(state, account, event);
      break;
    case 'order_cancelled':
      finishOrder(state, account, event.order_id, 'cancelled', event.t);
      break;
    case 'order_expired':
      finishOrder(state, account, event.order_id, 'expired', event.t);
      break;
    case 'order_rejected':
      finishOrder(state, account, event.order_id, 'rejected', event.t, event.reject_reason);
      break;
    case 'account_reset':
      resetAccountRecord(state, account, event);
      break;
    default:
      return assertNever(event);
  }
  account.seq = event.seq;
}

export function applyEvents(state: EngineState, events: Iterable<EngineEvent>): void {
  for (const event of events) applyEvent(state, event);
}

/**
 * Keys the state's ids (see ids.ts). Orders and fills so far keep the ids they have; the event
 * names their counts so that a journal and a state that disagree about them fail here, loudly.
 */
export function applyIdsKeyed(state: EngineState, event: IdsKeyedEvent): void {
  if (state.ids.record !== null) throw new Error('The journal keys ids a second time');
  if (event.orders_before !== state.order_count || event.fills_before !== state.fills.count) {
    throw new Error(
      `Ids keyed after ${event.orders_before} orders and ${event.fills_before} fills, but the ` +
        `state has ${state.order_count} and ${state.fills.count}`,
    );
  }
  const { key, orders_before, fills_before } = event;
  state.ids = new IdCodec({ key, orders_before, fills_before });
}

function assertNever(event: never): never {
  throw new Error(`Unknown engine event ${JSON.stringify(event)}`);
}

function openAccountRecord(state: EngineState, event: AccountOpenedEvent) {
  if (state.accounts.has(event.account_id)) {
    throw new Error(`Journal opens account ${event.account_id} twice`);
  }
  if (event.seq !== 1) throw new Error(`Account ${event.account_id} must open with seq 1`);
  addAccountRecord(state, event.account_id, event.currency, event.balance).seq = 1;
}

function accountFor(state: EngineState, event: Exclude<EngineEvent, AccountOpenedEvent>) {
  const account = state.accounts.get(event.account_id);
  if (account === undefined) {
    throw new Error(`Event ${event.type} for unknown account ${event.account_id}`);
  }
  if (event.seq !== account.seq + 1) {
    throw new Error(
      `Event ${event.type} of account ${event.account_id} has seq ${event.seq}; expected ${account.seq + 1}`,
    );
  }
  return account;
}

/** Only orders in play can change; anything else means the journal and the state disagree. */
function liveOrderFor(state: EngineState, account: AccountRecord, orderId: string): OrderRecord {
  const order = state.hot_orders.get(state.ids.orderNumber(orderId) ?? 0);
  if (order === undefined || order.account_id !== account.account_id || !isLive(order)) {
    throw new Error(
      `Event for order ${orderId}, which is not a live order of ${account.account_id}`,
    );
  }
  return order;
}

function acceptOrder(state: EngineState, account: AccountRecord, event: OrderAcceptedEvent) {
  const number = state.ids.orderNumber(event.order_id);
  if (number !== state.order_count + 1) {
    throw new Error(
      `Order ${event.order_id} accepted out of turn; expected ${state.ids.orderId(state.order_count + 1)}`,
    );
  }
  const order = createOrderRecord(event, number);
  state.order_count = order.number;
  state.hot_orders.set(order.number, order);
  account.order_numbers.push(order.number);
  if (order.client_order_id !== null) {
    account.client_order_ids.set(order.client_order_id, order.number);
  }
  indexLiveOrder(state, account, order);
  if (order.parent_order_id !== null) {
    // One exit has fired: the parent's other exit is cancelled with it (one cancels the other).
    const parent = state.hot_orders.get(state.ids.orderNumber(order.parent_order_id) ?? 0);
    if (parent !== undefined) disarmExits(state, account, parent, 'triggered');
  }
}

function fillOrder(state: EngineState, account: AccountRecord, event: OrderFilledEvent) {
  const order = liveOrderFor(state, account, event.order_id);
  if (state.ids.fillNumber(event.fill_id) !== state.fills.count + 1) {
    throw new Error(
      `Fill ${event.fill_id} out of turn; expected ${state.ids.fillId(state.fills.count + 1)}`,
    );
  }
  const fillNumber = state.fills.append(order.number, event, order.last_fill);
  if (order.first_fill === 0) order.first_fill = fillNumber;
  order.last_fill = fillNumber;
  addFill(order, event.price, event.quantity, event.t);
  account.fill_numbers.push(fillNumber);
  account.balance = roundMoney(account.balance + event.realized_pnl - event.fee);
  account.realized_pnl = roundMoney(account.realized_pnl + event.realized_pnl);
  updatePosition(account, event);
  useLiquidity(account, event, order.quantity_step);
  if (!isLive(order)) unindexLiveOrder(state, account, order);
  if (order.exit_state === 'idle' && (order.stop_loss !== null || order.take_profit !== null)) {
    if (protects(order, event.position_quantity)) armExits(state, account, order);
  }
  if (account.armed_exits.size > 0) disarmStrandedExits(state, account, event);
  settleOrder(state, account, order);
}

function updatePosition(account: AccountRecord, event: OrderFilledEvent) {
  if (event.position_quantity === 0) {
    account.positions.delete(event.symbol);
    return;
  }
  const position = account.positions.get(event.symbol);
  if (position === undefined) {
    account.positions.set(event.symbol, {
      quantity: event.position_quantity,
      avg_price: event.position_avg_price,
    });
  } else {
    position.quantity = event.position_quantity;
    position.avg_price = event.position_avg_price;
  }
}

function useLiquidity(account: AccountRecord, event: OrderFilledEvent, quantityStep: number) {
  let use = account.liquidity.get(event.symbol);
  if (use === undefined) {
    use = { tick_t: event.tick_t, bid_used: 0, ask_used: 0 };
    account.liquidity.set(event.symbol, use);
  } else if (use.tick_t !== event.tick_t) {
    use.tick_t = event.tick_t;
    use.bid_used = 0;
    use.ask_used = 0;
  }
  if (event.action === 'buy')
    use.ask_used = snapToStep(use.ask_used + event.quantity, quantityStep);
  else use.bid_used = snapToStep(use.bid_used + event.quantity, quantityStep);
}

/** Whether a position of this signed size lies in the direction the entry opened. */
function protects(entry: OrderRecord, positionQuantity: number): boolean {
  return entry.action === 'buy' ? positionQuantity > 0 : positionQuantity < 0;
}

/**
 * Exits protect the position their entry opened: once it is flat or flipped they would close
 * somebody else's trade, so they stand down (a later fill of the entry arms them again).
 */
function disarmStrandedExits(state: EngineState, account: AccountRecord, event: OrderFilledEvent) {
  for (const entry of account.armed_exits) {
    if (entry.symbol === event.symbol && !protects(entry, event.position_quantity)) {
      disarmExits(state, account, entry, 'idle');
    }
  }
}

function finishOrder(
  state: EngineState,
  account: AccountRecord,
  orderId: string,
  status: 'cancelled' | 'expired' | 'rejected',
  t: number,
  rejectReason?: string,
) {
  const order = liveOrderFor(state, account, orderId);
  endOrder(order, status, t, rejectReason);
  unindexLiveOrder(state, account, order);
  settleOrder(state, account, order);
}

function resetAccountRecord(state: EngineState, account: AccountRecord, event: AccountResetEvent) {
  if (account.live_orders.size > 0) {
    throw new Error(`Account ${account.account_id} reset with live orders; cancel them first`);
  }
  for (const entry of account.armed_exits) disarmExits(state, account, entry, 'idle');
  account.currency = event.currency;
  account.balance = event.balance;
  account.realized_pnl = 0;
  account.positions.clear();
  account.client_order_ids.clear();
}
