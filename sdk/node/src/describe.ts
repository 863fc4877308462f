import type { Order, OrderRequest } from '../../../api/orders';

/** One order in words: "O-7 buy 10000 EURUSD limit 1.0812 (filled 0 of 10000, open)". */
export function describeOrder(order: Order): string {
  const price = order.limit_price === null ? order.order_type : `limit ${order.limit_price}`;
  return (
    `${order.id} ${order.action} ${order.quantity} ${order.symbol} ${price} ` +
    `(filled ${order.filled_quantity} of ${order.quantity}, ${order.status})`
  );
}

/** An order request in words: "buy 1000 EURUSD market", "sell 500 XAUUSD limit 2150.5". */
export function describeRequest(request: OrderRequest): string {
  const price = request.limit_price === undefined ? 'market' : `limit ${request.limit_price}`;
  return `${request.action} ${request.quantity} ${request.symbol} ${price}`;
}
