import type { Interval } from '../../../api/common';
import type { Instrument } from '../../../api/market';
import { candleNdjsonChunks, tickNdjsonChunks } from '../../market/ndjson';

/**
 * Candles as NDJSON byte chunks, one day of candles generated at a time, so a five-year
 * download never holds more than a day in memory and the socket's back-pressure paces the
 * generation. Bytes rather than strings: a string built line by line is a rope that node:http
 * must flatten and then encode again, which cost more than generating the candles.
 */
export function candleLines(
  instrument: Instrument,
  interval: Interval,
  from: number,
  to: number,
  now: number,
  limit?: number,
): Iterable<Uint8Array> {
  return candleNdjsonChunks(instrument, interval, {
    fromMs: from,
    toMs: to,
    now,
    ...(limit !== undefined && { limit }),
  });
}

/** Ticks as NDJSON byte chunks, a day at a time. */
export function tickLines(
  instrument: Instrument,
  from: number,
  to: number,
  limit?: number,
): Iterable<Uint8Array> {
  return tickNdjsonChunks(instrument, {
    fromMs: from,
    toMs: to,
    ...(limit !== undefined && { limit }),
  });
}
