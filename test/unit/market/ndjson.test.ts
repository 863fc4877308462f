import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Interval } from '../../../api/common';
import { candlesBetween, ticksBetween } from '../../../sandbox/market/feed';
import {
  candleNdjsonChunks,
  formatCandleLine,
  formatTickLine,
  tickNdjsonChunks,
} from '../../../sandbox/market/ndjson';
import { NdjsonWriter } from '../../../sandbox/market/ndjson-writer';
import { decimalGrid, gridValue } from '../../../sandbox/market/model';
import { day, hour, instrument, wednesdayNoon } from './fixtures';

const decoder = new TextDecoder();
const text = (chunks: Iterable<Uint8Array>): string =>
  [...chunks].map((chunk) => decoder.decode(chunk)).join('');

// Instruments chosen for their grids: 5 and 3 decimals, 0.0025, 0.00025, whole numbers, 0.5, 5.
const symbols = ['EURUSD', 'USDJPY', 'CORN', 'CATTLE', 'US30', 'ALUMINIUM', 'NICKEL', 'USDIDR'];

test('NDJSON candles are byte for byte JSON.stringify of the candles', () => {
  const wednesday = Date.UTC(2024, 2, 6);
  for (const symbol of symbols) {
    for (const interval of ['1m', '1h', '1d'] as Interval[]) {
      const item = instrument(symbol);
      const range = { fromMs: wednesday - 3 * day, toMs: wednesday + day };
      const expected = candlesBetween(item, interval, range.fromMs, range.toMs)
        .map((candle) => JSON.stringify(candle) + '\n')
        .join('');
      assert.ok(expected.length > 0);
      assert.equal(
        text(candleNdjsonChunks(item, interval, range)),
        expected,
        `${symbol} ${interval}`,
      );
    }
  }
});

test('NDJSON ticks are byte for byte JSON.stringify of the ticks', () => {
  for (const symbol of symbols) {
    const item = instrument(symbol);
    const from =
      symbol === 'CORN' || symbol === 'CATTLE' ? wednesdayNoon + 3 * hour : wednesdayNoon;
    const expected = ticksBetween(item, from, from + 10 * 60_000)
      .map((tick) => JSON.stringify(tick) + '\n')
      .join('');
    assert.equal(
      text(tickNdjsonChunks(item, { fromMs: from, toMs: from + 10 * 60_000 })),
      expected,
    );
  }
});

test('chunks end on line boundaries and respect limit and now', () => {
  const item = instrument('EURUSD');
  const range = { fromMs: Date.UTC(2024, 0, 1), toMs: Date.UTC(2024, 1, 1) };
  const chunks = [...candleNdjsonChunks(item, '1m', range)];
  assert.ok(chunks.length > 10);
  for (const chunk of chunks) assert.equal(chunk[chunk.length - 1], 10);
  const limited = text(candleNdjsonChunks(item, '1m', { ...range, limit: 1234 })).split('\n');
  assert.equal(limited.length - 1, 1234);
  const now = Date.UTC(2024, 0, 10, 13, 30, 20);
  const lines = text(candleNdjsonChunks(item, '1h', { ...range, now }))
    .trim()
    .split('\n');
  const last = JSON.parse(lines[lines.length - 1]) as { t: number };
  assert.equal(last.t, Date.UTC(2024, 0, 10, 13));
  assert.deepEqual(
    JSON.parse(lines[lines.length - 1]),
    candlesBetween(item, '1h', last.t, last.t, { now })[0],
  );
});

test('the writer prints any grid value as JSON.stringify does', () => {
  for (const step of [0.00001, 0.001, 0.0025, 0.00025, 0.1, 0.5, 1, 5, 0.01]) {
    const grid = decimalGrid(step);
    const writer = new NdjsonWriter(grid);
    const expected: string[] = [];
    for (const steps of [1, 7, 10, 99, 100, 1000, 123_456, 9_999_999, 2_000_000_000 / grid.units]) {
      const k = Math.floor(steps);
      writer.tick(1_700_000_000_000 + k, k, k + 1);
      expected.push(
        JSON.stringify({
          t: 1_700_000_000_000 + k,
          bid: gridValue(grid, k),
          ask: gridValue(grid, k + 1),
        }),
      );
    }
    assert.equal(
      text(writer.finish()),
      expected.map((line) => line + '\n').join(''),
      `step ${step}`,
    );
  }
  const small = new NdjsonWriter(decimalGrid(0.01));
  small.candle(5, 1, 2, 1, 2, 3);
  assert.equal(text(small.finish()), '{"t":5,"o":0.01,"h":0.02,"l":0.01,"c":0.02,"v":3}\n');
});

test('single-record formatters match JSON.stringify', () => {
  const item = instrument('GBPJPY');
  for (const candle of candlesBetween(item, '1m', wednesdayNoon, wednesdayNoon + hour)) {
    assert.equal(formatCandleLine(candle), JSON.stringify(candle) + '\n');
  }
  for (const tick of ticksBetween(item, wednesdayNoon, wednesdayNoon + 60_000)) {
    assert.equal(formatTickLine(tick), JSON.stringify(tick) + '\n');
  }
});
