import type { Order, OrderRequest } from '../../../api/orders';
import type { TimberClient } from './client';
import { stamp } from './context';
import { describeRequest } from './describe';
import { ApiError, CircuitOpenError } from './errors';
import type { IntentIds } from './intents';

/** What the runtime knows of the account when it places an order. */
export interface Exposure {
  position(symbol: string): number;
  openOrders(symbol?: string): Order[];
}

/** Ids taken by orders that are not this intent, skipped before giving up (a clash of names). */
const maxTakenIds = 16;

/**
 * How the strategy runtime places an order: under a recognisable client_order_id (intents.ts);
 * through an open circuit breaker when it only reduces a position, so that a strategy can always
 * flatten; skipped with a line saying so when the breaker refuses it (the promise still rejects
 * with `CircuitOpenError`, for a strategy that wants to act on it); and, when an earlier run of
 * the script already placed this intent, answered with that order instead of a second one.
 */
export class OrderPlacer {
  constructor(
    private readonly client: TimberClient,
    private readonly exposure: Exposure,
    private readonly ids: IntentIds,
    private readonly now: () => number,
    private readonly print: (line: string) => void,
  ) {}

  async place(request: OrderRequest): Promise<Order> {
    const { symbol } = request;
    const reducesPosition = onlyReduces(
      request,
      this.exposure.position(symbol),
      this.exposure.openOrders(symbol),
    );
    const derived = request.client_order_id === undefined;
    let sent = derived ? this.withNextId(request) : request;
    for (let taken = 0; ; taken++) {
      try {
        return await this.client.placeOrder(sent, { reducesPosition });
      } catch (error) {
        if (error instanceof CircuitOpenError) {
          this.print(
            `${stamp(this.now())} order skipped: ${describeRequest(request)}: ${error.message}`,
          );
          throw error;
        }
        if (!derived || !idTaken(error) || taken >= maxTakenIds) throw error;
        const id = sent.client_order_id!;
        const earlier = await this.client.findOrderByClientId(symbol, id).catch(() => {
          throw error;
        });
        if (earlier !== null && sameIntent(earlier, sent)) {
          this.print(
            `${stamp(this.now())} order ${earlier.id} (client_order_id ${id}) is this same ` +
              `order, placed by an earlier run of the script; not placed again`,
          );
          return earlier;
        }
        // Another order holds the id (a strategy of the same name): this one takes the next.
        sent = this.withNextId(request);
      }
    }
  }

  private withNextId(request: OrderRequest): OrderRequest {
    return { ...request, client_order_id: this.ids.next(this.now()) };
  }
}

/**
 * Whether an order can only bring a position closer to flat: the opposite side of the position,
 * no larger than what is left of it once the open orders on the same side fill, and no exits
 * (a stop loss or take profit would open a new position later).
 */
export function onlyReduces(
  request: OrderRequest,
  position: number,
  open: readonly Order[],
): boolean {
  if (request.stop_loss !== undefined || request.take_profit !== undefined) return false;
  const side = request.action === 'buy' ? 1 : -1;
  if (position === 0 || Math.sign(position) === side) return false;
  let pending = 0;
  for (const order of open) {
    if (order.symbol === request.symbol && order.action === request.action) {
      pending += order.quantity - order.filled_quantity;
    }
  }
  return request.quantity + pending <= Math.abs(position) + 1e-9;
}

/** 409 because the client_order_id is already used by another order of the account. */
function idTaken(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 409 &&
    error.details.some((detail) => detail.path === 'client_order_id')
  );
}

function sameIntent(order: Order, request: OrderRequest): boolean {
  return (
    order.symbol === request.symbol &&
    order.action === request.action &&
    order.quantity === request.quantity &&
    order.order_type === request.order_type &&
    order.time_in_force === request.time_in_force &&
    order.limit_price === (request.limit_price ?? null) &&
    order.stop_loss === (request.stop_loss ?? null) &&
    order.take_profit === (request.take_profit ?? null)
  );
}
