// The strategy runtime's order placement: recognisable intents, orders that reduce a position
// passing an open breaker, skipped orders said in a line, and an earlier run's same order reused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Order, OrderRequest } from '../../../api/orders';
import { ClientOrderId } from '../../../api/orders';
import { TimberClient } from '../../../sdk/node/src/client';
import { CircuitOpenError } from '../../../sdk/node/src/errors';
import { IntentIds, intentId, strategyIdOf } from '../../../sdk/node/src/intents';
import { OrderPlacer, onlyReduces } from '../../../sdk/node/src/placement';
import { FakeApi, errorBody, order, orderRequest, tokenAnswer } from './fake-api';

const minute = 60_000;
const barOpen = Date.UTC(2024, 2, 6, 12, 0);

test('ids: strategy, bar open time in base 36, place in the bar from 1', () => {
  const ids = new IntentIds('Flip', minute);
  assert.equal(ids.next(barOpen + 1_000), `Flip-${barOpen.toString(36)}-1`);
  assert.equal(ids.next(barOpen + 59_999), `Flip-${barOpen.toString(36)}-2`);
  assert.equal(ids.next(barOpen + minute), `Flip-${(barOpen + minute).toString(36)}-1`);
  assert.equal(intentId('Flip', barOpen, 3), `Flip-${barOpen.toString(36)}-3`);
});

test('a restarted script numbers the same bar the same way', () => {
  const first = new IntentIds('Flip', minute);
  const restarted = new IntentIds('Flip', minute);
  assert.equal(first.next(barOpen + 5_000), restarted.next(barOpen + 20_000));
});

test("a strategy's name becomes a valid id part, whatever it holds", () => {
  assert.equal(strategyIdOf('SMA crossover (5/20)'), 'SMA_crossover__5_20_');
  assert.equal(strategyIdOf('é'), '_');
  const long = strategyIdOf('x'.repeat(100));
  assert.equal(long.length, 40);
  const id = new IntentIds(long, 86_400_000).next(Date.UTC(5000, 0, 1));
  assert.ok(id.length <= 64, id);
  assert.equal(ClientOrderId.safeParse(`${id}123456789`).success, true, 'room for big counts');
});

const position = (symbol: string, quantity: number, open: Order[] = []) => ({
  position: (s: string) => (s === symbol ? quantity : 0),
  openOrders: (s?: string) => open.filter((o) => s === undefined || o.symbol === s),
});

test('only an order toward flat, not past it, reduces a position', () => {
  const sell = (quantity: number, extra: Partial<OrderRequest> = {}): OrderRequest => ({
    ...orderRequest,
    action: 'sell',
    quantity,
    ...extra,
  });
  assert.equal(onlyReduces(sell(1000), 1000, []), true);
  assert.equal(onlyReduces(sell(500), 1000, []), true);
  assert.equal(onlyReduces(sell(2000), 1000, []), false, 'a flip opens a short');
  assert.equal(onlyReduces(sell(1000), 0, []), false);
  assert.equal(onlyReduces(sell(1000), -1000, []), false);
  assert.equal(onlyReduces({ ...orderRequest }, -1000, []), true);
  const resting = order({ action: 'sell', quantity: 800, filled_quantity: 0, status: 'open' });
  assert.equal(onlyReduces(sell(500), 1000, [resting as Order]), false, 'with the resting sell');
  assert.equal(onlyReduces(sell(200), 1000, [resting as Order]), true);
  assert.equal(onlyReduces(sell(500, { take_profit: 1 }), 1000, []), false, 'exits reopen');
});

function placerOn(api: FakeApi, held: ReturnType<typeof position>) {
  const lines: string[] = [];
  const client = new TimberClient({
    baseUrl: 'http://api.test',
    keyId: 'k',
    secret: 's',
    transport: api.transport,
    now: () => api.now,
    sleep: () => Promise.resolve(),
    breaker: { latencyLimitMs: 1000 },
  });
  const placer = new OrderPlacer(
    client,
    held,
    new IntentIds('Flip', minute),
    () => barOpen + 1_000,
    (line) => lines.push(line),
  );
  return { placer, client, lines };
}

const sentIds = (api: FakeApi) =>
  api.sent('POST /orders').map((r) => (JSON.parse(r.body!) as OrderRequest).client_order_id);

test('orders go out under derived ids; a strategy that names its own keeps it', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', { status: 201, body: order() });
  const { placer } = placerOn(api, position('EURUSD', 0));
  await placer.place(orderRequest);
  await placer.place({ ...orderRequest, client_order_id: 'own' });
  await placer.place(orderRequest);
  const bar = barOpen.toString(36);
  assert.deepEqual(sentIds(api), [`Flip-${bar}-1`, 'own', `Flip-${bar}-2`]);
});

test('with the breaker open, an order adding exposure is skipped with a line; a close goes', async () => {
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('GET /account', { status: 503, body: errorBody('unavailable', 'down') })
    .on('POST /orders', { status: 201, body: order({ action: 'sell' }) });
  const { placer, client, lines } = placerOn(api, position('EURUSD', 1000));
  await assert.rejects(client.account());
  assert.equal(client.breaker.state, 'open');
  await assert.rejects(placer.place(orderRequest), CircuitOpenError);
  assert.equal(api.sent('POST /orders').length, 0);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /^2024-03-06 12:00:01Z order skipped: buy 1000 EURUSD market: orders that open or add to a position are paused: the circuit breaker opened because 5 requests failed in a row, the last: HTTP 503 from GET \/account; one trial order may go through in \d+\.\d s$/,
  );
  await placer.place({ ...orderRequest, action: 'sell' });
  assert.equal(api.sent('POST /orders').length, 1, 'the reducing sell went through');
});

const idTaken = {
  status: 409,
  body: {
    error: {
      code: 'conflict',
      message: 'client_order_id is already used',
      details: [{ path: 'client_order_id', message: 'is already used by order ord_9' }],
      request_id: 'r',
    },
  },
};

test('an intent an earlier run placed answers with that order, not a second one', async () => {
  const bar = barOpen.toString(36);
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', idTaken)
    .on('GET /orders', {
      body: {
        orders: [order({ id: 'ord_9', client_order_id: `Flip-${bar}-1` })],
        next_cursor: null,
      },
    });
  const { placer, lines } = placerOn(api, position('EURUSD', 0));
  const placed = await placer.place(orderRequest);
  assert.equal(placed.id, 'ord_9');
  assert.equal(api.sent('POST /orders').length, 1);
  assert.match(
    lines[0],
    /order ord_9 \(client_order_id Flip-\w+-1\) is this same order, placed by an earlier run/,
  );
});

test('an id held by a different order moves on to the next id', async () => {
  const bar = barOpen.toString(36);
  const api = new FakeApi()
    .on('POST /oauth/token', tokenAnswer())
    .on('POST /orders', idTaken, { status: 201, body: order({ id: 'ord_new' }) })
    .on('GET /orders', {
      body: {
        orders: [order({ id: 'ord_9', client_order_id: `Flip-${bar}-1`, quantity: 5000 })],
        next_cursor: null,
      },
    });
  const { placer } = placerOn(api, position('EURUSD', 0));
  assert.equal((await placer.place(orderRequest)).id, 'ord_new');
  assert.deepEqual(sentIds(api), [`Flip-${bar}-1`, `Flip-${bar}-2`]);
});
