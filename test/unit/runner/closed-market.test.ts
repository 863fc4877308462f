import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SandboxClock } from '../../../api/admin';
import type { TradingHours } from '../../../api/market';
import { closedMarketMessages } from '../../../runner/closed-market';
import { europeIndexHours, forexHours, globexHours } from '../../../sandbox/market/trading-hours';

const hour = 3_600_000;
const saturdayNoon = Date.UTC(2024, 2, 9, 12);
const closed = (symbol: string, tradingHours: TradingHours) => ({
  symbol,
  isOpen: false,
  tradingHours,
});
const realClock = (t: number): SandboxClock => ({ mode: 'real', market_now: t, wall_now: t });

test('a closed forex pair: when it opens, in UTC and in the user’s time', () => {
  assert.deepEqual(
    closedMarketMessages([closed('EURUSD', forexHours)], realClock(saturdayNoon), 'Europe/Paris'),
    ['EURUSD is closed until Sun 22:00 UTC (23:00 your time); orders until then are refused'],
  );
  // The user's day named when it is not the UTC one.
  assert.deepEqual(
    closedMarketMessages([closed('EURUSD', forexHours)], realClock(saturdayNoon), 'Asia/Tokyo'),
    ['EURUSD is closed until Sun 22:00 UTC (Mon 07:00 your time); orders until then are refused'],
  );
});

test('symbols opening at the same time share one message; open ones are not named', () => {
  const messages = closedMarketMessages(
    [
      closed('EURUSD', forexHours),
      closed('GBPUSD', forexHours),
      closed('US500', globexHours),
      { symbol: 'USDJPY', isOpen: true, tradingHours: forexHours },
    ],
    realClock(saturdayNoon),
    'UTC',
  );
  assert.deepEqual(messages, [
    'EURUSD and GBPUSD are closed until Sun 22:00 UTC (22:00 your time); orders until then are refused',
    'US500 is closed until Sun 23:00 UTC (23:00 your time); orders until then are refused',
  ]);
  assert.deepEqual(
    closedMarketMessages(
      [{ symbol: 'EURUSD', isOpen: true, tradingHours: forexHours }],
      realClock(saturdayNoon),
      'UTC',
    ),
    [],
  );
});

test('a market clock started elsewhere (--now): market time, how long, and when on the user’s clock', () => {
  const wall = Date.UTC(2026, 0, 6, 10); // a Tuesday
  const clock: SandboxClock = { mode: 'real', market_now: saturdayNoon, wall_now: wall };
  assert.deepEqual(closedMarketMessages([closed('EURUSD', forexHours)], clock, 'UTC'), [
    'EURUSD is closed until Sun 22:00 UTC market time, in 1 d 10 h (Wed 20:00 your time); ' +
      'orders until then are refused',
  ]);
});

test('on a session clock the wait skips the forex weekend', () => {
  // Friday 21:30 market time: a European index opens on Monday 06:00, 56 h 30 min of market
  // time away, but the session clock jumps from Friday 22:00 to Sunday 22:00.
  const market = Date.UTC(2024, 2, 8, 21, 30);
  const wall = Date.UTC(2024, 2, 6, 21, 30);
  const clock: SandboxClock = { mode: 'session', market_now: market, wall_now: wall };
  assert.deepEqual(closedMarketMessages([closed('DE40', europeIndexHours)], clock, 'UTC'), [
    'DE40 is closed until Mon 06:00 UTC market time, in 8 h 30 min (Thu 06:00 your time); ' +
      'orders until then are refused',
  ]);
  assert.equal(wall + 8.5 * hour, Date.UTC(2024, 2, 7, 6));
});
