import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { TradingHours } from '../../../api/market';
import {
  compileTradingHours,
  isOpen,
  isOpenAt,
  lastOpenAtOrBefore,
  lastOpenInstantAtOrBefore,
  nextOpen,
  nextOpenAt,
  sessionClose,
  sessionCloseAt,
} from '../../../sandbox/market/hours';
import { instruments } from '../../../sandbox/market/instruments';
import { hour, instrument, minute, saturdayNoon, wednesdayNoon } from './fixtures';

const friday = Date.UTC(2024, 2, 8);
const sunday = Date.UTC(2024, 2, 10);

test('forex trades from Sunday 22:00 to Friday 22:00 UTC', () => {
  const eurusd = instrument('EURUSD');
  assert.equal(isOpen(eurusd, wednesdayNoon), true);
  assert.equal(isOpen(eurusd, saturdayNoon), false);
  assert.equal(isOpen(eurusd, friday + 22 * hour - 1), true);
  assert.equal(isOpen(eurusd, friday + 22 * hour), false);
  assert.equal(isOpen(eurusd, sunday + 22 * hour - 1), false);
  assert.equal(isOpen(eurusd, sunday + 22 * hour), true);
  assert.equal(nextOpen(eurusd, saturdayNoon), sunday + 22 * hour);
  assert.equal(nextOpen(eurusd, wednesdayNoon), wednesdayNoon);
  assert.equal(lastOpenInstantAtOrBefore(eurusd, saturdayNoon), friday + 22 * hour - 1);
  assert.equal(sessionClose(eurusd, wednesdayNoon), friday + 22 * hour);
  assert.equal(sessionClose(eurusd, saturdayNoon), null);
});

test('index CFDs close for an hour every day', () => {
  const us500 = instrument('US500');
  const wednesday = Date.UTC(2024, 2, 6);
  assert.equal(isOpen(us500, wednesday + 21 * hour + 59 * minute), true);
  assert.equal(isOpen(us500, wednesday + 22 * hour + 30 * minute), false);
  assert.equal(isOpen(us500, wednesday + 23 * hour), true);
  assert.equal(sessionClose(us500, wednesdayNoon), wednesday + 22 * hour);
  assert.equal(nextOpen(us500, wednesday + 22 * hour), wednesday + 23 * hour);
  assert.equal(
    lastOpenInstantAtOrBefore(us500, wednesday + 22 * hour + 5),
    wednesday + 22 * hour - 1,
  );
});

test('grains trade two sessions a day', () => {
  const corn = instrument('CORN');
  const wednesday = Date.UTC(2024, 2, 6);
  assert.equal(isOpen(corn, wednesday + 14 * hour), false);
  assert.equal(isOpen(corn, wednesday + 15 * hour), true);
  assert.equal(nextOpen(corn, wednesday + 14 * hour), wednesday + 14 * hour + 30 * minute);
  assert.equal(sessionClose(corn, wednesday + 15 * hour), wednesday + 19 * hour + 20 * minute);
  assert.equal(isOpen(corn, saturdayNoon), false);
});

test('a session that runs over the end of the week is one session', () => {
  const hours: TradingHours = {
    timezone: 'UTC',
    sessions: [{ open: 'Sat 20:00', close: 'Sun 02:00' }],
    description: 'test: a weekend session',
  };
  const compiled = compileTradingHours(hours);
  const saturday = Date.UTC(2024, 2, 9);
  assert.equal(isOpenAt(compiled, saturday + 23 * hour), true);
  assert.equal(isOpenAt(compiled, saturday + 26 * hour), false);
  assert.equal(sessionCloseAt(compiled, saturday + 21 * hour), saturday + 26 * hour);
  assert.equal(nextOpenAt(compiled, saturday + 27 * hour), saturday + 7 * 24 * hour + 20 * hour);
  assert.equal(lastOpenAtOrBefore(compiled, saturday + 27 * hour), saturday + 26 * hour - 1);
});

const anyInstant = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2040, 0, 1) });
const anyInstrument = fc.constantFrom(...instruments);

test('nextOpen is the first open instant at or after t', () => {
  fc.assert(
    fc.property(anyInstrument, anyInstant, (item, t) => {
      const next = nextOpen(item, t)!;
      assert.ok(next >= t && isOpen(item, next));
      // Every whole minute strictly between t and the next open is closed.
      for (let m = Math.ceil(t / minute) * minute; m < next; m += 17 * minute) {
        assert.equal(isOpen(item, m), false);
      }
      if (next > t) assert.equal(next % minute, 0);
    }),
    { numRuns: 300 },
  );
});

test('lastOpenInstantAtOrBefore and sessionClose bracket the open periods', () => {
  fc.assert(
    fc.property(anyInstrument, anyInstant, (item, t) => {
      const last = lastOpenInstantAtOrBefore(item, t)!;
      assert.ok(last <= t && isOpen(item, last));
      if (last < t) assert.equal(isOpen(item, last + 1), false);
      const close = sessionClose(item, last)!;
      assert.ok(close > last && !isOpen(item, close) && isOpen(item, close - 1));
    }),
    { numRuns: 300 },
  );
});
