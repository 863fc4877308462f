// The Node SDK's stream client against a real sandbox and a replay session: the socket dies
// mid-run (killed, or starved by the heartbeat watchdog) while orders keep coming, and every
// order event still arrives exactly once, in seq order.
import { streamUrlFor } from '../../api/script-environment';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Session } from '../../api/sessions';
import type { ServerMessage } from '../../api/stream';
import { TimberClient } from '../../sdk/node/src/client';
import { StreamClient } from '../../sdk/node/src/stream';
import { stopAllSandboxes, tradingSandbox, waitFor } from './harness';

const streams = new Set<StreamClient>();
after(() => {
  for (const stream of streams) stream.close();
  return stopAllSandboxes();
});

type OrderMessage = Extract<ServerMessage, { channel: 'orders' }>;

async function setUp(silenceLimitMs?: number) {
  const { sandbox, key } = await tradingSandbox();
  const client = new TimberClient({ baseUrl: sandbox.url, keyId: key.key_id, secret: key.secret });
  const events: OrderMessage[] = [];
  let opens = 0;
  let subscribed = 0;
  const stream = new StreamClient({
    url: streamUrlFor(sandbox.url),
    token: (renew) => client.accessToken(renew),
    onMessage: (message) => {
      if ('channel' in message && message.channel === 'orders') events.push(message);
      if ('channel' in message && message.channel === 'system' && message.type === 'subscribed')
        subscribed++;
    },
    onOpen: () => opens++,
    onProblem: () => undefined,
    backoff: { baseMs: 20, capMs: 200 },
    ...(silenceLimitMs !== undefined && { silenceLimitMs }),
  });
  streams.add(stream);
  await stream.start();
  stream.subscribeAccount('orders');
  await waitFor('the orders subscription', () =>
    Promise.resolve(subscribed > 0 ? true : undefined),
  );
  return { client, stream, events, opens: () => opens };
}

const buy = {
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 1000,
  order_type: 'market',
  time_in_force: 'gtc',
} as const;

function assertEveryEventOnce(events: OrderMessage[], orderIds: string[]): void {
  const seqs = events.map((event) => event.seq);
  for (let i = 1; i < seqs.length; i++) {
    assert.equal(
      seqs[i],
      seqs[i - 1] + 1,
      `seq ${seqs[i]} follows ${seqs[i - 1]}: no gap, no duplicate`,
    );
  }
  for (const id of orderIds) {
    const types = events.filter((event) => event.data.order.id === id).map((event) => event.type);
    assert.deepEqual(types, ['accepted', 'fill'], `order ${id}`);
  }
}

test('a socket killed twice mid-run loses no order event and repeats none', async () => {
  const { client, stream, events, opens } = await setUp();
  const ids: string[] = [];
  for (let i = 0; i < 24; i++) {
    if (i === 6 || i === 15) stream.dropConnection();
    ids.push((await client.placeOrder(buy)).id);
  }
  await waitFor('every order event', () =>
    Promise.resolve(events.length >= ids.length * 2 ? true : undefined),
  );
  assert.ok(opens() >= 3, `reconnected after each kill (${opens()} connections)`);
  assertEveryEventOnce(events, ids);
});

test('the heartbeat watchdog replaces a silent connection, and resumes where it stopped', async () => {
  // Heartbeats come every 5 s: a 300 ms watchdog calls every quiet spell a dead connection.
  const { client, events, opens } = await setUp(300);
  const ids: string[] = [];
  for (let round = 0; round < 3; round++) {
    const seen = opens();
    await waitFor('a reconnect', () => Promise.resolve(opens() > seen ? true : undefined));
    for (let i = 0; i < 3; i++) ids.push((await client.placeOrder(buy)).id);
  }
  await waitFor('every order event', () =>
    Promise.resolve(events.length >= ids.length * 2 ? true : undefined),
  );
  assertEveryEventOnce(events, ids);
});

test('a replay session: an order filled while the stream was down, before any event had come, arrives after the reconnect', async () => {
  // A backtest stalled for good when its stream dropped around its first order: the client had
  // no seq to resume from, subscribed again without one, and never saw the fill it waited for.
  const { key, call } = await tradingSandbox();
  const created = await call<Session>('POST', '/sandbox/sessions', {
    symbols: ['EURUSD'],
    interval: '1m',
    from: Date.UTC(2024, 2, 6, 12, 0),
    to: Date.UTC(2024, 2, 6, 14, 0),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const session = created.body;
  const client = new TimberClient({
    baseUrl: session.base_url,
    keyId: key.key_id,
    secret: key.secret,
  });
  // The reconnect waits for this: the order is placed and filled while no connection is up.
  let allowReconnect!: () => void;
  const reconnectAllowed = new Promise<void>((resolve) => (allowReconnect = resolve));
  let connects = 0;
  const messages: ServerMessage[] = [];
  const stream = new StreamClient({
    url: session.stream_url,
    token: async (renew) => {
      if (connects++ > 0) await reconnectAllowed;
      return client.accessToken(renew);
    },
    onMessage: (message) => messages.push(message),
    onProblem: () => undefined,
    backoff: { baseMs: 1, capMs: 1 },
  });
  streams.add(stream);
  const advancedCount = () =>
    messages.filter((m) => 'channel' in m && m.channel === 'session' && m.type === 'advanced')
      .length;
  await stream.start();
  stream.subscribeAccount('orders');
  await stream.positioned();
  stream.subscribeMarket('candles', ['EURUSD'], '1m');
  await waitFor('bar 1', () => Promise.resolve(advancedCount() > 0 ? true : undefined));
  stream.dropConnection();
  await waitFor('the client to reconnect', () => Promise.resolve(connects > 1 ? true : undefined));
  const order = await client.placeOrder(buy);
  assert.equal(order.status, 'filled');
  allowReconnect();
  // The orders subscription goes before the candles one, so its backlog comes before the
  // `advanced` a returning driver is sent.
  await waitFor('the returning driver to be told where the clock stands', () =>
    Promise.resolve(advancedCount() > 1 ? true : undefined),
  );
  const events = messages.filter(
    (m): m is OrderMessage => 'channel' in m && m.channel === 'orders',
  );
  assert.deepEqual(
    events.map((event) => [event.type, event.data.order.id]),
    [
      ['accepted', order.id],
      ['fill', order.id],
    ],
  );
});
