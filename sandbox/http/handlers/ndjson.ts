import type { Interval } from '../../../api/common';
import { intervalMs } from '../../../api/common';
import type { Instrument } from '../../../api/market';
import { dayMs } from '../../market/hours';
import { modelOf } from '../../market/instruments';
import { dayOfTime } from '../../market/minute-bars';
import { gridValue } from '../../market/model';
import { scanCandlesOfDay, scanTicks } from '../../market/scan';

/** Lines are gathered into chunks of about this many characters before they are written. */
const chunkChars = 256 * 1024;

/**
 * Candles as NDJSON, one day of candles generated at a time, so a five-year download never
 * holds more than a chunk in memory and the socket's back-pressure paces the generation.
 */
export function* candleLines(
  instrument: Instrument,
  interval: Interval,
  from: number,
  to: number,
  now: number,
  limit = Number.MAX_SAFE_INTEGER,
): Generator<string> {
  if (from > to) return;
  const model = modelOf(instrument);
  const grid = model.price;
  let chunk = '';
  let count = 0;
  const sink = (t: number, o: number, h: number, l: number, c: number, v: number) => {
    chunk += `{"t":${t},"o":${gridValue(grid, o)},"h":${gridValue(grid, h)},"l":${gridValue(grid, l)},"c":${gridValue(grid, c)},"v":${v}}\n`;
  };
  const range = { from, to, now, limit };
  for (let day = dayOfTime(from); count < limit && day <= dayOfTime(Math.min(to, now)); day++) {
    count += scanCandlesOfDay(model, intervalMs[interval], day, range, sink, count);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Ticks as NDJSON, a day at a time. */
export function* tickLines(
  instrument: Instrument,
  from: number,
  to: number,
  limit = Number.MAX_SAFE_INTEGER,
): Generator<string> {
  if (from > to) return;
  const model = modelOf(instrument);
  const grid = model.price;
  let chunk = '';
  let count = 0;
  const sink = (t: number, bid: number, ask: number) => {
    chunk += `{"t":${t},"bid":${gridValue(grid, bid)},"ask":${gridValue(grid, ask)}}\n`;
  };
  for (let dayStart = from - (from % dayMs); count < limit && dayStart <= to; dayStart += dayMs) {
    count += scanTicks(
      model,
      Math.max(from, dayStart),
      Math.min(to, dayStart + dayMs - 1),
      limit - count,
      sink,
    );
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
