import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Interval } from '../../../api/common';
import { intervalMs } from '../../../api/common';
import { candleDays, clearMarketCaches, quoteAt, ticksAfter } from '../../../sandbox/market/feed';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';
import { BarSequence, countBars } from '../../../sandbox/replay/bars';

const cases: [string, Interval, number, number][] = [
  ['EURUSD', '1m', Date.UTC(2024, 2, 1, 13, 7), Date.UTC(2024, 2, 12)],
  ['US500', '5m', Date.UTC(2024, 2, 1, 13, 7), Date.UTC(2024, 2, 20, 5, 3)],
  ['XAUUSD', '1h', Date.UTC(2023, 10, 1), Date.UTC(2024, 3, 20)],
  ['EURUSD', '1d', Date.UTC(2023, 2, 1), Date.UTC(2024, 3, 20)],
  ['DE40', '15m', Date.UTC(2024, 0, 5, 22, 59), Date.UTC(2024, 0, 16, 8)],
];

void describe('replay bars', () => {
  void it('counts from the trading hours exactly the candles the market generates', () => {
    for (const [symbol, interval, from, to] of cases) {
      let generated = 0;
      for (const day of candleDays(
        instrumentBySymbol(symbol)!,
        interval,
        from,
        to - intervalMs[interval],
      )) {
        generated += day.length;
      }
      assert.ok(generated > 0, `${symbol} ${interval} has candles`);
      assert.equal(countBars([symbol], interval, from, to), generated, `${symbol} ${interval}`);
    }
  });

  void it('merges symbols by close time, ties in the order given, with seq counting from 1', () => {
    const from = Date.UTC(2024, 2, 6, 12);
    const to = Date.UTC(2024, 2, 6, 13);
    const bars = new BarSequence(['GBPUSD', 'EURUSD'], '5m', from, to);
    const seen = [];
    for (let bar = bars.next(); bar; bar = bars.next()) seen.push(bar);
    assert.equal(seen.length, 24);
    seen.forEach((bar, index) => {
      assert.equal(bar.seq, index + 1);
      assert.equal(bar.symbol, index % 2 === 0 ? 'GBPUSD' : 'EURUSD');
      assert.equal(bar.closeAt, from + (Math.floor(index / 2) + 1) * 300_000);
      assert.ok(bar.closeAt <= to && bar.candle.t >= from);
    });
  });

  void it('quotes and ticks read while walking days equal those computed afresh', () => {
    // The walk reuses the day it streams for quotes and copies it for tick scans; neither may
    // change a price.
    const eurusd = instrumentBySymbol('EURUSD')!;
    const from = Date.UTC(2024, 2, 4);
    const to = Date.UTC(2024, 2, 7);
    const seen: unknown[] = [];
    const closes: number[] = [];
    for (const day of candleDays(eurusd, '1m', from, to)) {
      for (let index = 0; index < day.length; index += 97) {
        const close = day[index].t + 60_000;
        closes.push(close);
        seen.push(quoteAt(eurusd, close), ticksAfter(eurusd, close - 5_000, close));
      }
    }
    const afresh: unknown[] = [];
    for (const close of closes) {
      clearMarketCaches();
      afresh.push(quoteAt(eurusd, close));
      clearMarketCaches();
      afresh.push(ticksAfter(eurusd, close - 5_000, close));
    }
    assert.ok(seen.length > 40);
    assert.deepEqual(seen, afresh);
  });
});
