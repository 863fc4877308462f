import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BacktestReport, Session } from '../../api/sessions';
import type { Order } from '../../api/orders';
import type { Candle } from '../../api/market';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  stopAllSandboxes,
  tradingSandbox,
} from './harness';
import type { Key } from './harness';
import { closeAllStreams, openStream } from './stream-harness';
import type { StreamMessage, TestStream } from './stream-harness';

after(() => {
  closeAllStreams();
  return stopAllSandboxes();
});

const from = Date.UTC(2024, 2, 6, 12, 0);
const to = Date.UTC(2024, 2, 6, 14, 0);
const twoHours = { symbols: ['EURUSD'], interval: '1m', from, to };

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

describe('replay sessions', () => {
  let url: string;
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  let dataDir: string;

  before(async () => {
    const started = await tradingSandbox();
    ({ call, key } = started);
    url = started.sandbox.url;
    dataDir = started.sandbox.dataDir;
  });

  const create = async (body: Record<string, unknown> = twoHours) => {
    const answer = await call<Session>('POST', '/sandbox/sessions', body);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  };

  test('refuses bad requests, naming the fields', async () => {
    const backwards = await call<ErrorBody>('POST', '/sandbox/sessions', {
      ...twoHours,
      to: from - 1,
    });
    assert.equal(backwards.status, 400);
    assert.deepEqual(
      backwards.body.error.details.map((d) => d.path),
      ['to'],
    );
    const unknown = await call<ErrorBody>('POST', '/sandbox/sessions', {
      ...twoHours,
      symbols: ['ZZZZZZ'],
    });
    assert.equal(unknown.status, 422);
    assert.match(unknown.body.error.message, /ZZZZZZ/);
    const extra = await call<ErrorBody>('POST', '/sandbox/sessions', { ...twoHours, speed: 0 });
    assert.equal(extra.status, 400);
    assert.deepEqual(
      extra.body.error.details.map((d) => d.path),
      ['speed'],
    );
  });

  test('serves the whole API at its base URL, on its own account and clock', async () => {
    const session = await create();
    assert.equal(session.bars_total, 120);
    assert.equal(session.status, 'waiting');
    assert.match(session.base_url, new RegExp(`^${url}/sessions/ses_`));
    const token = await accessToken(session.base_url, key);
    const account = await api<{ account_id: string; balance: number }>(
      session.base_url,
      token,
      'GET',
      '/account',
    );
    assert.equal(account.status, 200);
    assert.equal(account.body.account_id, session.account_id);
    assert.equal(account.body.balance, 100_000);
    const candles = await api<{ candles: Candle[] }>(
      session.base_url,
      token,
      'GET',
      '/market/candles?symbol=EURUSD&limit=5',
    );
    assert.equal(candles.status, 200);
    // The clock stands at `from`: nothing later is visible.
    assert.ok(candles.body.candles.every((candle) => candle.t <= from));
    const main = await call<{ account_id: string }>('GET', '/account');
    assert.notEqual(main.body.account_id, session.account_id);
  });

  test('releases bars in lockstep; orders fill at the session clock; the report has them', async () => {
    const session = await create();
    const token = await accessToken(session.base_url, key);
    const stream = await openStream(session.base_url, token);
    await stream.subscribe({ channel: 'orders' });
    await stream.subscribe({ channel: 'candles', symbols: ['EURUSD'], interval: '1m' });
    let order: Order | undefined;
    for (let seq = 1; seq <= 120; seq++) {
      const candle = await barReleased(stream, seq);
      assert.equal(candle.t, from + (seq - 1) * 60_000);
      if (seq === 30) {
        const placed = await api<Order>(
          session.base_url,
          token,
          'POST',
          '/orders',
          marketBuy(10_000),
        );
        assert.equal(placed.status, 201);
        order = placed.body;
        assert.equal(order.fills[0].t <= from + 30 * 60_000, true);
        assert.equal(order.created_at, from + 30 * 60_000, 'placed at the close of bar 30');
      }
      // Strict lockstep: bar seq+1 is not sent before this acknowledgement.
      assert.equal(
        stream.messages.some((m) => m.channel === 'candles' && m.seq === seq + 1),
        false,
      );
      stream.send({ op: 'ack', seq });
    }
    await stream.next('finished', (m) => m.type === 'finished');
    assert.equal(stream.binaryFrames, 0, 'every message came as a text frame');
    const fill = stream.messages.find((m) => m.channel === 'orders' && m.type === 'fill');
    assert.ok(fill, 'the fill came on the orders channel');
    const report = await call<BacktestReport>('GET', `/sandbox/sessions/${session.id}/report`);
    assert.equal(report.status, 200);
    assert.equal(report.body.bars, 120);
    assert.deepEqual(
      report.body.orders.map((o) => o.id),
      [order!.id],
    );
    assert.equal(report.body.exposed_bars, 120 - 30);
    const view = await call<Session>('GET', `/sandbox/sessions/${session.id}`);
    assert.equal(view.body.status, 'finished');
    assert.equal(view.body.bars_released, 120);
    assert.equal(view.body.clock, to);
  });

  test('answers a bad ack with an error and keeps the connection', async () => {
    const session = await create();
    const token = await accessToken(session.base_url, key);
    const stream = await openStream(session.base_url, token);
    await stream.subscribe({ channel: 'candles' });
    await barReleased(stream, 1);
    const answer = await stream.request({ op: 'ack', seq: 50 }, 'error');
    assert.match(answer.error?.message ?? '', /only bars up to 1/);
    const ticks = await stream.request(
      { op: 'subscribe', channel: 'ticks', symbols: ['EURUSD'] },
      'error',
    );
    assert.match(ticks.error?.message ?? '', /bars, not ticks/);
    stream.send({ op: 'ack', seq: 1 });
    await barReleased(stream, 2);
  });

  test('batches bars on request; a request carrying X-Timber-Ack moves the clock first', async () => {
    const session = await create();
    const token = await accessToken(session.base_url, key);
    const stream = await openStream(session.base_url, token);
    await stream.subscribe({ channel: 'orders' });
    await stream.subscribe({ channel: 'candles', symbols: ['EURUSD'], interval: '1m' });
    await barReleased(stream, 1);
    stream.send({ op: 'ack', seq: 0, window: 30, batch: true });
    const batch = await stream.next('bars', (m) => m.type === 'bars');
    const rows = (batch.data as { interval: string; bars: unknown[][] }).bars;
    assert.deepEqual(
      rows.map((row) => row[0]),
      Array.from({ length: 29 }, (_, index) => index + 2),
      'bars 2..30 in one message, after the close message of bar 1',
    );
    assert.equal(batch.seq, 30);
    assert.equal(batch.t, from + 30 * 60_000, 'the envelope has the last bar and its close');
    // The same bars as `close` messages, from a session that did not ask for batches.
    const plain = await openStream((await create()).base_url, token);
    await plain.subscribe({ channel: 'candles', symbols: ['EURUSD'], interval: '1m' });
    plain.send({ op: 'ack', seq: 0, window: 30 });
    await plain.next('candle 30', (m) => m.channel === 'candles' && m.seq === 30);
    const closes = plain.messages.filter((m) => m.channel === 'candles' && (m.seq ?? 0) >= 2);
    assert.deepEqual(
      rows.map(([seq, symbol, t, o, h, l, c, v]) => ({ seq, symbol, t, o, h, l, c, v })),
      closes.map((m) => {
        const { symbol, t, o, h, l, c, v } = m.data as Candle & { symbol: string };
        return { seq: m.seq, symbol, t, o, h, l, c, v };
      }),
      "each row holds what the bar's `close` message does",
    );
    assert.ok(closes.every((m) => m.type === 'close'));

    const ack = (seq: string) => ({ 'X-Timber-Ack': seq });
    const clock = async () => (await call<Session>('GET', `/sandbox/sessions/${session.id}`)).body;
    for (const [value, problem] of [
      ['ten', /X-Timber-Ack must be the seq of the last bar .* not "ten"/],
      ['-1', /X-Timber-Ack must be/],
      ['31', /X-Timber-Ack: cannot acknowledge bar 31: only bars up to 30 have been sent/],
    ] as const) {
      const refused = await api<ErrorBody>(
        session.base_url,
        token,
        'GET',
        '/account',
        undefined,
        ack(value),
      );
      assert.equal(refused.status, 400, value);
      assert.match(refused.body.error.message, problem);
    }
    const badOrder = await api<ErrorBody>(
      session.base_url,
      token,
      'POST',
      '/orders',
      { ...marketBuy(10_000), quantity: -1 },
      ack('20'),
    );
    assert.equal(badOrder.status, 400);
    assert.equal((await clock()).bars_released, 1, 'a refused request acknowledges nothing');

    const placed = await api<Order>(
      session.base_url,
      token,
      'POST',
      '/orders',
      marketBuy(10_000),
      ack('9'),
    );
    assert.equal(placed.status, 201);
    assert.equal(placed.body.created_at, from + 10 * 60_000, 'placed at the close of bar 10');
    assert.equal((await clock()).bars_released, 10);
    const fill = await stream.next('fill', (m) => m.channel === 'orders' && m.type === 'fill');
    const advanced = stream.messages.findIndex((m) => m.type === 'advanced' && m.seq === 10);
    assert.ok(
      advanced >= 0 && advanced < stream.messages.indexOf(fill),
      '`advanced` 10 came before the order events',
    );
    const onMain = await call<ErrorBody>('GET', '/account', undefined, ack('3'));
    assert.equal(onMain.status, 400);
    assert.match(onMain.body.error.message, /this URL is not one .*session's base_url/);
  });

  test('runs at a multiple of real time without acknowledgements', async () => {
    const session = await create({ ...twoHours, speed: 120_000 });
    const token = await accessToken(session.base_url, key);
    const stream = await openStream(session.base_url, token);
    await stream.subscribe({ channel: 'candles' });
    await stream.next('finished', (m) => m.type === 'finished');
    const seqs = stream.messages.filter((m) => m.channel === 'candles').map((m) => m.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: 120 }, (_, index) => index + 1),
    );
  });

  test('is visible only to its account, and gone once deleted', async () => {
    const session = await create();
    const stranger = await createKey({ dataDir }, 'trade', 'new');
    const strangerToken = await accessToken(url, stranger);
    const peek = await api(url, strangerToken, 'GET', `/sandbox/sessions/${session.id}`);
    assert.equal(peek.status, 404);
    const listed = await call<{ sessions: Session[] }>('GET', '/sandbox/sessions');
    assert.ok(listed.body.sessions.some((s) => s.id === session.id));
    assert.equal((await call('DELETE', `/sandbox/sessions/${session.id}`)).status, 200);
    const token = await accessToken(url, key);
    const gone = await api<ErrorBody>(session.base_url, token, 'GET', '/account');
    assert.equal(gone.status, 404);
    assert.match(gone.body.error.message, /no replay session/);
  });
});

/** Waits for bar `seq`'s `advanced` and candle, checking they come in that order. */
async function barReleased(stream: TestStream, seq: number): Promise<Candle> {
  const candle = await stream.next(
    `candle ${seq}`,
    (m) => m.channel === 'candles' && m.seq === seq,
  );
  const index = stream.messages.indexOf(candle);
  const advanced = stream.messages.findIndex(
    (m: StreamMessage) => m.type === 'advanced' && m.seq === seq,
  );
  assert.ok(advanced >= 0 && advanced < index, `advanced ${seq} comes before its candle`);
  return candle.data as Candle;
}
