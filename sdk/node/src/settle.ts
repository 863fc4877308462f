import type { Order, OrderList } from '../../../api/orders';
import type { z } from 'zod';
import { ApiError, NetworkError, OrderOutcomeUnknownError, RateLimitedError } from './errors';
import type { Outcome } from './request-core';

type Failure = Extract<Outcome<unknown>, { type: 'failed' }>;

/** What `placeOrder` learnt by looking an order up after its attempts ran out. */
export interface LookupNotice {
  type: 'looked_up';
  clientOrderId: string;
  /** The order found, or null: the API lists none with that client_order_id. */
  order: Order | null;
  /** What the last attempt ran into, in words. */
  lastAttempt: string;
}

/**
 * Whether a failed request may have taken effect unseen: it ended with no clear answer (no
 * answer, 5xx, or a 429 after such an attempt) and some attempt could have reached the server.
 */
export function outcomeUnknown(failure: Failure): boolean {
  const { error } = failure;
  const unclear =
    error instanceof NetworkError ||
    (error instanceof ApiError && (error.status >= 500 || error.status === 429));
  return unclear && failure.uncertainAttempts > 0;
}

/** The order with this client_order_id among the symbol's orders, or null; pages through all. */
export async function findByClientOrderId(
  list: (query: {
    status: 'all';
    symbol: string;
    limit: number;
    cursor?: string;
  }) => Promise<z.infer<typeof OrderList>>,
  symbol: string,
  clientOrderId: string,
): Promise<Order | null> {
  let cursor: string | undefined;
  do {
    const page = await list({
      status: 'all',
      symbol,
      limit: 500,
      ...(cursor !== undefined && { cursor }),
    });
    const found = page.orders.find((order) => order.client_order_id === clientOrderId);
    if (found !== undefined) return found;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return null;
}

export interface Placement {
  idempotencyKey: string;
  clientOrderId: string;
  symbol: string;
}

/**
 * Settles an order whose attempts ran out with its outcome unknown, by what the API lists: the
 * order if it is there; "not placed" (the last error, saying so) only when it is not there and
 * no attempt could still be running; otherwise `OrderOutcomeUnknownError`.
 */
export async function settleByLookup(
  failure: Failure,
  placement: Placement,
  find: () => Promise<Order | null>,
  notify: (notice: LookupNotice) => void,
): Promise<Order> {
  const { clientOrderId, idempotencyKey, symbol } = placement;
  const lastAttempt = describeError(failure.error);
  const attempts = `POST /orders got no clear answer (last: ${lastAttempt})`;
  let found: Order | null;
  try {
    found = await find();
  } catch (lookupError) {
    throw new OrderOutcomeUnknownError(
      idempotencyKey,
      clientOrderId,
      symbol,
      `${attempts}, and looking it up failed too (${describeError(lookupError)})`,
      { cause: failure.error },
    );
  }
  notify({ type: 'looked_up', clientOrderId, order: found, lastAttempt });
  if (found !== null) return found;
  if (failure.answerless) {
    throw new OrderOutcomeUnknownError(
      idempotencyKey,
      clientOrderId,
      symbol,
      `${attempts}; the API lists no such order yet, but an attempt that got no answer may ` +
        'still be running on the server',
      { cause: failure.error },
    );
  }
  throw notPlaced(failure.error, clientOrderId);
}

/** The last error again, saying that the API confirmed the order is not there. */
function notPlaced(error: Error, clientOrderId: string): Error {
  const message =
    `${error.message}; the order was not placed: every attempt was answered, and the API ` +
    `lists no order with client_order_id ${clientOrderId}`;
  if (error instanceof RateLimitedError) {
    return new RateLimitedError(message, error.retryAfterMs, error.requestId);
  }
  if (error instanceof ApiError) {
    return new ApiError(error.status, error.code, message, error.details, error.requestId);
  }
  return new NetworkError(message, { cause: error });
}

function describeError(error: unknown): string {
  if (error instanceof ApiError) return `HTTP ${error.status} ${error.code}: ${error.message}`;
  if (error instanceof NetworkError) {
    const cause: unknown = error.cause;
    return `no answer (${cause instanceof Error ? cause.message : error.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}
