import { z } from 'zod';
import { Cursor, InstrumentSymbol, Price, QueryInt, Quantity, Timestamp } from './common';
import { errorStatus } from './errors';

export const OrderAction = z.enum(['buy', 'sell']);
export type OrderAction = z.infer<typeof OrderAction>;
export const OrderType = z.enum(['market', 'limit']);
export type OrderType = z.infer<typeof OrderType>;
export const TimeInForce = z.enum(['gtc', 'day', 'ioc']);
export type TimeInForce = z.infer<typeof TimeInForce>;
export const orderStatuses = [
  'open',
  'partially_filled',
  'filled',
  'cancelled',
  'rejected',
  'expired',
] as const;
export const OrderStatus = z.enum(orderStatuses);
export type OrderStatus = z.infer<typeof OrderStatus>;
/** Statuses from which an order can still fill or be cancelled. */
export const liveStatuses: ReadonlySet<OrderStatus> = new Set(['open', 'partially_filled']);

export const IdempotencyKey = z.string().min(1).max(64, 'must be at most 64 characters');
export const ClientOrderId = z
  .string()
  .min(1)
  .max(64, 'must be at most 64 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

// The descriptions are the field docs of the OpenAPI reference and of the language server's hover.
const orderRequestShape = z
  .object({
    symbol: InstrumentSymbol,
    action: OrderAction.meta({ description: '`buy` or `sell`.' }),
    quantity: Quantity.meta({
      description:
        "Units to trade: at least the instrument's `min_quantity` and a whole multiple of its `quantity_step`.",
    }),
    order_type: OrderType.meta({
      description: '`market` fills at the current price; `limit` only at `limit_price` or better.',
    }),
    limit_price: Price.optional().meta({
      description:
        "The worst price a `limit` order fills at, on the instrument's tick grid. Required for `limit`, not allowed for `market`.",
    }),
    stop_loss: Price.optional().meta({
      description:
        'A protective exit placed when the order fills: below the entry for a `buy`, above it for a `sell`. On the tick grid.',
    }),
    take_profit: Price.optional().meta({
      description:
        'A profit-taking exit placed when the order fills: above the entry for a `buy`, below it for a `sell`. On the tick grid.',
    }),
    time_in_force: TimeInForce.meta({
      description:
        '`gtc` stays open until filled or cancelled; `day` expires when the session closes; `ioc` fills what it can at once and cancels the rest.',
    }),
    client_order_id: ClientOrderId.optional().meta({
      description:
        'Your own id for the order (up to 64 printable ASCII characters), to find it again after a lost answer.',
    }),
  })
  .strict();

/**
 * The body of `POST /orders`, with the rules that need no market data. The rules that do
 * (quantity step, tick grid, protection against a market order's fill price) are in
 * `order-rules.ts`, so editors can run them too.
 */
export const OrderRequest = orderRequestShape
  .superRefine(
    (order, ctx) => {
      // Runs even when other fields failed, so one answer names every offending field.
      const limitPrice = typeof order.limit_price === 'number' ? order.limit_price : undefined;
      if (order.order_type === 'limit' && order.limit_price === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['limit_price'],
          message: 'is required for a limit order',
        });
      }
      if (order.order_type === 'market' && order.limit_price !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['limit_price'],
          message: 'is not allowed on a market order',
        });
      }
      if (order.action !== 'buy' && order.action !== 'sell') return;
      const number = (value: unknown) =>
        typeof value === 'number' && value > 0 ? value : undefined;
      const entry = order.order_type === 'limit' ? number(limitPrice) : undefined;
      for (const issue of protectionIssues(
        order.action,
        entry,
        number(order.stop_loss),
        number(order.take_profit),
      )) {
        ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  .meta({ id: 'OrderRequest' });
export type OrderRequest = z.infer<typeof OrderRequest>;

/**
 * `OrderRequest.safeParse` with a fast way through for the common case. Every order a backtest
 * places is validated, and zod's general machinery costs several microseconds per order; a
 * well-formed request is recognised here by hand and given back exactly as zod would give it.
 * Anything else, including every invalid request, goes to zod, which names the problems.
 */
export function parseOrderRequest(input: unknown): z.ZodSafeParseResult<OrderRequest> {
  const quick = wellFormedOrderRequest(input);
  return quick !== undefined ? { success: true, data: quick } : OrderRequest.safeParse(input);
}

const symbolPattern = /^[A-Z0-9]{2,16}$/;
const clientOrderIdPattern = /^[\x21-\x7e]{1,64}$/;

const isPositive = (value: unknown): value is number =>
  typeof value === 'number' && value > 0 && value !== Number.POSITIVE_INFINITY;

/**
 * The request as zod would return it (fields in the schema's order), when it is a plain object
 * whose every field is known, defined and valid, and the cross-field rules hold; otherwise
 * undefined, which says nothing about validity. The unit tests hold it to zod's answers.
 */
export function wellFormedOrderRequest(input: unknown): OrderRequest | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const prototype: unknown = Object.getPrototypeOf(input);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  const raw = input as Record<string, unknown>;
  // Every field known: then the checks below cover each of them.
  for (const key in raw) if (!Object.hasOwn(orderRequestShape.shape, key)) return undefined;
  // Each field read once, as zod reads it (a getter could answer differently the second time).
  const { symbol, action, quantity, order_type, time_in_force } = raw;
  const { limit_price, stop_loss, take_profit, client_order_id } = raw;
  // An optional field present but undefined: zod keeps the key; left to zod.
  if (limit_price === undefined && 'limit_price' in raw) return undefined;
  if (stop_loss === undefined && 'stop_loss' in raw) return undefined;
  if (take_profit === undefined && 'take_profit' in raw) return undefined;
  if (client_order_id === undefined && 'client_order_id' in raw) return undefined;
  if (typeof symbol !== 'string' || !symbolPattern.test(symbol)) return undefined;
  if (action !== 'buy' && action !== 'sell') return undefined;
  if (!isPositive(quantity)) return undefined;
  if (order_type !== 'market' && order_type !== 'limit') return undefined;
  if (time_in_force !== 'gtc' && time_in_force !== 'day' && time_in_force !== 'ioc') {
    return undefined;
  }
  if (limit_price !== undefined && !isPositive(limit_price)) return undefined;
  if (stop_loss !== undefined && !isPositive(stop_loss)) return undefined;
  if (take_profit !== undefined && !isPositive(take_profit)) return undefined;
  if (
    client_order_id !== undefined &&
    (typeof client_order_id !== 'string' || !clientOrderIdPattern.test(client_order_id))
  ) {
    return undefined;
  }
  if ((order_type === 'limit') !== (limit_price !== undefined)) return undefined;
  if (
    (stop_loss !== undefined || take_profit !== undefined) &&
    protectionIssues(action, limit_price, stop_loss, take_profit).length > 0
  ) {
    return undefined;
  }
  // In the schema's field order, optional fields only when given, as zod returns it.
  const request: OrderRequest = { symbol, action, quantity, order_type, time_in_force };
  if (limit_price === undefined && stop_loss === undefined && take_profit === undefined) {
    if (client_order_id !== undefined) request.client_order_id = client_order_id;
    return request;
  }
  return {
    symbol,
    action,
    quantity,
    order_type,
    ...(limit_price === undefined ? {} : { limit_price }),
    ...(stop_loss === undefined ? {} : { stop_loss }),
    ...(take_profit === undefined ? {} : { take_profit }),
    time_in_force,
    ...(client_order_id === undefined ? {} : { client_order_id }),
  };
}

