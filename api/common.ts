import { z } from 'zod';

/** Milliseconds since the Unix epoch, UTC. */
export const Timestamp = z
  .number('must be a number of milliseconds since the epoch')
  .int('must be a whole number of milliseconds')
  .nonnegative('must not be negative')
  .meta({
    description: 'Milliseconds since the Unix epoch (UTC).',
  });

export const InstrumentSymbol = z
  .string()
  .regex(/^[A-Z0-9]{2,16}$/, 'must be 2 to 16 upper-case letters or digits, e.g. EURUSD')
  .meta({ description: 'Instrument symbol, e.g. EURUSD, US500, XAUUSD.', example: 'EURUSD' });

export const Price = z.number('must be a number').positive('must be greater than 0');
export const Quantity = z.number('must be a number').positive('must be greater than 0');

export const intervals = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export const Interval = z.enum(intervals);
export type Interval = z.infer<typeof Interval>;

export const intervalMs: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** A query-string integer: accepts "123", rejects "12abc", "", "1.5". */
export const QueryInt = z
  .string()
  .regex(/^-?\d{1,16}$/, 'must be a whole number')
  .transform((s) => Number(s));

/** Comma-separated symbols in a query string. */
export const SymbolList = z
  .string()
  .transform((s) => s.split(',').filter((part) => part.length > 0))
  .pipe(z.array(InstrumentSymbol).min(1, 'must name at least one symbol').max(500));

export const Cursor = z.string().min(1).max(200).meta({
  description: 'Opaque cursor from a previous page; pass it back unchanged.',
});
