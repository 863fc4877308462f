import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HistoricalPage } from '../../api/market';
import type { Candle, Tick } from '../../api/market';
import type { SandboxProcess } from './harness';
import { accessToken, api, createKey, startSandboxProcess, stopAllSandboxes } from './harness';

after(() => stopAllSandboxes());

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; reason?: string }[] };
}

const minute = 60_000;
const start = '2024-03-06T12:00:00Z';
const startMs = Date.parse(start);

interface Connection {
  sandbox: SandboxProcess;
  token: string;
}

async function connect(now: string): Promise<Connection> {
  const sandbox = await startSandboxProcess({ now });
  const token = await accessToken(sandbox.url, await createKey(sandbox, 'read'));
  return { sandbox, token };
}

/** Every page of a historical query, following next_cursor. */
async function jsonPages(
  { sandbox, token }: Connection,
  query: string,
): Promise<{ pages: number; records: (Candle | Tick)[] }> {
  const records: (Candle | Tick)[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const path: string = `/market/historical?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
    const answer = await api(sandbox.url, token, 'GET', path);
    assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    const page = HistoricalPage.parse(answer.body);
    records.push(...(page.candles ?? page.ticks ?? []));
    cursor = page.next_cursor;
    pages++;
    assert.ok(pages < 1000, 'paging must end');
  } while (cursor !== null);
  return { pages, records };
}

/** One NDJSON download, parsed line by line. */
async function ndjson({ sandbox, token }: Connection, query: string): Promise<unknown[]> {
  const response = await fetch(`${sandbox.url}/market/historical?${query}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/x-ndjson' },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
  const text = await response.text();
  assert.ok(text.endsWith('\n'), 'every record ends its line');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as unknown);
}

function assertNoGapsOrRepeats(times: number[], step: number, from: number, to: number) {
  assert.equal(times[0], from);
  times.forEach((t, index) => {
    if (index > 0) assert.equal(t - (times[index - 1] ?? 0), step, `gap or repeat at ${t}`);
  });
  assert.ok((times.at(-1) ?? 0) <= to);
  assert.ok((times.at(-1) ?? 0) + step > to, 'reaches the end of the range');
}