/**
 * Where protective exits must lie: for a buy, stop loss below the entry and take profit above;
 * for a sell the reverse. With no entry price yet (a market order), only their order is checked.
 */
export function protectionIssues(
  action: OrderAction,
  entry: number | undefined,
  stopLoss: number | undefined,
  takeProfit: number | undefined,
): { path: 'stop_loss' | 'take_profit'; message: string }[] {
  const issues: { path: 'stop_loss' | 'take_profit'; message: string }[] = [];
  const below = action === 'buy' ? 'below' : 'above';
  const above = action === 'buy' ? 'above' : 'below';
  const isBelow = (a: number, b: number) => (action === 'buy' ? a < b : a > b);
  if (entry !== undefined) {
    if (stopLoss !== undefined && !isBelow(stopLoss, entry)) {
      issues.push({
        path: 'stop_loss',
        message: `must lie ${below} the entry price ${entry} for a ${action}`,
      });
    }
    if (takeProfit !== undefined && !isBelow(entry, takeProfit)) {
      issues.push({
        path: 'take_profit',
        message: `must lie ${above} the entry price ${entry} for a ${action}`,
      });
    }
  } else if (stopLoss !== undefined && takeProfit !== undefined && !isBelow(stopLoss, takeProfit)) {
    issues.push({ path: 'stop_loss', message: `must lie ${below} take_profit for a ${action}` });
  }
  return issues;
}

