import type { Fill, Order } from '../../api/orders';
import type { OrderEventType } from '../../api/stream';
import type { EngineEvent } from './events';
import { getOrder } from './views';
import type { EngineState } from './state';

/** The data of one `orders` stream message: `{"order", "fill"?}` with its type. */
export interface OrderUpdate {
  type: OrderEventType;
  order: Order;
  fill?: Fill;
}

/**
 * The `orders` stream message an event makes, read from the state right after that event was
 * applied (later events would show through); undefined for account-level events.
 */
export function orderUpdateFor(state: EngineState, event: EngineEvent): OrderUpdate | undefined {
  switch (event.type) {
    case 'account_opened':
    case 'account_reset':
      return undefined;
    case 'order_accepted':
      return update(state, event, 'accepted');
    case 'order_filled': {
      const order = getOrder(state, event.account_id, event.order_id);
      if (order === undefined) return undefined;
      const fill = order.fills.find((candidate) => candidate.id === event.fill_id);
      const type = order.filled_quantity >= order.quantity ? 'fill' : 'partial_fill';
      return fill === undefined ? { type, order } : { type, order, fill };
    }
    case 'order_cancelled':
      return update(state, event, 'cancelled');
    case 'order_expired':
      return update(state, event, 'expired');
    case 'order_rejected':
      return update(state, event, 'rejected');
    default:
      return event satisfies never;
  }
}

function update(
  state: EngineState,
  event: { account_id: string; order_id: string },
  type: OrderEventType,
): OrderUpdate | undefined {
  const order = getOrder(state, event.account_id, event.order_id);
  return order === undefined ? undefined : { type, order };
}
