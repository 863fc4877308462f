// NDJSON for bulk downloads: generators of byte chunks, a day of data at a time, and string
// formatters for single records.
import type { Candle, Instrument, Tick } from '../../api/market';
import type { Interval } from '../../api/common';
import { intervalMs } from '../../api/common';
import { dayMs } from './hours';
import { modelOf } from './instruments';
import { dayOfTime } from './minute-bars';
import { NdjsonWriter } from './ndjson-writer';
import { marketDataEndMs, marketDataStartMs, scanCandlesOfDay, scanTicks } from './scan';

export interface BulkRange {
  readonly fromMs: number;
  readonly toMs: number;
  /** Nothing after this instant is visible (the sandbox clock); the last candle may be forming. */
  readonly now?: number;
  readonly limit?: number;
}

/**
 * Candles with open time in [fromMs, toMs] as NDJSON chunks (about 64 KB each), generated a
 * day at a time: iterate and write each chunk, awaiting drain as needed; nothing is buffered
 * beyond the current day.
 */
export function* candleNdjsonChunks(
  instrument: Instrument,
  interval: Interval,
  range: BulkRange,
): Generator<Uint8Array, void, undefined> {
  const model = modelOf(instrument);
  const writer = new NdjsonWriter(model.price);
  const scan = {
    from: Math.max(range.fromMs, marketDataStartMs),
    to: Math.min(range.toMs, marketDataEndMs - 1),
    now: range.now ?? Number.MAX_SAFE_INTEGER,
    limit: range.limit ?? Number.MAX_SAFE_INTEGER,
    streaming: true,
  };
  const sink = (t: number, o: number, h: number, l: number, c: number, v: number): void =>
    writer.candle(t, o, h, l, c, v);
  const lastDay = dayOfTime(Math.min(scan.to, scan.now));
  let count = 0;
  for (let day = dayOfTime(scan.from); day <= lastDay && count < scan.limit; day++) {
    count += scanCandlesOfDay(model, intervalMs[interval], day, scan, sink, count);
    yield* writer.takeChunks();
  }
  yield* writer.finish();
}

/** Ticks with fromMs <= t <= toMs as NDJSON chunks, generated a quarter of a day at a time. */
export function* tickNdjsonChunks(
  instrument: Instrument,
  range: BulkRange,
): Generator<Uint8Array, void, undefined> {
  const model = modelOf(instrument);
  const writer = new NdjsonWriter(model.price);
  const fromMs = Math.max(range.fromMs, marketDataStartMs);
  const to = Math.min(range.toMs, range.now ?? Number.MAX_SAFE_INTEGER, marketDataEndMs - 1);
  let remaining = range.limit ?? Number.MAX_SAFE_INTEGER;
  const sink = (t: number, bid: number, ask: number): void => writer.tick(t, bid, ask);
  // A quarter of a day at a time: a busy day holds ~100,000 ticks, and a server writing them
  // gives other clients a turn only between pieces.
  const pieceMs = dayMs / 4;
  for (let start = Math.floor(fromMs / pieceMs) * pieceMs; start <= to; start += pieceMs) {
    if (remaining <= 0) break;
    const from = Math.max(fromMs, start);
    const pieceEnd = Math.min(to, start + pieceMs - 1);
    remaining -= scanTicks(model, from, pieceEnd, remaining, sink, true);
    yield* writer.takeChunks();
  }
  yield* writer.finish();
}

/** One candle as an NDJSON line, identical to JSON.stringify(candle) + "\n". */
export function formatCandleLine(candle: Candle): string {
  return `{"t":${candle.t},"o":${candle.o},"h":${candle.h},"l":${candle.l},"c":${candle.c},"v":${candle.v}}\n`;
}

/** One tick as an NDJSON line, identical to JSON.stringify(tick) + "\n". */
export function formatTickLine(tick: Tick): string {
  return `{"t":${tick.t},"bid":${tick.bid},"ask":${tick.ask}}\n`;
}
