import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CandleList, Instrument, InstrumentWithQuote, QuoteList } from '../../api/market';
import type { Candle } from '../../api/market';
import { api, stopAllSandboxes, tradingSandbox } from './harness';

after(() => stopAllSandboxes());

interface ErrorBody {
  error: { code: string; details: { path: string; reason?: string }[] };
}

const hour = 3_600_000;
const minute = 60_000;
/** 2024-03-06 10:00 UTC, two hours before the sandbox's clock starts: complete history. */
const tenOClock = Date.parse('2024-03-06T10:00:00Z');

const onGrid = (price: number, tick: number) =>
  Math.abs(price / tick - Math.round(price / tick)) < 1e-6;

/** The candle made of consecutive smaller ones. */
function aggregate(parts: Candle[]): Omit<Candle, 't'> {
  assert.ok(parts.length > 0);
  return {
    o: parts[0]?.o,
    h: Math.max(...parts.map((c) => c.h)),
    l: Math.min(...parts.map((c) => c.l)),
    c: parts.at(-1)?.c as number,
    v: parts.reduce((total, c) => total + c.v, 0),
  };
}

describe('market data', () => {
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  let url: string;
  const candles = async (query: string) => {
    const answer = await call('GET', `/market/candles?${query}`);
    assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
    return CandleList.parse(answer.body).candles;
  };

  before(async () => {
    const setup = await tradingSandbox();
    call = setup.call;
    url = setup.sandbox.url;
  });

  test('GET /market lists 500+ instruments, each a valid Instrument', async () => {
    const answer = await call<{ instruments: unknown[] }>('GET', '/market');
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body), ['instruments']);
    assert.ok(answer.body.instruments.length >= 500, `${answer.body.instruments.length}`);
    const symbols = new Set<string>();
    const kinds = new Set<string>();
    for (const raw of answer.body.instruments) {
      const instrument = Instrument.strict().parse(raw);
      assert.equal(symbols.has(instrument.symbol), false, `${instrument.symbol} twice`);
      symbols.add(instrument.symbol);
      kinds.add(instrument.kind);
      assert.ok(instrument.min_quantity >= instrument.quantity_step, instrument.symbol);
    }
    assert.deepEqual([...kinds].sort(), ['commodity', 'forex', 'index']);
    for (const symbol of ['EURUSD', 'US500', 'XAUUSD']) assert.ok(symbols.has(symbol), symbol);
  });

  test('GET /market/{symbol}: the instrument with a quote on its grid, and is_open', async () => {
    for (const symbol of ['EURUSD', 'US500', 'XAUUSD', 'USDJPY']) {
      const answer = await call('GET', `/market/${symbol}`);
      assert.equal(answer.status, 200, symbol);
      const instrument = InstrumentWithQuote.strict().parse(answer.body);
      assert.equal(instrument.symbol, symbol);
      assert.equal(instrument.is_open, true, `${symbol} is open on a Wednesday at noon`);
      const quote = instrument.quote;
      assert.ok(quote, symbol);
      assert.equal(quote.symbol, symbol);
      assert.ok(quote.bid < quote.ask, `${symbol} ${quote.bid} < ${quote.ask}`);
      assert.ok(onGrid(quote.bid, instrument.tick_size) && onGrid(quote.ask, instrument.tick_size));
      // Fetched after the quote: the quote is recent and never from the sandbox's future.
      const health = await api<{ now: number }>(url, null, 'GET', '/health');
      assert.ok(quote.t <= health.body.now, `${symbol} quote at ${quote.t} > ${health.body.now}`);
      assert.ok(quote.t > health.body.now - minute, `${symbol} quote is stale`);
    }
    const missing = await call<ErrorBody>('GET', '/market/NOSUCH');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
  });

  test('quotes for many symbols, in the order asked; unknown symbols are 422', async () => {
    const answer = await call('GET', '/market/quotes?symbols=GBPUSD,EURUSD,US500');
    assert.equal(answer.status, 200);
    const { quotes } = QuoteList.parse(answer.body);
    assert.deepEqual(
      quotes.map((q) => q.symbol),
      ['GBPUSD', 'EURUSD', 'US500'],
    );
    const unknown = await call<ErrorBody>('GET', '/market/quotes?symbols=EURUSD,NOSUCH');
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.code, 'unprocessable');
    assert.deepEqual(unknown.body.error.details, [
      {
        path: 'symbols.1',
        message: 'NOSUCH is not a tradable instrument',
        reason: 'unknown_symbol',
      },
    ]);
    const candle = await call<ErrorBody>('GET', '/market/candles?symbol=NOSUCH');
    assert.equal(candle.status, 422);
    assert.equal(candle.body.error.details[0]?.reason, 'unknown_symbol');
    assert.equal(candle.body.error.details[0]?.path, 'symbol');
    assert.equal((await call('GET', '/market/quotes')).status, 400);
    assert.equal((await call('GET', '/market/quotes?symbols=')).status, 400);
  });

  test('a 1h candle is the aggregate of its sixty 1m candles', async () => {
    for (const start of [tenOClock, tenOClock - 24 * hour, tenOClock + hour]) {
      const [hourly] = await candles(`symbol=EURUSD&interval=1h&from=${start}&to=${start}`);
      const minutes = await candles(
        `symbol=EURUSD&interval=1m&from=${start}&to=${start + hour - 1}&limit=5000`,
      );
      assert.ok(hourly);
      assert.equal(hourly.t, start);
      assert.equal(minutes.length, 60);
      minutes.forEach((candle, index) => assert.equal(candle.t, start + index * minute));
      assert.deepEqual({ ...hourly, t: undefined }, { ...aggregate(minutes), t: undefined });
    }
    // And a day is its 24 hours, for an index with a daily break as well.
    for (const symbol of ['EURUSD', 'US500']) {
      const dayStart = Date.parse('2024-03-05T00:00:00Z');
      const [daily] = await candles(`symbol=${symbol}&interval=1d&from=${dayStart}&to=${dayStart}`);
      const hours = await candles(
        `symbol=${symbol}&interval=1h&from=${dayStart}&to=${dayStart + 24 * hour - 1}`,
      );
      assert.ok(daily);
      assert.ok(hours.length >= 20 && hours.length <= 24, `${symbol}: ${hours.length} hours`);
      assert.deepEqual({ ...daily, t: undefined }, { ...aggregate(hours), t: undefined });
    }
  });

  test('candles are OHLC of the bid ticks, v counting them', async () => {
    const start = tenOClock + 17 * minute;
    const [candle] = await candles(`symbol=EURUSD&interval=1m&from=${start}&to=${start}`);
    const ticks = await call<{ ticks: { t: number; bid: number; ask: number }[] }>(
      'GET',
      `/market/historical?symbol=EURUSD&type=ticks&from=${start}&to=${start + minute - 1}`,
    );
    const bids = ticks.body.ticks.map((t) => t.bid);
    assert.ok(candle && bids.length > 0);
    assert.deepEqual(candle, {
      t: start,
      o: bids[0],
      h: Math.max(...bids),
      l: Math.min(...bids),
      c: bids.at(-1),
      v: bids.length,
    });
  });

  test('without from/to: the latest `limit` candles, the last one forming', async () => {
    const health = await api<{ now: number }>(url, null, 'GET', '/health');
    for (const [interval, step] of [
      ['1m', minute],
      ['5m', 5 * minute],
      ['1h', hour],
    ] as const) {
      const latest = await candles(`symbol=EURUSD&interval=${interval}&limit=7`);
      assert.equal(latest.length, 7, interval);
      latest.forEach((candle, index) => {
        if (index > 0) assert.equal(candle.t - (latest[index - 1]?.t ?? 0), step, interval);
        assert.ok(
          candle.l <= Math.min(candle.o, candle.c) && candle.h >= Math.max(candle.o, candle.c),
        );
      });
      const forming = latest.at(-1)?.t ?? 0;
      assert.ok(forming <= health.body.now + 5_000, `${interval}: no candle from the future`);
      assert.ok(forming > health.body.now - 2 * step, `${interval}: the last one is current`);
    }
    assert.equal((await candles('symbol=EURUSD')).length, 500, 'limit defaults to 500');
    assert.equal((await candles('symbol=EURUSD&interval=1m&limit=5000')).length, 5000);
    for (const limit of ['0', '5001', '-1', 'ten', '1.5']) {
      const answer = await call<ErrorBody>('GET', `/market/candles?symbol=EURUSD&limit=${limit}`);
      assert.equal(answer.status, 400, limit);
      assert.deepEqual(
        answer.body.error.details.map((d) => d.path),
        ['limit'],
      );
    }
    const range = await candles(
      `symbol=EURUSD&interval=1m&from=${tenOClock}&to=${tenOClock + hour}&limit=10`,
    );
    assert.equal(range.length, 10, 'limit bounds a from/to range too');
    assert.equal(range[0]?.t, tenOClock);
    const inverted = await call<ErrorBody>(
      'GET',
      `/market/candles?symbol=EURUSD&from=${tenOClock}&to=${tenOClock - 1}`,
    );
    assert.equal(inverted.status, 400);
    assert.equal(inverted.body.error.details[0]?.path, 'to');
    const badInterval = await call<ErrorBody>('GET', '/market/candles?symbol=EURUSD&interval=2m');
    assert.equal(badInterval.body.error.details[0]?.path, 'interval');
  });
});
