// A torn final journal record after a crash: garbage appended to the last segment, or its last
// record cut in half. The sandbox starts, says on stderr that it dropped the torn record, and
// still has every order acknowledged before that record, exactly as it was answered.
import assert from 'node:assert/strict';
import { appendFileSync, truncateSync } from 'node:fs';
import { after, test } from 'node:test';
import type { Order } from '../../api/orders';
import { lastSegment, records } from './fixtures/crash-journal';
import { allOrders } from './fixtures/crash-load';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

const tornMessage = /dropped a torn final journal record \((\d+) bytes\)/;

/** The sandbox of the test before; each test places orders, kills it, damages the journal, restarts it. */
let sandbox: SandboxProcess | undefined;
let token = '';
const answered: Order[] = [];

/** Places acknowledged orders (the last a market order with no client_order_id), then SIGKILLs. */
async function placeThenKill(tag: string, count: number) {
  if (!sandbox) {
    sandbox = await startSandboxProcess();
    token = await accessToken(sandbox.url, await createKey(sandbox, 'trade', 'new'));
  }
  const running = sandbox;
  const placed: Order[] = [];
  let lastRequest = { body: {} as Record<string, unknown>, key: '' };
  for (let n = 0; n < count; n++) {
    const last = n === count - 1;
    const body =
      n % 2 === 0 || last
        ? marketBuy(1000 * (n + 1), last ? {} : { client_order_id: `${tag}-${n}` })
        : {
            ...marketBuy(1000),
            order_type: 'limit',
            limit_price: 0.5,
            client_order_id: `${tag}-${n}`,
          };
    const key = `${tag}-key-${n}`;
    const answer = await api<Order>(running.url, token, 'POST', '/orders', body, {
      'Idempotency-Key': key,
    });
    assert.equal(answer.status, 201);
    placed.push(answer.body);
    lastRequest = { body, key };
  }
  await running.stop('SIGKILL');
  answered.push(...placed);
  return { dataDir: running.dataDir, placed, lastRequest };
}

async function restartExpectingTornTail(
  dataDir: string,
  droppedBytes: number,
): Promise<SandboxProcess> {
  sandbox = await startSandboxProcess({ dataDir });
  const match = tornMessage.exec(sandbox.stderr());
  assert.ok(match, `no torn-record message on stderr: ${sandbox.stderr()}`);
  assert.equal(Number(match[1]), droppedBytes);
  return sandbox;
}

function assertOrdersAsAnswered(now: readonly Order[], expected: readonly Order[]): void {
  const byId = new Map(now.map((order) => [order.id, order]));
  for (const order of expected) assert.deepEqual(byId.get(order.id), order, `order ${order.id}`);
}

test('garbage appended to the last journal segment is dropped; every order survives', async () => {
  const { dataDir } = await placeThenKill('garbage', 5);
  // A frame header claiming 50 bytes with a wrong checksum, then fewer bytes than it claims.
  const garbage = Buffer.from([
    0xde,
    0xad,
    0xbe,
    0xef,
    50,
    0,
    0,
    0x80,
    ...Buffer.from('{"type":"ord'),
  ]);
  appendFileSync(lastSegment(dataDir), garbage);
  const restarted = await restartExpectingTornTail(dataDir, garbage.length);
  assertOrdersAsAnswered(await allOrders(restarted.url, token), answered);
  // The journal is whole again: it takes new orders.
  const more = await api<Order>(restarted.url, token, 'POST', '/orders', marketBuy());
  assert.equal(more.status, 201);
  answered.push(more.body);
});

test('the last journal record cut in half is dropped; the orders before it survive', async () => {
  const { dataDir } = await placeThenKill('halved', 5);
  const segment = lastSegment(dataDir);
  const last = records(segment).at(-1)!;
  const cut = last.start + 8 + Math.floor((last.end - last.start - 8) / 2);
  truncateSync(segment, cut);
  const restarted = await restartExpectingTornTail(dataDir, cut - last.start);
  const now = await allOrders(restarted.url, token);
  // Only the order the dropped record belonged to (if any) may differ.
  assertOrdersAsAnswered(
    now,
    answered.filter((order) => !last.events.some((event) => event.order_id === order.id)),
  );
  assert.ok(now.length >= answered.length - 1);
});

test('a torn record of the last command loses its order and its idempotency record together', async () => {
  const { dataDir, lastRequest } = await placeThenKill('split', 2);
  const segment = lastSegment(dataDir);
  const last = records(segment).at(-1)!;
  // One command, one record: the order's events and its idempotency record stand or fall together.
  assert.deepEqual(
    last.events.map((event) => event.type),
    ['order_accepted', 'order_filled', 'idempotency_recorded'],
  );
  // The crash hit while that record was being written: it is incomplete.
  truncateSync(segment, last.start + 10);
  const restarted = await restartExpectingTornTail(dataDir, 10);
  const before = await allOrders(restarted.url, token);
  assert.ok(!before.some((order) => last.events.some((event) => event.order_id === order.id)));
  // That request was never answered, so the client retries it with the same key: one order.
  const retry = await api<Order>(restarted.url, token, 'POST', '/orders', lastRequest.body, {
    'Idempotency-Key': lastRequest.key,
  });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), null);
  const again = await api<Order>(restarted.url, token, 'POST', '/orders', lastRequest.body, {
    'Idempotency-Key': lastRequest.key,
  });
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(again.body, retry.body);
  assert.equal((await allOrders(restarted.url, token)).length, before.length + 1);
});
