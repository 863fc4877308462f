import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  candlesBetween,
  forEachTick,
  quoteAt,
  tickLiquidity,
  ticksAfter,
  ticksBetween,
  usdPerUnit,
} from '../../../sandbox/market/feed';
import {
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

const wednesday = Date.UTC(2024, 2, 6);

test('the ticks of a minute make exactly that minute candle', () => {
  for (const symbol of ['EURUSD', 'USDJPY', 'XAUUSD', 'US500', 'WHEAT', 'TRYJPY', 'USDX']) {
    const item = instrument(symbol);
    const from = symbol === 'WHEAT' ? wednesday + 15 * hour : wednesdayNoon;
    for (const candle of candlesBetween(item, '1m', from, from + 30 * minute)) {
      const ticks = ticksBetween(item, candle.t, candle.t + minute - 1);
      assert.equal(ticks[0].t, candle.t, `${symbol}: the first tick opens the minute`);
      assert.deepEqual(candleOfTicks(ticks), stripTime(candle), `${symbol} at ${candle.t}`);
    }
  }
});

test('ticks are strictly ordered, on the grid, with ask above bid', () => {
  for (const symbol of ['EURUSD', 'GBPJPY', 'USDIDR', 'JP225', 'NATGAS', 'CATTLE']) {
    const item = instrument(symbol);
    const start = symbol === 'CATTLE' ? wednesday + 15 * hour : wednesdayNoon;
    const ticks = ticksBetween(item, start, start + 20 * minute);
    assert.ok(ticks.length > 20, `${symbol}: ${ticks.length} ticks`);
    for (let k = 0; k < ticks.length; k++) {
      const tick = ticks[k];
      assert.ok(tick.ask > tick.bid, `${symbol}: ask ${tick.ask} <= bid ${tick.bid}`);
      assert.ok(onGrid(tick.bid, item.tick_size) && onGrid(tick.ask, item.tick_size));
      if (k > 0) assert.ok(tick.t > ticks[k - 1].t, `${symbol}: tick times must increase`);
    }
  }
});

test('no ticks while closed; quotes carry over closed periods for up to a week', () => {
  const eurusd = instrument('EURUSD');
  assert.deepEqual(ticksBetween(eurusd, saturdayNoon - 10 * hour, saturdayNoon + 10 * hour), []);
  const quote = quoteAt(eurusd, saturdayNoon)!;
  const friday = Date.UTC(2024, 2, 8, 22, 0);
  assert.ok(quote.t < friday && quote.t >= friday - minute);
  const [lastCandle] = candlesBetween(eurusd, '1m', friday - minute, friday - minute);
  assert.equal(quote.bid, lastCandle.c);
  assert.equal(quoteAt(eurusd, Date.UTC(2014, 5, 1)), null);
  assert.equal(quoteAt(eurusd, Date.UTC(2150, 5, 1)), null, 'beyond the generated range');
  assert.deepEqual(ticksBetween(eurusd, Date.UTC(2150, 5, 1), Date.UTC(2150, 5, 2)), []);
  const corn = instrument('CORN');
  assert.equal(
    ticksBetween(corn, wednesday + 13 * hour + 46 * minute, wednesday + 14 * hour + 29 * minute)
      .length,
    0,
  );
});

test('quoteAt is the last tick at or before t', () => {
  const item = instrument('AUDUSD');
  const ticks = ticksBetween(item, wednesdayNoon, wednesdayNoon + 2 * minute);
  for (const k of [0, 1, 5, ticks.length - 1]) {
    const tick = ticks[k];
    const next = ticks[k + 1];
    for (const t of [tick.t, next ? next.t - 1 : tick.t]) {
      assert.deepEqual(quoteAt(item, t), { symbol: 'AUDUSD', ...tick });
    }
  }
});

test("a quote at a minute's start (a bar's close) is that minute's first tick, computed alone", () => {
  let compared = 0;
  for (const symbol of ['EURUSD', 'USDJPY', 'XAUUSD', 'US500', 'WHEAT', 'TRYJPY']) {
    const item = instrument(symbol);
    for (let k = 0; k < 240; k += 7) {
      const start = wednesday + 9 * hour + k * minute;
      const alone = quoteAt(item, start);
      const [first] = ticksBetween(item, start, start + minute - 1);
      if (first === undefined) continue; // a closed minute: quoted from an earlier tick
      assert.deepEqual(
        alone,
        { symbol, ...first },
        `${symbol} at ${new Date(start).toISOString()}`,
      );
      compared++;
    }
  }
  assert.ok(compared > 100, `only ${compared} open minutes compared`);
});

test('ticksAfter steps through the feed without gaps or repeats', () => {
  const item = instrument('EURJPY');
  const from = wednesdayNoon;
  const expected = ticksBetween(item, from + 1, from + 3 * minute);
  const seen = [];
  let cursor = from;
  for (let now = from + 250; now <= from + 3 * minute; now += 250) {
    for (const tick of ticksAfter(item, cursor, now)) {
      seen.push(tick);
      cursor = tick.t;
    }
  }
  assert.deepEqual(seen, expected);
  let visited = 0;
  forEachTick(item, from + 1, from + 3 * minute, (tick) => {
    assert.deepEqual(tick, expected[visited++]);
  });
  assert.equal(visited, expected.length);
  assert.equal(ticksBetween(item, from, from + day, 10).length, 10);
});

test('a scan survives callbacks that run other scans', () => {
  const item = instrument('USDCAD');
  const other = instrument('NZDJPY');
  const expected = ticksBetween(item, wednesdayNoon, wednesdayNoon + 5 * minute);
  const seen: unknown[] = [];
  forEachTick(item, wednesdayNoon, wednesdayNoon + 5 * minute, (tick) => {
    seen.push(tick);
    // Long and short queries of other data, in the middle of the scan.
    ticksBetween(other, tick.t - 3 * minute, tick.t);
    if (seen.length % 50 === 0) candlesBetween(other, '1m', tick.t - 10 * day, tick.t);
  });
  assert.deepEqual(seen, expected);
});

test('top-of-book liquidity is positive, on the quantity grid and varies', () => {
  for (const symbol of ['EURUSD', 'USDTRY', 'US500', 'XAUUSD', 'CORN']) {
    const item = instrument(symbol);
    const start = symbol === 'CORN' ? wednesday + 15 * hour : wednesdayNoon;
    const sizes = ticksBetween(item, start, start + minute).map((tick) =>
      tickLiquidity(item, tick),
    );
    for (const { bidSize, askSize } of sizes) {
      for (const size of [bidSize, askSize]) {
        assert.ok(size >= item.min_quantity, `${symbol}: ${size} below the minimum`);
        const steps = size / item.quantity_step;
        assert.ok(Math.abs(steps - Math.round(steps)) < 1e-6, `${symbol}: ${size} off the step`);
      }
    }
    assert.ok(new Set(sizes.map((s) => s.bidSize)).size > sizes.length / 4, `${symbol} sizes vary`);
    const tick = ticksBetween(item, start, start + minute)[3];
    assert.deepEqual(tickLiquidity(item, tick), tickLiquidity(item, { ...tick }));
  }
  const eurusd = tickLiquidity(
    instrument('EURUSD'),
    ticksBetween(instrument('EURUSD'), wednesdayNoon, wednesdayNoon + 5000)[0],
  );
  assert.ok(eurusd.bidSize > 100_000, 'a major pair shows six-figure depth');
});

test('usdPerUnit converts through the universe', () => {
  assert.equal(usdPerUnit('USD', wednesdayNoon), 1);
  const jpy = usdPerUnit('JPY', wednesdayNoon)!;
  const usdjpy = quoteAt(instrument('USDJPY'), wednesdayNoon)!;
  assert.ok(Math.abs(jpy - 2 / (usdjpy.bid + usdjpy.ask)) < 1e-12);
  const gbp = usdPerUnit('GBP', wednesdayNoon)!;
  assert.ok(gbp > 0.9 && gbp < 2);
  assert.equal(usdPerUnit('XYZ', wednesdayNoon), null);
});