describe('historical data', () => {
  let first: Connection;
  before(async () => {
    first = await connect(start);
  });

  test('JSON pages cover a candle range exactly once and equal one NDJSON download', async () => {
    const from = startMs - 26 * 3_600_000;
    const to = startMs - 2 * 3_600_000;
    const query = `symbol=EURUSD&type=candles&interval=1m&from=${from}&to=${to}&limit=137`;
    const { pages, records } = await jsonPages(first, query);
    assert.ok(pages > 5, `${pages} pages`);
    const times = records.map((r) => r.t);
    assertNoGapsOrRepeats(times, minute, from, to);
    assert.equal(records.length, (to - from) / minute + 1);
    const streamed = await ndjson(first, query.replace('&limit=137', ''));
    assert.deepEqual(streamed, records);
    // Larger pages give the same records.
    assert.deepEqual((await jsonPages(first, query.replace('137', '5000'))).records, records);
    // 5m candles over the same range, one page.
    const fives = await jsonPages(first, query.replace('1m', '5m').replace('137', '5000'));
    assertNoGapsOrRepeats(
      fives.records.map((r) => r.t),
      5 * minute,
      from,
      to,
    );
  });

  test('ticks page the same way, and equal the NDJSON download', async () => {
    const from = startMs - 40 * minute + 123;
    const to = startMs - 10 * minute;
    const query = `symbol=EURUSD&type=ticks&from=${from}&to=${to}&limit=97`;
    const { pages, records } = await jsonPages(first, query);
    assert.ok(pages > 3, `${pages} pages`);
    const times = records.map((r) => r.t);
    assert.ok((times[0] ?? 0) >= from && (times.at(-1) ?? Infinity) <= to);
    times.forEach((t, index) => {
      if (index > 0) assert.ok(t > (times[index - 1] ?? 0), `ticks rise strictly (${t})`);
    });
    for (const tick of records as Tick[]) assert.ok(tick.bid < tick.ask);
    assert.deepEqual(await ndjson(first, query.replace('&limit=97', '')), records);
    const whole = await jsonPages(first, query.replace('&limit=97', ''));
    assert.equal(whole.pages, 1);
    assert.deepEqual(whole.records, records);
  });

  test('history reaches back 5 years: a range before that is 400 naming it', async () => {
    const sixYearsAgo = startMs - 6 * 365 * 86_400_000;
    const path = `/market/historical?symbol=EURUSD&from=${sixYearsAgo}&to=${sixYearsAgo + 86_400_000}`;
    const answer = await api<ErrorBody>(first.sandbox.url, first.token, 'GET', path);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'invalid_request');
    const named = answer.body.error.details.map((d) => d.path);
    assert.ok(named.includes('to') || named.includes('from'), named.join());
    assert.match(answer.body.error.message, /5 years/);
    // Four years back is served.
    const fourYearsAgo = startMs - 4 * 365 * 86_400_000;
    const old = await api<{ candles: Candle[] }>(
      first.sandbox.url,
      first.token,
      'GET',
      `/market/historical?symbol=EURUSD&from=${fourYearsAgo}&to=${fourYearsAgo + 3 * 86_400_000}`,
    );
    assert.equal(old.status, 200);
    assert.ok(old.body.candles.length > 0);
    for (const [query, field] of [
      ['symbol=EURUSD&from=10', 'to'],
      ['symbol=EURUSD&to=10', 'from'],
      ['symbol=EURUSD&from=20&to=10', 'to'],
      ['symbol=EURUSD&from=0&to=10&type=bars', 'type'],
    ]) {
      const bad = await api<ErrorBody>(
        first.sandbox.url,
        first.token,
        'GET',
        `/market/historical?${query}`,
      );
      assert.equal(bad.status, 400, query);
      assert.ok(
        bad.body.error.details.some((d) => d.path === field),
        `${query}: ${JSON.stringify(bad.body)}`,
      );
    }
    const unknown = await api<ErrorBody>(
      first.sandbox.url,
      first.token,
      'GET',
      `/market/historical?symbol=NOSUCH&from=${startMs - minute}&to=${startMs}`,
    );
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.details[0]?.reason, 'unknown_symbol');
  });

  test('nothing after the sandbox’s now is ever served', async () => {
    const url = first.sandbox.url;
    const { now: before } = (await api<{ now: number }>(url, null, 'GET', '/health')).body;
    const future = before + 3_600_000;
    const ticks = await api<{ ticks: Tick[] }>(
      url,
      first.token,
      'GET',
      `/market/historical?symbol=EURUSD&type=ticks&from=${before - 30_000}&to=${future}`,
    );
    const candles = await api<{ candles: Candle[] }>(
      url,
      first.token,
      'GET',
      `/market/candles?symbol=EURUSD&interval=1m&from=${before - 5 * minute}&to=${future}`,
    );
    const streamed = (await ndjson(
      first,
      `symbol=EURUSD&type=ticks&from=${before - 30_000}&to=${future}`,
    )) as Tick[];
    const { now: afterwards } = (await api<{ now: number }>(url, null, 'GET', '/health')).body;
    assert.equal(ticks.status, 200);
    for (const tick of [...ticks.body.ticks, ...streamed]) assert.ok(tick.t <= afterwards);
    const forming = candles.body.candles.at(-1);
    assert.ok(forming && forming.t <= afterwards);
    // The forming candle holds only the ticks up to then.
    const sinceOpen = (
      await jsonPages(first, `symbol=EURUSD&type=ticks&from=${forming.t}&to=${afterwards}`)
    ).records;
    assert.ok(
      forming.v <= sinceOpen.length,
      `${forming.v} ticks in a candle of ${sinceOpen.length}`,
    );
  });

  test('the same instant gives the same data in another process; live equals history', async () => {
    // What the first sandbox shows live now...
    const live = await api<{ candles: Candle[] }>(
      first.sandbox.url,
      first.token,
      'GET',
      '/market/candles?symbol=EURUSD&interval=1m&limit=5',
    );
    const quote = await api<{ quote: Tick & { symbol: string } }>(
      first.sandbox.url,
      first.token,
      'GET',
      '/market/EURUSD',
    );
    const { now: liveNow } = (await api<{ now: number }>(first.sandbox.url, null, 'GET', '/health'))
      .body;
    // ...is what a second one, its clock started three minutes later, has as history.
    const later = await connect(new Date(startMs + 3 * minute).toISOString());
    const same = await connect(start);
    const range = `symbol=EURUSD&type=candles&interval=1m&from=${live.body.candles[0]?.t}&to=${liveNow}`;
    const history = (await jsonPages(later, range)).records as Candle[];
    const complete = live.body.candles.slice(0, -1);
    assert.deepEqual(history.slice(0, complete.length), complete, 'completed candles match');
    const forming = live.body.candles.at(-1) as Candle;
    const completed = history.find((c) => c.t === forming.t);
    assert.ok(completed, 'the forming candle is in history once complete');
    assert.equal(completed.o, forming.o);
    assert.ok(completed.h >= forming.h && completed.l <= forming.l && completed.v >= forming.v);
    // Its first v ticks (as many as it had then) make exactly the forming candle.
    const ticks = (
      await jsonPages(
        later,
        `symbol=EURUSD&type=ticks&from=${forming.t}&to=${forming.t + minute - 1}`,
      )
    ).records as Tick[];
    const bids = ticks.slice(0, forming.v).map((t) => t.bid);
    assert.equal(bids.length, forming.v);
    if (forming.v > 0)
      assert.deepEqual(forming, {
        t: forming.t,
        o: bids[0],
        h: Math.max(...bids),
        l: Math.min(...bids),
        c: bids.at(-1),
        v: forming.v,
      });
    // The live quote is a tick of history.
    const at = quote.body.quote.t;
    const tickThen = await jsonPages(later, `symbol=EURUSD&type=ticks&from=${at}&to=${at}`);
    assert.deepEqual(tickThen.records, [
      { t: at, bid: quote.body.quote.bid, ask: quote.body.quote.ask },
    ]);
    // Two processes, two data folders, three clocks: one past.
    const fixed = `symbol=XAUUSD&type=ticks&from=${startMs - 5 * minute}&to=${startMs - minute}`;
    const [a, b, c] = await Promise.all([
      jsonPages(first, fixed),
      jsonPages(later, fixed),
      jsonPages(same, fixed),
    ]);
    assert.ok(a.records.length > 10);
    assert.deepEqual(b.records, a.records);
    assert.deepEqual(c.records, a.records);
    const daily = `symbol=US500&type=candles&interval=1d&from=${startMs - 400 * 86_400_000}&to=${startMs - 86_400_000}`;
    assert.deepEqual(
      (await jsonPages(later, daily)).records,
      (await jsonPages(same, daily)).records,
    );
  });
});
