import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Interval } from '../../../api/common';
import {
  candlesBetweenSliced,
  latestCandlesSliced,
} from '../../../sandbox/http/handlers/market-slices';
import { candlesBetween, latestCandles } from '../../../sandbox/market/feed';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';
import { marketDataStartMs } from '../../../sandbox/market/scan';

const wednesdayNoon = Date.UTC(2024, 2, 6, 12, 0, 30);
const saturday = Date.UTC(2024, 2, 9, 15, 0);
const midnight = Date.UTC(2024, 2, 7);
const cases: [symbol: string, interval: Interval, at: number, limit: number][] = [
  ['EURUSD', '1m', wednesdayNoon, 1],
  ['EURUSD', '1m', wednesdayNoon, 500],
  ['EURUSD', '5m', saturday, 700],
  ['US500', '1h', wednesdayNoon, 400],
  ['US500', '15m', midnight, 999],
  ['XAUUSD', '4h', saturday, 300],
  ['GBPJPY', '1d', midnight, 120],
];

void test('sliced reads give exactly what the one-call reads give', async () => {
  for (const [symbol, interval, at, limit] of cases) {
    const instrument = instrumentBySymbol(symbol);
    assert.ok(instrument, symbol);
    const label = `${symbol} ${interval} at ${new Date(at).toISOString()} limit ${limit}`;
    const latest = await latestCandlesSliced(instrument, interval, at, limit, marketDataStartMs);
    assert.equal(latest.length, limit, label);
    assert.deepEqual(latest, latestCandles(instrument, interval, at, limit), label);
    const from = latest[0].t - 3 * 60_000;
    const between = await candlesBetweenSliced(instrument, interval, from, at, { limit, now: at });
    assert.deepEqual(between, candlesBetween(instrument, interval, from, at, { limit, now: at }));
  }
});

void test('a latest read stops where history does', async () => {
  const instrument = instrumentBySymbol('EURUSD')!;
  const earliest = Date.UTC(2024, 1, 1);
  const candles = await latestCandlesSliced(instrument, '1d', wednesdayNoon, 5000, earliest);
  assert.ok(candles.length > 20 && candles.length < 40, `${candles.length} daily candles`);
  assert.ok(candles[0].t >= earliest);
  assert.deepEqual(
    candles,
    candlesBetween(instrument, '1d', earliest, wednesdayNoon, { now: wednesdayNoon }),
  );
});
