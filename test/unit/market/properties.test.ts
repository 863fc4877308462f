// Property tests: invariants over random instruments and instants, and determinism across
// processes (a fresh module state must compute the same data).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { candlesBetween, latestCandles, quoteAt, ticksBetween } from '../../../sandbox/market/feed';
import { isOpen } from '../../../sandbox/market/hours';
import { instruments } from '../../../sandbox/market/instruments';
import { determinismProbe } from './determinism-probe';
import { aggregate, candleOfTicks, minute, onGrid, stripTime } from './fixtures';

const anyInstrument = fc.constantFrom(...instruments);
const anyInstant = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) });

test('any open minute: ticks and candle agree, prices on the grid, ask above bid', () => {
  fc.assert(
    fc.property(anyInstrument, anyInstant, (item, t) => {
      const start = Math.floor(t / minute) * minute;
      const candles = candlesBetween(item, '1m', start, start);
      const ticks = ticksBetween(item, start, start + minute - 1);
      if (!isOpen(item, t)) {
        assert.deepEqual(candles, []);
        assert.deepEqual(ticks, []);
        return;
      }
      assert.equal(candles.length, 1);
      const [candle] = candles;
      assert.deepEqual(candleOfTicks(ticks), stripTime(candle));
      assert.ok(
        candle.l <= Math.min(candle.o, candle.c) && Math.max(candle.o, candle.c) <= candle.h,
      );
      for (const tick of ticks) {
        assert.ok(tick.ask > tick.bid && tick.bid >= candle.l && tick.bid <= candle.h);
        assert.ok(onGrid(tick.bid, item.tick_size) && onGrid(tick.ask, item.tick_size));
        assert.ok(tick.t >= start && tick.t < start + minute);
      }
    }),
    { numRuns: 150 },
  );
});

test('any instant: the quote is the last tick so far and the forming candle matches it', () => {
  fc.assert(
    fc.property(anyInstrument, anyInstant, (item, now) => {
      const quote = quoteAt(item, now);
      if (quote === null) return;
      assert.ok(quote.t <= now && now - quote.t <= 7 * 86_400_000 && quote.ask > quote.bid);
      const [latest] = latestCandles(item, '1m', now, 1);
      assert.ok(latest.t <= now);
      assert.equal(latest.c, quote.bid);
      if (isOpen(item, now)) {
        const start = Math.floor(now / minute) * minute;
        assert.equal(latest.t, start);
        assert.deepEqual(stripTime(latest), candleOfTicks(ticksBetween(item, start, now)));
      }
    }),
    { numRuns: 150 },
  );
});

test('any instant: 15-minute candles aggregate their 1-minute candles', () => {
  fc.assert(
    fc.property(anyInstrument, anyInstant, (item, t) => {
      const start = Math.floor(t / (15 * minute)) * 15 * minute;
      const buckets = candlesBetween(item, '15m', start, start);
      const minutes = candlesBetween(item, '1m', start, start + 15 * minute - 1);
      assert.deepEqual(buckets.map(stripTime), minutes.length ? [aggregate(minutes)] : []);
    }),
    { numRuns: 100 },
  );
});

test('a fresh process computes exactly the same data', () => {
  const probe = fileURLToPath(new URL('./determinism-probe.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  // Warm this process's caches with other, later data first: results must not depend on it.
  candlesBetween(instruments[0], '1d', Date.UTC(2019, 0, 1), Date.UTC(2020, 0, 1));
  ticksBetween(instruments[1], Date.UTC(2019, 6, 17, 10), Date.UTC(2019, 6, 17, 10, 5));
  assert.equal(child.stdout, JSON.stringify(determinismProbe()));
});
