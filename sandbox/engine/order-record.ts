import type { Fill, Order, OrderStatus } from '../../api/orders';
import type { EngineEvent, OrderAcceptedEvent } from './events';
import { roundAveragePrice, snapToStep } from './grid';
import type { IdCodec } from './ids';
import type { EngineState, OrderRecord } from './state';

// Shared by applyEvent and by placeOrder, which shows the order as its events will leave it.

/** The record of an accepted order; `number` is what its id encodes. */
export function createOrderRecord(accepted: OrderAcceptedEvent, number: number): OrderRecord {
  return {
    number,
    id: accepted.order_id,
    account_id: accepted.account_id,
    client_order_id: accepted.client_order_id,
    symbol: accepted.symbol,
    action: accepted.action,
    quantity: accepted.quantity,
    filled_quantity: 0,
    order_type: accepted.order_type,
    limit_price: accepted.limit_price,
    stop_loss: accepted.stop_loss,
    take_profit: accepted.take_profit,
    time_in_force: accepted.time_in_force,
    status: 'open',
    avg_fill_price: null,
    created_at: accepted.t,
    updated_at: accepted.t,
    parent_order_id: accepted.parent_order_id,
    trigger: accepted.trigger,
    expires_at: accepted.expires_at,
    tick_size: accepted.tick_size,
    quantity_step: accepted.quantity_step,
    filled_notional: 0,
    first_fill: 0,
    last_fill: 0,
    exit_state: 'idle',
  };
}

/** Quantity, average price and status after a fill. */
export function addFill(order: OrderRecord, price: number, quantity: number, t: number): void {
  order.filled_quantity = snapToStep(order.filled_quantity + quantity, order.quantity_step);
  order.filled_notional += price * quantity;
  order.avg_fill_price = roundAveragePrice(
    order.filled_notional / order.filled_quantity,
    order.tick_size,
  );
  order.status = order.filled_quantity >= order.quantity ? 'filled' : 'partially_filled';
  order.updated_at = t;
}

export function endOrder(
  order: OrderRecord,
  status: Extract<OrderStatus, 'cancelled' | 'expired' | 'rejected'>,
  t: number,
  rejectReason?: string,
): void {
  order.status = status;
  order.updated_at = t;
  if (rejectReason !== undefined) order.reject_reason = rejectReason;
}

/** A fresh API object: callers may keep or serialize it without touching engine state. */
export function toOrderView(state: EngineState, order: OrderRecord): Order {
  return orderView(order, state.fills.fillsFrom(order.first_fill, state.ids));
}

function orderView(order: OrderRecord, fills: Fill[]): Order {
  const view: Order = {
    id: order.id,
    client_order_id: order.client_order_id,
    symbol: order.symbol,
    action: order.action,
    quantity: order.quantity,
    filled_quantity: order.filled_quantity,
    order_type: order.order_type,
    limit_price: order.limit_price,
    stop_loss: order.stop_loss,
    take_profit: order.take_profit,
    time_in_force: order.time_in_force,
    status: order.status,
    avg_fill_price: order.avg_fill_price,
    fills,
    created_at: order.created_at,
    updated_at: order.updated_at,
    parent_order_id: order.parent_order_id,
    trigger: order.trigger,
  };
  if (order.reject_reason !== undefined) view.reject_reason = order.reject_reason;
  return view;
}

/**
 * The order a command's events create, as they will leave it once applied: the 201 body of
 * `POST /orders`, built with the same steps as `applyEvent` but without touching the state.
 */
export function previewOrder(ids: IdCodec, events: readonly EngineEvent[]): Order {
  const [accepted] = events;
  if (accepted?.type !== 'order_accepted')
    throw new Error('An order preview starts with order_accepted');
  const number = ids.orderNumber(accepted.order_id);
  if (number === undefined) throw new Error(`Order id ${accepted.order_id} is not an engine id`);
  const order = createOrderRecord(accepted, number);
  const fills: Fill[] = [];
  for (const event of events) {
    if (event.type === 'order_filled' && event.order_id === order.id) {
      addFill(order, event.price, event.quantity, event.t);
      fills.push({
        id: event.fill_id,
        price: event.price,
        quantity: event.quantity,
        fee: event.fee,
        t: event.t,
      });
    } else if (event.type === 'order_expired' && event.order_id === order.id) {
      endOrder(order, 'expired', event.t);
    } else if (event.type === 'order_rejected' && event.order_id === order.id) {
      endOrder(order, 'rejected', event.t, event.reject_reason);
    } else if (event.type === 'order_cancelled' && event.order_id === order.id) {
      endOrder(order, 'cancelled', event.t);
    }
  }
  return orderView(order, fills);
}
