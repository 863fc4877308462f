// The session clock's arithmetic (`tbm sandbox --clock session`): a market clock that runs at
// real speed, stands `offset` ahead of the wall clock, and is pushed forward to the next forex
// open whenever it would stand in a closed period. Forex is the widest market (Sunday 22:00 to
// Friday 22:00 UTC, no daily break), so every other instrument is closed whenever forex is; an
// index or a commodity can still be closed at a moment forex trades (its own breaks and hours).
//
// The offset only grows, so the market time never goes back; it grows by the closed time skipped
// (48 h a weekend the clock is watched through), and keeps its value while nobody reads the clock:
// a sandbox stopped on Friday and started on Monday finds the market open and skips nothing.
import { compiledHoursOf, isOpenAt, nextOpenAt, sessionCloseAt } from './hours';
import { forexHours } from './trading-hours';

const forex = compiledHoursOf(forexHours);

/** Whether the forex market trades at `t` (epoch ms). */
export function forexOpenAt(t: number): boolean {
  return isOpenAt(forex, t);
}

/** The first instant at or after `t` when forex trades (`t` itself when it does). */
export function nextForexOpen(t: number): number {
  // Forex has a session every week, so there is always a next open.
  return nextOpenAt(forex, t) as number;
}

export interface SessionReading {
  /** The market instant. */
  market: number;
  /** The offset (market minus wall) after this reading: the given one, or larger after a jump. */
  offset: number;
}

/**
 * The market instant at wall instant `wall` for a session clock `offset` ahead of the wall clock:
 * `wall + offset` when forex trades then, else the next forex open (the offset grows by the
 * closed time skipped).
 */
export function sessionMarketTime(wall: number, offset: number): SessionReading {
  const market = wall + offset;
  if (forexOpenAt(market)) return { market, offset };
  const open = nextForexOpen(market);
  return { market: open, offset: open - wall };
}

/**
 * How long a session clock takes, in wall time, to go from market instant `from` to `to`: the
 * forex trading time between them, since the closed periods are skipped. Zero if `to <= from`.
 */
export function sessionWallDuration(from: number, to: number): number {
  let total = 0;
  let t = from;
  while (t < to) {
    const close = sessionCloseAt(forex, t);
    if (close === null) {
      t = nextForexOpen(t);
      continue;
    }
    total += Math.min(close, to) - t;
    t = close;
  }
  return total;
}
