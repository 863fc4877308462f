import type { Interval } from '../../../api/common';
import { intervalMs } from '../../../api/common';
import type { Instrument } from '../../../api/market';
import { historyStart, historyYears, maxHistoricalPage } from '../../../api/market';
import { quoteAt, ticksBetween } from '../../market/feed';
import { isOpen } from '../../market/hours';
import { instrumentBySymbol, instruments } from '../../market/instruments';
import type { Sandbox } from '../../service/sandbox';
import type { HandlerContext, HandlerResult } from '../dispatch';
import { ApiError, invalidRequest, notFound } from '../errors';
import { decodeCursor, encodeCursor } from './cursor';
import { candlesBetweenSliced, latestCandlesSliced } from './market-slices';
import { candleLines, tickLines } from './ndjson';

let instrumentListText: string | undefined;

export function listInstruments(): HandlerResult {
  // The universe never changes while the sandbox runs: serialise it once.
  instrumentListText ??= JSON.stringify({ instruments });
  return { kind: 'text', status: 200, text: instrumentListText };
}

/** The instrument a query names, or a 422 naming the field, as the API does for unknown symbols. */
function knownInstrument(symbol: string, path = 'symbol'): Instrument {
  const instrument = instrumentBySymbol(symbol);
  if (!instrument) {
    throw new ApiError(
      'unprocessable',
      `unknown symbol ${symbol}; GET /market lists the instruments`,
      [{ path, message: `${symbol} is not a tradable instrument`, reason: 'unknown_symbol' }],
    );
  }
  return instrument;
}

export function getInstrument(
  sandbox: Sandbox,
  context: HandlerContext<'getInstrument'>,
): HandlerResult {
  const symbol = context.params.symbol;
  const instrument = instrumentBySymbol(symbol);
  if (!instrument) throw notFound(`no instrument ${symbol}; GET /market lists them`);
  const now = sandbox.clock.now();
  return {
    kind: 'json',
    status: 200,
    body: { ...instrument, quote: quoteAt(instrument, now), is_open: isOpen(instrument, now) },
  };
}

export function getQuotes(sandbox: Sandbox, context: HandlerContext<'getQuotes'>): HandlerResult {
  const { symbols } = context.query;
  const now = sandbox.clock.now();
  const found = symbols.map((symbol, index) => knownInstrument(symbol, `symbols.${index}`));
  const quotes = found.flatMap((instrument) => quoteAt(instrument, now) ?? []);
  return { kind: 'json', status: 200, body: { quotes } };
}

/** Candles reach back as far as history does (see historyStart), computed in slices. */
export async function getCandles(
  sandbox: Sandbox,
  context: HandlerContext<'getCandles'>,
): Promise<HandlerResult> {
  const query = context.query;
  const instrument = knownInstrument(query.symbol);
  const now = sandbox.clock.now();
  const earliest = historyStart(now);
  const candles =
    query.from === undefined
      ? await latestCandlesSliced(
          instrument,
          query.interval,
          Math.min(query.to ?? now, now),
          query.limit,
          earliest,
        )
      : await candlesBetweenSliced(
          instrument,
          query.interval,
          Math.max(query.from, earliest),
          query.to ?? now,
          { limit: query.limit, now },
        );
  return {
    kind: 'json',
    status: 200,
    body: { symbol: instrument.symbol, interval: query.interval, candles },
  };
}

/** The oldest instant history reaches at `now`. */
export async function getHistorical(
  sandbox: Sandbox,
  context: HandlerContext<'getHistorical'>,
): Promise<HandlerResult> {
  const query = context.query;
  const instrument = knownInstrument(query.symbol);
  const now = sandbox.clock.now();
  const earliest = historyStart(now);
  if (query.to < earliest) {
    throw invalidRequest(
      `history reaches back ${historyYears} years, to ${new Date(earliest).toISOString()}`,
      [{ path: 'to', message: `must not be before ${earliest}` }],
    );
  }
  const cursorKind = `${query.type}:${instrument.symbol}:${query.interval}`;
  const from = Math.max(
    query.from,
    earliest,
    query.cursor === undefined ? 0 : cursorInstant(query.cursor, cursorKind),
  );
  const to = Math.min(query.to, now);
  if (wantsNdjson(context.request.accept)) {
    const chunks =
      query.type === 'candles'
        ? candleLines(instrument, query.interval, from, to, now, query.limit)
        : tickLines(instrument, from, to, query.limit);
    return { kind: 'stream', status: 200, contentType: 'application/x-ndjson', chunks };
  }
  const pageSize = Math.min(
    query.limit ?? maxHistoricalPage[query.type],
    maxHistoricalPage[query.type],
  );
  if (query.type === 'ticks') {
    const ticks = from > to ? [] : ticksBetween(instrument, from, to, pageSize + 1);
    const more = ticks.length > pageSize;
    if (more) ticks.length = pageSize;
    const next = more ? encodeCursor(cursorKind, (ticks.at(-1)?.t ?? from) + 1) : null;
    return {
      kind: 'json',
      status: 200,
      body: { symbol: instrument.symbol, type: 'ticks', interval: null, ticks, next_cursor: next },
    };
  }
  const candles =
    from > to
      ? []
      : await candlesBetweenSliced(instrument, query.interval, from, to, {
          limit: pageSize + 1,
          now,
        });
  const more = candles.length > pageSize;
  if (more) candles.length = pageSize;
  const next = more
    ? encodeCursor(cursorKind, nextCandleStart(candles.at(-1)?.t ?? from, query.interval))
    : null;
  return {
    kind: 'json',
    status: 200,
    body: {
      symbol: instrument.symbol,
      type: 'candles',
      interval: query.interval,
      candles,
      next_cursor: next,
    },
  };
}

/**
 * Where a historical cursor resumes. Cursors come back from clients, so a forged one whose
 * instant is not a whole number of ms is refused: NaN here would make the scan loop forever.
 */
function cursorInstant(cursor: string, kind: string): number {
  const { after } = decodeCursor(cursor, kind);
  if (typeof after === 'number' && Number.isSafeInteger(after) && after >= 0) return after;
  throw invalidRequest('cursor is not one this listing gave out; pass next_cursor back unchanged', [
    { path: 'cursor', message: `is not a ${kind} cursor` },
  ]);
}

function nextCandleStart(openTime: number, interval: Interval): number {
  return openTime + intervalMs[interval];
}

function wantsNdjson(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes('application/x-ndjson');
}
