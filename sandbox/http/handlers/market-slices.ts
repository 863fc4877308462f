// Candle reads that may cover years (a 1d or 4h chart, a historical page) computed a window of
// days at a time, with the event loop free between windows: a daily candle aggregates every
// tick of its day, so 5,000 of them cost seconds of CPU, and done in one go they held every
// other client of the sandbox (its /health too) for that long. The answers are exactly those of
// latestCandles and candlesBetween (a test holds them to it).
import type { Interval } from '../../../api/common';
import type { Candle, Instrument } from '../../../api/market';
import { candlesBetween } from '../../market/feed';
import { dayMs } from '../../market/hours';
import { yieldToEventLoop } from '../event-loop';

/** Windows grow from one day to this many, so a short read stays one call. */
const maxWindowDays = 16;

const dayStart = (t: number) => Math.floor(t / dayMs) * dayMs;

/**
 * The latest `limit` candles with open times in [earliest, at], oldest first; the last may be
 * forming at `at`. Walks back from `at` in day-aligned windows.
 */
export async function latestCandlesSliced(
  instrument: Instrument,
  interval: Interval,
  at: number,
  limit: number,
  earliest: number,
): Promise<Candle[]> {
  const windows: Candle[][] = [];
  let total = 0;
  let windowDays = 1;
  for (let end = at; total < limit && end >= earliest;) {
    const from = Math.max(earliest, dayStart(end) - (windowDays - 1) * dayMs);
    const candles = candlesBetween(instrument, interval, from, end, { now: at });
    windows.push(candles);
    total += candles.length;
    end = from - 1;
    windowDays = Math.min(maxWindowDays, windowDays * 2);
    if (total < limit && end >= earliest) await yieldToEventLoop();
  }
  const all = windows.reverse().flat();
  return all.length > limit ? all.slice(all.length - limit) : all;
}

/** At most `limit` candles with open times in [from, to], oldest first, as of `now`. */
export async function candlesBetweenSliced(
  instrument: Instrument,
  interval: Interval,
  from: number,
  to: number,
  options: { limit: number; now: number },
): Promise<Candle[]> {
  const out: Candle[] = [];
  let windowDays = 1;
  for (let start = from; start <= to && out.length < options.limit;) {
    const end = Math.min(to, dayStart(start) + windowDays * dayMs - 1);
    const limit = options.limit - out.length;
    for (const candle of candlesBetween(instrument, interval, start, end, {
      limit,
      now: options.now,
    })) {
      out.push(candle);
    }
    start = end + 1;
    windowDays = Math.min(maxWindowDays, windowDays * 2);
    if (start <= to && out.length < options.limit) await yieldToEventLoop();
  }
  return out;
}
