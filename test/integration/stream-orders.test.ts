import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Key, SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
  waitFor,
} from './harness';
import type { StreamMessage, TestStream } from './stream-harness';
import { closeAllStreams, openStream } from './stream-harness';

after(async () => {
  closeAllStreams();
  await stopAllSandboxes();
});

interface OrderData {
  order: { id: string; status: string; filled_quantity: number; fills: unknown[] };
  fill?: { id: string; price: number; quantity: number };
}
interface AccountData {
  account_id: string;
  balance: number;
  positions: { symbol: string; quantity: number }[];
}

const ofChannel = (channel: string) => (m: StreamMessage) => m.channel === channel;

/** Seqs of a channel's messages in arrival order. */
const seqs = (stream: TestStream, channel: string) =>
  stream.messages.filter(ofChannel(channel)).map((m) => m.seq);

async function placeOrder(url: string, token: string, body: unknown) {
  const answer = await api<{ id: string; status: string }>(url, token, 'POST', '/orders', body);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

describe('the orders and account channels', () => {
  let sandbox: SandboxProcess;
  let key: Key;
  let token: string;

  test('a market order over REST: accepted and fill on orders, an update on account', async () => {
    sandbox = await startSandboxProcess();
    key = await createKey(sandbox, 'trade', 'new');
    token = await accessToken(sandbox.url, key);
    const stream = await openStream(sandbox.url, token);
    const orders = await stream.subscribe({ channel: 'orders' });
    assert.equal((orders.data as { seq: number }).seq, 0);
    const account = await stream.subscribe({ channel: 'account' });
    assert.equal((account.data as { seq: number }).seq, 1);

    const placed = await placeOrder(sandbox.url, token, marketBuy(1000));
    const fill = await stream.next('the fill', (m) => m.channel === 'orders' && m.type === 'fill');
    const accepted = stream.messages.find((m) => m.channel === 'orders' && m.type === 'accepted');
    assert.equal(accepted?.seq, 1);
    assert.equal((accepted?.data as OrderData).order.status, 'open');
    assert.equal((accepted?.data as OrderData).order.id, placed.id);
    assert.equal(fill.seq, 2);
    const filled = fill.data as OrderData;
    assert.equal(filled.order.status, 'filled');
    assert.equal(filled.fill?.quantity, 1000);
    const update = await stream.next('the account update', ofChannel('account'));
    assert.equal(update.seq, 2);
    const view = update.data as AccountData;
    assert.equal(view.account_id, key.account_id);
    assert.deepEqual(
      view.positions.map((position) => [position.symbol, position.quantity]),
      [['EURUSD', 1000]],
    );
    // The stream's account update is what GET /account says (balance moved by the fee).
    const rest = await api<AccountData>(sandbox.url, token, 'GET', '/account');
    assert.equal(view.balance, rest.body.balance);
  });

  test('a resting limit order filled by the live matcher arrives as a fill', async () => {
    const stream = await openStream(sandbox.url, token);
    await stream.subscribe({ channel: 'orders' });
    // A buy one tick under the ask fills as soon as the ask comes down to it.
    const order = await waitFor('a limit order that rests', async () => {
      const quote = await api<{ quote: { ask: number } }>(
        sandbox.url,
        token,
        'GET',
        '/market/EURUSD',
      );
      const limit = Number((quote.body.quote.ask - 0.00001).toFixed(5));
      const placed = await placeOrder(sandbox.url, token, {
        ...marketBuy(1000),
        order_type: 'limit',
        limit_price: limit,
      });
      if (placed.status === 'open') return placed;
      return undefined;
    });
    const fill = await stream.next(
      `the matcher's fill of ${order.id}`,
      (m) => m.type === 'fill' && (m.data as OrderData).order.id === order.id,
      { timeoutMs: 90_000 },
    );
    assert.equal((fill.data as OrderData).order.status, 'filled');
    const all = seqs(stream, 'orders');
    assert.deepEqual(
      all,
      all.map((_, index) => (all[0] ?? 0) + index),
    );
  });

  test('a reconnect with since_seq gets exactly the missed events, then live ones', async () => {
    const first = await openStream(sandbox.url, token);
    const subscribed = await first.subscribe({ channel: 'orders' });
    const seen = (subscribed.data as { seq: number }).seq;
    first.close();
    await first.closed;
    // Missed while disconnected: two orders, four events.
    await placeOrder(sandbox.url, token, marketBuy(1000));
    await placeOrder(sandbox.url, token, marketBuy(2000));
    const second = await openStream(sandbox.url, token);
    await second.subscribe({ channel: 'orders', since_seq: seen });
    await second.next('four missed events', () => seqs(second, 'orders').length >= 4);
    await placeOrder(sandbox.url, token, marketBuy(3000));
    await second.next('six events', () => seqs(second, 'orders').length >= 6);
    assert.deepEqual(
      seqs(second, 'orders'),
      [1, 2, 3, 4, 5, 6].map((n) => seen + n),
    );
    const types = second.messages.filter(ofChannel('orders')).map((m) => m.type);
    assert.deepEqual(types, ['accepted', 'fill', 'accepted', 'fill', 'accepted', 'fill']);
    const account = await openStream(sandbox.url, token);
    const accountNow = await account.subscribe({ channel: 'account' });
    const accountSeq = (accountNow.data as { seq: number }).seq;
    const replayed = await openStream(sandbox.url, token);
    await replayed.subscribe({ channel: 'account', since_seq: accountSeq - 2 });
    await replayed.next('two account updates', () => seqs(replayed, 'account').length >= 2);
    assert.deepEqual(seqs(replayed, 'account'), [accountSeq - 1, accountSeq]);
  });

  test('after a SIGTERM restart, since_seq resumes from the store with the same messages', async () => {
    // Everything of this account so far, as it was sent live.
    const live = await openStream(sandbox.url, token);
    const now = await live.subscribe({ channel: 'orders', since_seq: 0 });
    const total = (now.data as { seq: number }).seq;
    await live.next(`${total} order events`, () => seqs(live, 'orders').length >= total);
    const liveAccount = await openStream(sandbox.url, token);
    const accountNow = await liveAccount.subscribe({ channel: 'account', since_seq: 0 });
    const accountTotal = (accountNow.data as { seq: number }).seq;
    await liveAccount.next(
      'account updates',
      () => seqs(liveAccount, 'account').length >= accountTotal,
    );
    const before = live.messages.filter(ofChannel('orders'));
    const accountBefore = liveAccount.messages.filter(ofChannel('account'));
    closeAllStreams();

    assert.equal(await sandbox.stop('SIGTERM'), 0);
    sandbox = await startSandboxProcess({ dataDir: sandbox.dataDir });
    await placeOrder(sandbox.url, token, marketBuy(1000));

    const resumed = await openStream(sandbox.url, token);
    const after = await resumed.subscribe({ channel: 'orders', since_seq: 0 });
    assert.equal((after.data as { seq: number }).seq, total + 2);
    await resumed.next('every order event', () => seqs(resumed, 'orders').length >= total + 2);
    const again = resumed.messages.filter(ofChannel('orders'));
    assert.deepEqual(again.slice(0, total), before);
    assert.deepEqual(
      seqs(resumed, 'orders'),
      again.map((_, index) => index + 1),
    );
    const resumedAccount = await openStream(sandbox.url, token);
    await resumedAccount.subscribe({ channel: 'account', since_seq: 0 });
    await resumedAccount.next(
      'account updates',
      () => seqs(resumedAccount, 'account').length >= accountTotal + 1,
    );
    assert.deepEqual(
      resumedAccount.messages.filter(ofChannel('account')).slice(0, accountTotal),
      accountBefore,
    );
    // A resume from part-way, across the restart, has no gap and no duplicate.
    const partial = await openStream(sandbox.url, token);
    await partial.subscribe({ channel: 'orders', since_seq: total - 1 });
    await partial.next('three events', () => seqs(partial, 'orders').length >= 3);
    await placeOrder(sandbox.url, token, marketBuy(1000));
    await partial.next('five events', () => seqs(partial, 'orders').length >= 5);
    assert.deepEqual(
      seqs(partial, 'orders'),
      [0, 1, 2, 3, 4].map((n) => total + n),
    );
  });

  test('a resume from a seq ahead of the account is refused in words', async () => {
    const stream = await openStream(sandbox.url, token);
    const from = stream.messages.length;
    stream.send({ op: 'subscribe', channel: 'orders', since_seq: 1_000_000 });
    const error = await stream.next('an error', (m) => m.type === 'error', { from });
    assert.match(error.error?.message ?? '', /ahead of this account's latest orders seq/);
  });
});
