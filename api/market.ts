import { z } from 'zod';
import {
  Cursor,
  InstrumentSymbol,
  Interval,
  Price,
  QueryInt,
  SymbolList,
  Timestamp,
} from './common';

export const instrumentKinds = ['forex', 'index', 'commodity'] as const;
export const InstrumentKind = z.enum(instrumentKinds);
export type InstrumentKind = z.infer<typeof InstrumentKind>;

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
/** "Sun 22:00": a day of the week and a time of day, in UTC. */
export const WeeklyTime = z
  .string()
  .regex(
    new RegExp(`^(${weekdays.join('|')}) ([01]\\d|2[0-3]):[0-5]\\d$`),
    'must be a weekday and a UTC time, e.g. "Sun 22:00"',
  );
export { weekdays };

export const TradingHours = z
  .object({
    timezone: z.literal('UTC'),
    /** Weekly sessions; the market is open from `open` (inclusive) to `close` (exclusive). */
    sessions: z.array(z.object({ open: WeeklyTime, close: WeeklyTime })).min(1),
    description: z.string(),
  })
  .meta({ id: 'TradingHours' });
export type TradingHours = z.infer<typeof TradingHours>;

export const Instrument = z
  .object({
    symbol: InstrumentSymbol,
    kind: InstrumentKind,
    description: z.string(),
    /** Currency the price is quoted in; P&L arises in it and is converted to the account currency. */
    quote_currency: z.string().length(3),
    /** Base currency for forex pairs, the underlying's unit otherwise (e.g. "index point", "troy ounce"). */
    base: z.string(),
    tick_size: Price,
    min_quantity: z.number().positive(),
    quantity_step: z.number().positive(),
    /** Fraction of notional held as margin (0.0333 is 30:1 leverage). */
    margin_rate: z.number().positive().max(1),
    /** Commission as a fraction of the fill's notional, charged in the account currency. */
    commission_rate: z.number().nonnegative(),
    trading_hours: TradingHours,
  })
  .meta({ id: 'Instrument' });
export type Instrument = z.infer<typeof Instrument>;

export const InstrumentList = z
  .object({ instruments: z.array(Instrument) })
  .meta({ id: 'InstrumentList' });

export const Quote = z
  .object({ symbol: InstrumentSymbol, bid: Price, ask: Price, t: Timestamp })
  .meta({ id: 'Quote' });
export type Quote = z.infer<typeof Quote>;

export const InstrumentWithQuote = Instrument.extend({
  quote: Quote.nullable(),
  /** Whether the instrument's session is open at the quote's time. */
  is_open: z.boolean(),
}).meta({ id: 'InstrumentWithQuote' });

export const QuotesQuery = z.object({ symbols: SymbolList }).strict();
export const QuoteList = z.object({ quotes: z.array(Quote) }).meta({ id: 'QuoteList' });

/** One candle; prices are bid prices, `v` the number of ticks in it, `t` its open time. */
export const Candle = z
  .object({
    t: Timestamp,
    o: Price,
    h: Price,
    l: Price,
    c: Price,
    v: z.number().int().nonnegative(),
  })
  .meta({ id: 'Candle' });
export type Candle = z.infer<typeof Candle>;

export const Tick = z.object({ t: Timestamp, bid: Price, ask: Price }).meta({ id: 'Tick' });
export type Tick = z.infer<typeof Tick>;

export const maxCandleLimit = 5000;

/**
 * from <= to. Refinements also run when a field failed (e.g. from=abc arrives as the raw string),
 * and that field is already named; comparing then would add a false detail about `to`.
 */
function fromNotAfterTo(query: { from?: unknown; to?: unknown }): boolean {
  const { from, to } = query;
  return typeof from !== 'number' || typeof to !== 'number' || from <= to;
}

export const CandlesQuery = z
  .object({
    symbol: InstrumentSymbol,
    interval: Interval.default('1m'),
    limit: QueryInt.pipe(z.number().int().min(1).max(maxCandleLimit)).default(500),
    from: QueryInt.pipe(Timestamp).optional(),
    to: QueryInt.pipe(Timestamp).optional(),
  })
  .strict()
  .refine(fromNotAfterTo, {
    message: 'must not be earlier than from',
    path: ['to'],
  });
export type CandlesQuery = z.infer<typeof CandlesQuery>;

export const CandleList = z
  .object({ symbol: InstrumentSymbol, interval: Interval, candles: z.array(Candle) })
  .meta({ id: 'CandleList' });

export const historicalTypes = ['candles', 'ticks'] as const;
export const maxHistoricalPage = { candles: 5000, ticks: 10000 } as const;
/** How far back historical data reaches. */
export const historyYears = 5;

/** The earliest instant historical data reaches at `now`: the same day and time, 5 years before. */
export function historyStart(now: number): number {
  const start = new Date(now);
  start.setUTCFullYear(start.getUTCFullYear() - historyYears);
  return start.getTime();
}

export const HistoricalQuery = z
  .object({
    symbol: InstrumentSymbol,
    from: QueryInt.pipe(Timestamp),
    to: QueryInt.pipe(Timestamp),
    type: z.enum(historicalTypes).default('candles'),
    interval: Interval.default('1m'),
    limit: QueryInt.pipe(z.number().int().min(1).max(maxHistoricalPage.ticks)).optional(),
    cursor: Cursor.optional(),
  })
  .strict()
  .refine(fromNotAfterTo, { message: 'must not be earlier than from', path: ['to'] });
export type HistoricalQuery = z.infer<typeof HistoricalQuery>;

export const HistoricalPage = z
  .object({
    symbol: InstrumentSymbol,
    type: z.enum(historicalTypes),
    interval: Interval.nullable(),
    candles: z.array(Candle).optional(),
    ticks: z.array(Tick).optional(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'HistoricalPage' });
export type HistoricalPage = z.infer<typeof HistoricalPage>;
