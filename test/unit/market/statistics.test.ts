// Statistical sanity with fixed data: the thresholds are loose, but a generator without fat
// tails, clustering, seasonality or co-movement fails them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candle } from '../../../api/market';
import { candlesBetween, ticksBetween } from '../../../sandbox/market/feed';
import { day, hour, instrument, minute } from './fixtures';

const from = Date.UTC(2023, 0, 2);
const to = Date.UTC(2023, 0, 30);

function minuteReturns(candles: readonly Candle[]): { value: number; hour: number }[] {
  const out: { value: number; hour: number }[] = [];
  for (let i = 1; i < candles.length; i++) {
    if (candles[i].t - candles[i - 1].t !== minute) continue;
    out.push({
      value: Math.log(candles[i].c / candles[i - 1].c),
      hour: new Date(candles[i].t).getUTCHours(),
    });
  }
  return out;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function autocorrelation(values: readonly number[], lag: number): number {
  const m = mean(values);
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < values.length; i++) {
    denominator += (values[i] - m) ** 2;
    if (i >= lag) numerator += (values[i] - m) * (values[i - lag] - m);
  }
  return numerator / denominator;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

const eurusdReturns = minuteReturns(candlesBetween(instrument('EURUSD'), '1m', from, to));

test('1-minute returns are fat-tailed', () => {
  const values = eurusdReturns.map((r) => r.value);
  assert.ok(values.length > 20_000);
  const m = mean(values);
  const variance = mean(values.map((v) => (v - m) ** 2));
  const kurtosis = mean(values.map((v) => (v - m) ** 4)) / variance ** 2;
  assert.ok(kurtosis > 6, `kurtosis ${kurtosis.toFixed(2)} is too close to a normal's 3`);
});

test('volatility clusters: absolute returns are autocorrelated', () => {
  const absolute = eurusdReturns.map((r) => Math.abs(r.value));
  for (const lag of [1, 10, 60]) {
    const rho = autocorrelation(absolute, lag);
    assert.ok(rho > 0.05, `lag ${lag}: autocorrelation ${rho.toFixed(3)}`);
  }
  const signed = autocorrelation(
    eurusdReturns.map((r) => r.value),
    1,
  );
  assert.ok(Math.abs(signed) < 0.05, `returns themselves should not be predictable (${signed})`);
});

test('London and New York hours are busier than late Asia', () => {
  const meanAbs = (hours: number[]): number =>
    mean(eurusdReturns.filter((r) => hours.includes(r.hour)).map((r) => Math.abs(r.value)));
  const overlap = meanAbs([13, 14, 15]);
  const lateAsia = meanAbs([3, 4, 5]);
  assert.ok(overlap > 1.5 * lateAsia, `overlap ${overlap} vs late Asia ${lateAsia}`);
});

test('spreads vary with the hour and widen at the rollover', () => {
  const item = instrument('EURUSD');
  const wednesday = Date.UTC(2023, 1, 8);
  const spreadsAt = (start: number, length: number): number[] =>
    ticksBetween(item, start, start + length).map((t) =>
      Math.round((t.ask - t.bid) / item.tick_size),
    );
  const busy = spreadsAt(wednesday + 14 * hour, hour);
  const rollover = spreadsAt(wednesday + 21 * hour + 56 * minute, 15 * minute);
  assert.ok(new Set(busy).size >= 4, 'spreads change from tick to tick');
  assert.ok(mean(rollover) > 1.5 * mean(busy), `rollover ${mean(rollover)} vs busy ${mean(busy)}`);
});

test('crosses agree with their legs and related markets move together', () => {
  const legs = ['EURJPY', 'EURUSD', 'USDJPY'].map((s) =>
    candlesBetween(instrument(s), '1h', from, from + 5 * day),
  );
  for (let i = 0; i < legs[0].length; i++) {
    const implied = legs[1][i].c * legs[2][i].c;
    assert.ok(Math.abs(legs[0][i].c / implied - 1) < 5e-4, `EURJPY vs EURUSD x USDJPY at ${i}`);
  }
  const hourly = (symbol: string): number[] => {
    const candles = candlesBetween(
      instrument(symbol),
      '1h',
      Date.UTC(2022, 0, 3),
      Date.UTC(2022, 2, 1),
    );
    return candles.slice(1).map((c, i) => Math.log(c.c / candles[i].c));
  };
  const pairs: [string, string, number][] = [
    ['EURUSD', 'GBPUSD', 0.3],
    ['US500', 'NAS100', 0.5],
    ['USOIL', 'UKOIL', 0.5],
  ];
  for (const [a, b, floor] of pairs) {
    const rho = correlation(hourly(a), hourly(b));
    assert.ok(rho > floor, `${a}/${b} correlation ${rho.toFixed(2)}`);
  }
  assert.ok(correlation(hourly('EURUSD'), hourly('USDJPY')) < -0.1, 'the dollar factor');
});

test('weekends leave a gap, small but real', () => {
  const item = instrument('EURUSD');
  const gaps: number[] = [];
  for (let week = 0; week < 12; week++) {
    const friday = Date.UTC(2023, 0, 6) + week * 7 * day;
    const [lastFriday] = candlesBetween(
      item,
      '1m',
      friday + 22 * hour - minute,
      friday + 22 * hour,
    );
    const [firstSunday] = candlesBetween(
      item,
      '1m',
      friday + 2 * day + 22 * hour,
      friday + 3 * day,
    );
    gaps.push(Math.abs(firstSunday.o / lastFriday.c - 1));
  }
  assert.ok(gaps.filter((g) => g > 0).length >= 8, 'most weekends gap');
  assert.ok(mean(gaps) < 0.005, `mean weekend gap ${mean(gaps)} is implausibly large`);
});

test('a decade of daily data stays plausible', () => {
  // A week of daily candles at the start of each year keeps the test fast.
  const decade = (symbol: string): Candle[] =>
    Array.from({ length: 11 }, (_, k) => Date.UTC(2015 + k, 0, 5)).flatMap((start) =>
      candlesBetween(instrument(symbol), '1d', start, start + 6 * day),
    );
  const eurusd = decade('EURUSD');
  assert.ok(eurusd.length >= 50);
  assert.ok(
    eurusd.every((c) => c.l > 0.8 && c.h < 1.5),
    'EURUSD within 0.8-1.5',
  );
  const usdtry = decade('USDTRY');
  assert.ok(usdtry[usdtry.length - 1].c > 5 * usdtry[0].c, 'the lira depreciates');
  const us500 = decade('US500');
  assert.ok(us500[us500.length - 1].c > us500[0].c, 'equities trend up over a decade');
});
