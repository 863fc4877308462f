import { Interval, intervals } from '../api/common';
import type { BacktestRange } from '../api/script-environment';
import { ConfigInstant } from '../api/strategy-config';
import type { StrategyConfig } from '../api/strategy-config';
import { startingBalance } from '../api/admin';
import { iso } from './format';

/** What a user asked a backtest to cover; anything left out comes from the strategy config. */
export interface RangeRequest {
  symbols?: readonly string[];
  interval?: string;
  /** A date (2024-03-04), an ISO time with a zone, or epoch ms. */
  from?: string | number;
  to?: string | number;
  balance?: string | number;
}

export type RangeField = keyof RangeRequest;

/** A backtest range that cannot be: names the field, so a form or a command line can point at it. */
export class RangeProblem extends Error {
  constructor(
    readonly field: RangeField,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The range a backtest runs over: each field as asked, else the strategy config's (its symbols,
 * interval and `backtest` range and balance), else the defaults (1m, 100,000 USD).
 */
export function resolveBacktestRange(
  request: RangeRequest,
  config: StrategyConfig | null,
): BacktestRange {
  const symbols = (request.symbols ?? [])
    .flatMap((symbol) => symbol.split(','))
    .map((symbol) => symbol.trim().toUpperCase())
    .filter((symbol) => symbol !== '');
  const interval = Interval.safeParse(request.interval ?? config?.interval ?? '1m');
  if (!interval.success)
    throw new RangeProblem(
      'interval',
      `the interval must be one of ${intervals.join(' ')}, got "${String(request.interval)}"`,
    );
  const from = instant('from', request.from) ?? config?.backtest?.from;
  const to = instant('to', request.to) ?? config?.backtest?.to;
  const balance =
    request.balance === undefined
      ? (config?.backtest?.balance ?? startingBalance)
      : Number(request.balance);
  const chosen = symbols.length > 0 ? symbols : (config?.symbols ?? []);
  if (chosen.length === 0)
    throw new RangeProblem(
      'symbols',
      'no symbol: name one, or list "symbols" in the strategy config',
    );
  if (from === undefined || to === undefined)
    throw new RangeProblem(
      from === undefined ? 'from' : 'to',
      'no range: give a start and an end, or give the strategy config a "backtest" range',
    );
  if (from >= to)
    throw new RangeProblem('to', `the end (${iso(to)}) must be after the start (${iso(from)})`);
  if (!Number.isFinite(balance) || balance <= 0)
    throw new RangeProblem(
      'balance',
      `the balance must be a positive number, got "${String(request.balance)}"`,
    );
  return { symbols: chosen, interval: interval.data, from, to, balance };
}

function instant(field: 'from' | 'to', value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = ConfigInstant.safeParse(
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  );
  if (!parsed.success)
    throw new RangeProblem(
      field,
      `"${String(value)}" is not a date, an ISO time with a zone or epoch ms`,
    );
  return parsed.data;
}
