import { z } from 'zod';
import { Cursor, InstrumentSymbol, QueryInt, SymbolList, Timestamp } from './common';
import { FillId, OrderAction, OrderId } from './orders';

export const Position = z
  .object({
    symbol: InstrumentSymbol,
    /** Signed: negative is short. */
    quantity: z.number(),
    avg_price: z.number().positive(),
    market_price: z.number().positive(),
    /** In the account currency. */
    unrealized_pnl: z.number(),
  })
  .meta({ id: 'Position' });
export type Position = z.infer<typeof Position>;

export const Account = z
  .object({
    account_id: z.string(),
    currency: z.string().length(3),
    balance: z.number(),
    equity: z.number(),
    margin_used: z.number().nonnegative(),
    margin_available: z.number(),
    unrealized_pnl: z.number(),
    realized_pnl: z.number(),
    positions: z.array(Position),
  })
  .meta({ id: 'Account' });
export type Account = z.infer<typeof Account>;

export const PositionsQuery = z.object({ symbols: SymbolList.optional() }).strict();
export const PositionList = z.object({ positions: z.array(Position) }).meta({ id: 'PositionList' });

export const AccountFill = z
  .object({
    id: FillId,
    order_id: OrderId,
    symbol: InstrumentSymbol,
    action: OrderAction,
    price: z.number().positive(),
    quantity: z.number().positive(),
    /** In the account currency. */
    fee: z.number().nonnegative(),
    /** Realized P&L of this fill in the account currency (0 when it only opens or adds). */
    realized_pnl: z.number(),
    t: Timestamp,
  })
  .meta({ id: 'AccountFill' });
export type AccountFill = z.infer<typeof AccountFill>;

export const FillsQuery = z
  .object({
    since: QueryInt.pipe(Timestamp).optional(),
    limit: QueryInt.pipe(z.number().int().min(1).max(5000)).default(500),
    cursor: Cursor.optional(),
  })
  .strict();
export type FillsQuery = z.infer<typeof FillsQuery>;
export const FillList = z
  .object({ fills: z.array(AccountFill), next_cursor: z.string().nullable() })
  .meta({ id: 'FillList' });
