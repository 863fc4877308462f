// A session's stream connections as the wiring sees them, without sockets: what a subscription
// answers, and what a connection that replaces a dropped one is sent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { OrderRequest } from '../../../api/orders';
import { RateLimiter } from '../../../sandbox/http/rate-limit';
import { TokenAuthority } from '../../../sandbox/service/tokens';
import { ReplaySession } from '../../../sandbox/sessions/session';
import { sessionStreamBackend } from '../../../sandbox/sessions/stream';
import type { StreamConnection, StreamSink } from '../../../sandbox/stream/backend';
import { KeyState } from '../../../sandbox/service/keys';

const from = Date.UTC(2024, 2, 6, 12, 0);
const to = Date.UTC(2024, 2, 6, 14, 0);

interface Message {
  channel: string;
  type: string;
  seq: number;
  data: { channel?: string; seq?: number; order?: { id: string } };
}

/** One connection's end of the wire: every message the session sent it. */
class Peer {
  readonly messages: Message[] = [];
  readonly sink: StreamSink = {
    send: (message) => {
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      this.messages.push(JSON.parse(text) as Message);
    },
    error: (code, message) => assert.fail(`unexpected error ${code}: ${message}`),
    system: (type, data) =>
      this.messages.push({ channel: 'system', type, seq: 0, data: data as Message['data'] }),
    bufferedBytes: 0,
  };
}

function setUp() {
  const tokens = new TokenAuthority(randomBytes(32));
  const session = new ReplaySession(
    'ses_test',
    'acc_owner',
    { symbols: ['EURUSD'], interval: '1m', from, to, speed: 'max', balance: 100_000 },
    {
      keys: new KeyState(),
      tokens,
      baseUrl: 'http://127.0.0.1:1',
      keyLimiter: new RateLimiter(10_000),
      addressLimiter: new RateLimiter(10_000),
      log: () => undefined,
    },
  );
  const backend = sessionStreamBackend(session, new KeyState(), tokens);
  const principal = {
    keyId: 'key_owner',
    accountId: session.accountId,
    scope: 'trade' as const,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
  const connect = (): { peer: Peer; connection: StreamConnection } => {
    const peer = new Peer();
    return { peer, connection: backend.connect(principal, peer.sink) };
  };
  const buy = async (): Promise<string> => {
    const answer = await session.sandbox.placeOrder(
      session.accountId,
      OrderRequest.parse({
        symbol: 'EURUSD',
        action: 'buy',
        quantity: 1000,
        order_type: 'market',
        time_in_force: 'ioc',
      }),
      undefined,
      'req',
      session.replay.now(),
    );
    assert.equal(answer.status, 201, answer.body);
    return (JSON.parse(answer.body) as { id: string }).id;
  };
  return { session, connect, buy };
}

const subscribedTo = (peer: Peer, channel: string) =>
  peer.messages.find((m) => m.type === 'subscribed' && m.data.channel === channel);

void describe('replay session stream', () => {
  void it('says where the orders and account channels stand when subscribed, as the live stream does', async () => {
    const { connect, buy } = setUp();
    const first = connect();
    first.connection.subscribe({ op: 'subscribe', channel: 'orders' });
    first.connection.subscribe({ op: 'subscribe', channel: 'account' });
    assert.equal(subscribedTo(first.peer, 'orders')?.data.seq, 0);
    assert.equal(subscribedTo(first.peer, 'account')?.data.seq, 0);
    await buy();
    const second = connect();
    second.connection.subscribe({ op: 'subscribe', channel: 'orders' });
    const orderEvents = first.peer.messages.filter((m) => m.channel === 'orders').length;
    assert.ok(orderEvents >= 2, 'the order was accepted and filled');
    assert.equal(subscribedTo(second.peer, 'orders')?.data.seq, orderEvents);
  });

  void it('resumes a client that saw no event before its connection dropped: the gap is not lost', async () => {
    // The stall of a backtest whose stream dropped at its first order: the client, told no seq,
    // subscribed again without since_seq, never saw its order fill, and so never acknowledged
    // the bar again.
    const { session, connect, buy } = setUp();
    const dropped = connect();
    dropped.connection.subscribe({ op: 'subscribe', channel: 'orders' });
    dropped.connection.subscribe({ op: 'subscribe', channel: 'candles' });
    const position = subscribedTo(dropped.peer, 'orders')?.data.seq;
    dropped.connection.close();
    // Between the drop and the reconnect: a request carrying the ack of bar 1 moves the clock to
    // bar 2, and the order it places fills there.
    assert.equal(session.feed.ackFromRequest(1), undefined);
    const orderId = await buy();
    const returning = connect();
    returning.connection.subscribe({
      op: 'subscribe',
      channel: 'orders',
      ...(position !== undefined && { since_seq: position }),
    });
    returning.connection.subscribe({ op: 'subscribe', channel: 'candles' });
    const resent = returning.peer.messages.filter((m) => m.channel !== 'system');
    assert.deepEqual(
      resent.map((m) => `${m.channel}:${m.type}:${m.seq}`),
      ['orders:accepted:1', 'orders:fill:2', 'session:advanced:2', 'candles:close:2'],
      'the events of the gap, then where the clock stands, then the bar not acknowledged',
    );
    assert.ok(resent.slice(0, 2).every((m) => m.data.order?.id === orderId));
  });
});
