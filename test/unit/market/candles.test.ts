import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Interval } from '../../../api/common';
import { intervalMs } from '../../../api/common';
import {
  candlesBetween,
  clearMarketCaches,
  latestCandles,
  ticksBetween,
} from '../../../sandbox/market/feed';
import { isOpen } from '../../../sandbox/market/hours';
import {
  aggregate,
  candleOfTicks,
  day,
  hour,
  instrument,
  minute,
  onGrid,
  saturdayNoon,
  stripTime,
  wednesdayNoon,
} from './fixtures';

const eurusd = instrument('EURUSD');
const wednesday = Date.UTC(2024, 2, 6);

test('a 1h candle equals the aggregate of its sixty 1m candles', () => {
  for (const symbol of ['EURUSD', 'US500', 'CORN', 'XAUJPY']) {
    const item = instrument(symbol);
    const hours = candlesBetween(item, '1h', wednesday, wednesday + day - 1);
    assert.ok(hours.length >= 5, `${symbol}: ${hours.length} hourly candles`);
    for (const candle of hours) {
      const minutes = candlesBetween(item, '1m', candle.t, candle.t + hour - 1);
      assert.ok(minutes.length > 0 && minutes.length <= 60);
      assert.deepEqual(stripTime(candle), aggregate(minutes), `${symbol} at ${candle.t}`);
    }
  }
});

test('a 1d candle equals the aggregate of its 1m candles, and every interval aggregates', () => {
  const minutes = candlesBetween(eurusd, '1m', wednesday, wednesday + day - 1);
  assert.equal(minutes.length, 1440);
  const [daily] = candlesBetween(eurusd, '1d', wednesday, wednesday);
  assert.equal(daily.t, wednesday);
  assert.deepEqual(stripTime(daily), aggregate(minutes));
  for (const interval of ['5m', '15m', '30m', '4h'] as Interval[]) {
    const step = intervalMs[interval];
    const buckets = candlesBetween(eurusd, interval, wednesday, wednesday + day - 1);
    assert.equal(buckets.length, day / step);
    for (const candle of buckets) {
      assert.equal(candle.t % step, 0, `${interval} candles align to the epoch`);
      const inside = minutes.filter((m) => m.t >= candle.t && m.t < candle.t + step);
      assert.deepEqual(stripTime(candle), aggregate(inside));
    }
  }
});

test('the same query always returns the same data, whatever ran before it', () => {
  const from = Date.UTC(2021, 5, 1);
  const query = (): unknown => [
    candlesBetween(eurusd, '1m', from, from + 2 * hour),
    candlesBetween(instrument('DE40'), '15m', from, from + day),
    ticksBetween(instrument('GBPJPY'), from + 9 * hour, from + 9 * hour + 5 * minute),
  ];
  const first = query();
  assert.deepEqual(query(), first);
  clearMarketCaches();
  // Warm the caches in a different order, from a later date backwards.
  candlesBetween(eurusd, '1d', Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1));
  candlesBetween(instrument('GBPJPY'), '1h', from - 3 * day, from + 3 * day);
  assert.deepEqual(query(), first);
  clearMarketCaches();
  assert.deepEqual(query(), first);
});

test('there are no candles while the market is closed', () => {
  assert.deepEqual(
    candlesBetween(eurusd, '1m', saturdayNoon - 6 * hour, saturdayNoon + 6 * hour),
    [],
  );
  assert.deepEqual(candlesBetween(eurusd, '1d', saturdayNoon - 12 * hour, saturdayNoon), []);
  const weekend = candlesBetween(eurusd, '1h', Date.UTC(2024, 2, 8), Date.UTC(2024, 2, 11));
  for (const candle of weekend)
    assert.ok(isOpen(eurusd, candle.t) || isOpen(eurusd, candle.t + hour - 1));
  const us500 = instrument('US500');
  const breakStart = wednesday + 22 * hour;
  assert.deepEqual(candlesBetween(us500, '1m', breakStart, breakStart + hour - 1), []);
  assert.equal(candlesBetween(us500, '1m', breakStart - minute, breakStart + hour).length, 2);
  assert.deepEqual(candlesBetween(instrument('COFFEE'), '1h', wednesday, wednesday + 8 * hour), []);
});