// Ids are opaque: the sandbox makes them from counters but shows a keyed permutation of them, so
// that an id tells nothing of how many orders other accounts placed (sandbox/engine/ids.ts).
export const OrderId = z.string().meta({
  description:
    'Opaque order id: compare for equality only. Ids do not sort in creation order and say ' +
    'nothing about other orders; lists come oldest first.',
});
export const FillId = z.string().meta({
  description:
    'Opaque fill id: compare for equality only. Ids do not sort in creation order and say ' +
    'nothing about other fills; lists come oldest first.',
});

export const Fill = z
  .object({
    id: FillId,
    price: Price,
    quantity: Quantity,
    fee: z.number().nonnegative(),
    t: Timestamp,
  })
  .meta({ id: 'Fill' });
export type Fill = z.infer<typeof Fill>;

export const Order = z
  .object({
    id: OrderId,
    client_order_id: z.string().nullable(),
    symbol: InstrumentSymbol,
    action: OrderAction,
    quantity: Quantity,
    filled_quantity: z.number().nonnegative(),
    order_type: OrderType,
    limit_price: Price.nullable(),
    stop_loss: Price.nullable(),
    take_profit: Price.nullable(),
    time_in_force: TimeInForce,
    status: OrderStatus,
    avg_fill_price: Price.nullable(),
    fills: z.array(Fill),
    created_at: Timestamp,
    updated_at: Timestamp,
    reject_reason: z.string().optional(),
    /** Set on an exit the sandbox placed for a parent's stop_loss or take_profit. */
    parent_order_id: OrderId.nullable(),
    /** Which protective exit of the parent placed this order, if any. */
    trigger: z.enum(['stop_loss', 'take_profit']).nullable(),
  })
  .meta({ id: 'Order' });
export type Order = z.infer<typeof Order>;

export const OrderListQuery = z
  .object({
    status: z.enum(['open', 'filled', 'cancelled', 'all']).default('open'),
    symbol: InstrumentSymbol.optional(),
    limit: QueryInt.pipe(z.number().int().min(1).max(500)).default(100),
    cursor: Cursor.optional(),
  })
  .strict();
export type OrderListQuery = z.infer<typeof OrderListQuery>;

export const OrderList = z
  .object({ orders: z.array(Order), next_cursor: z.string().nullable() })
  .meta({ id: 'OrderList' });

export const CancelRequest = z
  .union([
    z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(500) }).strict(),
    z.object({ symbol: InstrumentSymbol }).strict(),
    z.object({ all: z.literal(true) }).strict(),
  ])
  .meta({
    id: 'CancelRequest',
    description: 'Exactly one of: {"ids":[...]}, {"symbol":"EURUSD"} or {"all":true}.',
  });
export type CancelRequest = z.infer<typeof CancelRequest>;

export const CancelResult = z.object({
  id: z.string(),
  /** The HTTP status this order's cancel would have had alone: 200, 404 or 409. */
  status: z.number().int(),
  order_status: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export const CancelResults = z
  .object({ results: z.array(CancelResult) })
  .meta({ id: 'CancelResults' });
export type CancelResult = z.infer<typeof CancelResult>;

/** What became of one order of a cancel request, by error code: no transport's status yet. */
export type CancelOutcome =
  | { id: string; cancelled: true }
  | {
      id: string;
      cancelled: false;
      code: 'not_found' | 'conflict';
      message: string;
      /** Where the order was found no longer live: what it is instead. */
      order_status?: OrderStatus;
    };

/** A cancel outcome as `results[]` carries it: with the status its own DELETE would have had. */
export function toCancelResult(outcome: CancelOutcome): CancelResult {
  if (outcome.cancelled) return { id: outcome.id, status: 200, order_status: 'cancelled' };
  const { id, code, message, order_status: orderStatus } = outcome;
  return {
    id,
    status: errorStatus[code],
    ...(orderStatus !== undefined && { order_status: orderStatus }),
    error: { code, message },
  };
}
