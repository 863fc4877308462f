import { z } from 'zod';
import { Price, Quantity, Timestamp } from '../../api/common';
import { OrderAction, OrderType, TimeInForce } from '../../api/orders';

/**
 * What the engine journals. Each event carries every number its `applyEvent` needs (prices,
 * fees and P&L already converted to USD, the position after a fill), so state can be rebuilt
 * from the journal alone without market data. Field names follow the API's snake_case.
 */
const accountEvent = {
  account_id: z.string().min(1),
  /** Rises by one per event of the account, across all kinds; the stream resumes from it. */
  seq: z.number().int().positive(),
  t: Timestamp,
};

export const exitTriggers = ['stop_loss', 'take_profit'] as const;
export const ExitTrigger = z.enum(exitTriggers);
export type ExitTrigger = z.infer<typeof ExitTrigger>;

export const AccountOpenedEvent = z.object({
  type: z.literal('account_opened'),
  ...accountEvent,
  currency: z.string().length(3),
  balance: z.number(),
});

export const OrderAcceptedEvent = z.object({
  type: z.literal('order_accepted'),
  ...accountEvent,
  order_id: z.string(),
  client_order_id: z.string().nullable(),
  symbol: z.string(),
  action: OrderAction,
  quantity: Quantity,
  order_type: OrderType,
  limit_price: Price.nullable(),
  stop_loss: Price.nullable(),
  take_profit: Price.nullable(),
  time_in_force: TimeInForce,
  parent_order_id: z.string().nullable(),
  trigger: ExitTrigger.nullable(),
  /** When a `day` order expires (the close of its session); null otherwise. */
  expires_at: Timestamp.nullable(),
  /** The instrument's grid at acceptance, so that replays round exactly as the original did. */
  tick_size: Price,
  quantity_step: Quantity,
});

export const OrderFilledEvent = z.object({
  type: z.literal('order_filled'),
  ...accountEvent,
  order_id: z.string(),
  fill_id: z.string(),
  symbol: z.string(),
  action: OrderAction,
  price: Price,
  quantity: Quantity,
  /** Commission in USD. */
  fee: z.number().nonnegative(),
  /** Realized P&L of this fill in USD (0 when it only opens or adds). */
  realized_pnl: z.number(),
  /** USD per unit of the instrument's quote currency used for the two amounts above. */
  usd_rate: z.number().positive(),
  /** The tick whose liquidity this fill used. */
  tick_t: Timestamp,
  position_quantity: z.number(),
  /** 0 when the position is flat. */
  position_avg_price: z.number().nonnegative(),
});

export const cancelReasons = ['requested', 'reset', 'exit_triggered', 'position_closed'] as const;
export const OrderCancelledEvent = z.object({
  type: z.literal('order_cancelled'),
  ...accountEvent,
  order_id: z.string(),
  reason: z.enum(cancelReasons),
});

export const expiryReasons = ['ioc_remainder', 'session_closed'] as const;
export const OrderExpiredEvent = z.object({
  type: z.literal('order_expired'),
  ...accountEvent,
  order_id: z.string(),
  reason: z.enum(expiryReasons),
});

export const OrderRejectedEvent = z.object({
  type: z.literal('order_rejected'),
  ...accountEvent,
  order_id: z.string(),
  reject_reason: z.string(),
});

/** Positions, exits and balance back to the start; live orders are cancelled by events before it. */
export const AccountResetEvent = z.object({
  type: z.literal('account_reset'),
  ...accountEvent,
  currency: z.string().length(3),
  balance: z.number(),
});

export const EngineEvent = z.discriminatedUnion('type', [
  AccountOpenedEvent,
  OrderAcceptedEvent,
  OrderFilledEvent,
  OrderCancelledEvent,
  OrderExpiredEvent,
  OrderRejectedEvent,
  AccountResetEvent,
]);
export type EngineEvent = z.infer<typeof EngineEvent>;
export type AccountOpenedEvent = z.infer<typeof AccountOpenedEvent>;
export type OrderAcceptedEvent = z.infer<typeof OrderAcceptedEvent>;
export type OrderFilledEvent = z.infer<typeof OrderFilledEvent>;
export type OrderCancelledEvent = z.infer<typeof OrderCancelledEvent>;
export type OrderExpiredEvent = z.infer<typeof OrderExpiredEvent>;
export type OrderRejectedEvent = z.infer<typeof OrderRejectedEvent>;
export type AccountResetEvent = z.infer<typeof AccountResetEvent>;
export type CancelReason = OrderCancelledEvent['reason'];
export type ExpiryReason = OrderExpiredEvent['reason'];

/** Parses one journal line's JSON; throws a ZodError naming the offending fields. */
export function parseEngineEvent(json: unknown): EngineEvent {
  return EngineEvent.parse(json);
}