test('candles keep l <= o, c <= h on the tick grid, with v ticks each', () => {
  for (const symbol of ['EURUSD', 'USDJPY', 'USDTRY', 'XAUUSD', 'US30', 'SUGAR', 'NICKEL']) {
    const item = instrument(symbol);
    for (const interval of ['1m', '1h'] as Interval[]) {
      for (const candle of candlesBetween(item, interval, wednesday, wednesday + day)) {
        assert.ok(candle.l <= Math.min(candle.o, candle.c), `${symbol} low`);
        assert.ok(candle.h >= Math.max(candle.o, candle.c), `${symbol} high`);
        assert.ok(candle.l > 0 && Number.isInteger(candle.v) && candle.v >= 1);
        for (const price of [candle.o, candle.h, candle.l, candle.c]) {
          assert.ok(onGrid(price, item.tick_size), `${symbol} price ${price} off the grid`);
        }
      }
    }
  }
});

test('each 1m candle opens at the previous close while the market stays open, across midnight', () => {
  for (const symbol of ['EURUSD', 'US500', 'XAUJPY', 'USDX']) {
    const minutes = candlesBetween(instrument(symbol), '1m', wednesday - 2 * day, wednesday + day);
    let checked = 0;
    for (let i = 1; i < minutes.length; i++) {
      if (minutes[i].t - minutes[i - 1].t !== minute) continue;
      assert.equal(minutes[i].o, minutes[i - 1].c, `${symbol} at ${minutes[i].t}`);
      checked++;
    }
    assert.ok(checked > 3 * 1300, `${symbol}: ${checked} consecutive minutes`);
  }
});

test('the forming candle aggregates the ticks seen so far and becomes the historical one', () => {
  const item = instrument('GBPUSD');
  const hourStart = wednesday + 14 * hour;
  const now = hourStart + 37 * minute + 12_345;
  const [forming] = latestCandles(item, '1h', now, 1);
  assert.equal(forming.t, hourStart);
  const ticks = ticksBetween(item, hourStart, now);
  assert.deepEqual(stripTime(forming), candleOfTicks(ticks));
  const [oneMinute] = latestCandles(item, '1m', now, 1);
  assert.deepEqual(stripTime(oneMinute), candleOfTicks(ticksBetween(item, now - 12_345, now)));
  const later = latestCandles(item, '1h', hourStart + hour + 5 * minute, 2);
  assert.deepEqual(later[0], candlesBetween(item, '1h', hourStart, hourStart)[0]);
  assert.deepEqual(candlesBetween(item, '1h', hourStart, hourStart, { now }), [forming]);
});

test('latestCandles returns the last candles up to now, skipping closed periods', () => {
  const mondayMorning = Date.UTC(2024, 2, 11, 0, 30);
  const candles = latestCandles(eurusd, '1h', mondayMorning, 10);
  assert.equal(candles.length, 10);
  assert.equal(candles[9].t, Date.UTC(2024, 2, 11, 0, 0));
  assert.equal(candles[7].t, Date.UTC(2024, 2, 10, 22, 0));
  assert.equal(candles[6].t, Date.UTC(2024, 2, 8, 21, 0), 'Friday before the weekend');
  const history = candlesBetween(eurusd, '1h', candles[0].t, Date.UTC(2024, 2, 10, 23, 0));
  assert.deepEqual(candles.slice(0, 9), history);
  for (let i = 1; i < candles.length; i++) assert.ok(candles[i].t > candles[i - 1].t);
  const many = latestCandles(eurusd, '1m', wednesdayNoon, 5000);
  assert.equal(many.length, 5000);
  assert.equal(many[4999].t, wednesdayNoon);
});

test('limits, empty ranges and dates before the data start', () => {
  assert.equal(candlesBetween(eurusd, '1m', wednesday, wednesday + day, { limit: 7 }).length, 7);
  assert.deepEqual(candlesBetween(eurusd, '1d', Date.UTC(2010, 0, 1), Date.UTC(2014, 11, 31)), []);
  const first = candlesBetween(eurusd, '1d', Date.UTC(2010, 0, 1), Date.UTC(2015, 0, 10));
  assert.equal(first[0].t, Date.UTC(2015, 0, 1));
  assert.deepEqual(latestCandles(eurusd, '1d', Date.UTC(2014, 0, 1), 10), []);
  assert.equal(
    latestCandles(eurusd, '1h', Date.UTC(2150, 0, 1), 3).length,
    3,
    'the last data, in 2099',
  );
  const future = candlesBetween(eurusd, '1d', Date.UTC(2060, 0, 5), Date.UTC(2060, 0, 9));
  assert.ok(future.length >= 4 && future.every((c) => c.c > 0.3 && c.c < 4));
});
