import type { AccountFill } from '../../api/account';
import type { Fill, Order, OrderStatus } from '../../api/orders';
import type { OrderAcceptedEvent, OrderFilledEvent } from './events';
import { roundAveragePrice, snapToStep } from './grid';
import type { OrderRecord } from './state';

// Shared by applyEvent and by placeOrder, which shows the order as its events will leave it.

export function createOrderRecord(accepted: OrderAcceptedEvent): OrderRecord {
  return {
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
    fills: [],
    created_at: accepted.t,
    updated_at: accepted.t,
    parent_order_id: accepted.parent_order_id,
    trigger: accepted.trigger,
    expires_at: accepted.expires_at,
    tick_size: accepted.tick_size,
    quantity_step: accepted.quantity_step,
    filled_notional: 0,
    exit_state: 'idle',
  };
}

export function accountFillFrom(filled: OrderFilledEvent): AccountFill {
  return {
    id: filled.fill_id,
    order_id: filled.order_id,
    symbol: filled.symbol,
    action: filled.action,
    price: filled.price,
    quantity: filled.quantity,
    fee: filled.fee,
    realized_pnl: filled.realized_pnl,
    t: filled.t,
  };
}

export function recordFill(order: OrderRecord, fill: AccountFill): void {
  order.fills.push(fill);
  order.filled_quantity = snapToStep(order.filled_quantity + fill.quantity, order.quantity_step);
  order.filled_notional += fill.price * fill.quantity;
  order.avg_fill_price = roundAveragePrice(
    order.filled_notional / order.filled_quantity,
    order.tick_size,
  );
  order.status = order.filled_quantity >= order.quantity ? 'filled' : 'partially_filled';
  order.updated_at = fill.t;
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

function fillView(fill: AccountFill): Fill {
  return { id: fill.id, price: fill.price, quantity: fill.quantity, fee: fill.fee, t: fill.t };
}

/** A fresh API object: callers may keep or serialize it without touching engine state. */
export function toOrderView(order: OrderRecord): Order {
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
    fills: order.fills.map(fillView),
    created_at: order.created_at,
    updated_at: order.updated_at,
    parent_order_id: order.parent_order_id,
    trigger: order.trigger,
  };
  if (order.reject_reason !== undefined) view.reject_reason = order.reject_reason;
  return view;
}
