import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Candle } from '../../../api/market';
import { OrderRequest } from '../../../api/orders';
import type { CreateSessionRequest } from '../../../api/sessions';
import { RateLimiter } from '../../../sandbox/http/rate-limit';
import { TokenAuthority } from '../../../sandbox/service/tokens';
import { candlesBetween } from '../../../sandbox/market/feed';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';
import { Replay } from '../../../sandbox/replay/replay';
import type { FeedClient } from '../../../sandbox/sessions/feed';
import { ReplaySession } from '../../../sandbox/sessions/session';
import { KeyState } from '../../../sandbox/service/keys';

// A Wednesday afternoon: EURUSD trades throughout.
const from = Date.UTC(2024, 2, 6, 12, 0);
const to = Date.UTC(2024, 2, 6, 14, 0);

function session(overrides: Partial<CreateSessionRequest> = {}): ReplaySession {
  const request: CreateSessionRequest = {
    symbols: ['EURUSD'],
    interval: '1m',
    from,
    to,
    speed: 'max',
    balance: 100_000,
    ...overrides,
  };
  return new ReplaySession('ses_test', 'acc_owner', request, {
    keys: new KeyState(),
    tokens: new TokenAuthority(randomBytes(32)),
    baseUrl: 'http://127.0.0.1:1',
    keyLimiter: new RateLimiter(10_000),
    addressLimiter: new RateLimiter(10_000),
    log: () => undefined,
  });
}

interface Message {
  channel?: string;
  type: string;
  seq: number;
  t: number;
  data: Record<string, unknown>;
}

class Client implements FeedClient {
  wantsOrders = true;
  wantsAccount = false;
  wantsCandles = true;
  bufferedBytes = 0;
  readonly messages: Message[] = [];
  send(text: string): void {
    this.messages.push(JSON.parse(text) as Message);
  }
  take(): Message[] {
    return this.messages.splice(0);
  }
}

const kinds = (messages: Message[]) => messages.map((m) => `${m.channel}:${m.type}:${m.seq}`);

/** What a test strategy does at a bar: deterministic, with resting orders and exits. */
function ordersAt(seq: number, candle: Candle): OrderRequest[] {
  if (seq % 7 === 0) {
    return [
      OrderRequest.parse({
        symbol: 'EURUSD',
        action: 'buy',
        quantity: 1000,
        order_type: 'limit',
        limit_price: Number((candle.c - 0.0002).toFixed(5)),
        stop_loss: Number((candle.c - 0.002).toFixed(5)),
        take_profit: Number((candle.c + 0.0003).toFixed(5)),
        time_in_force: 'gtc',
      }),
    ];
  }
  if (seq % 11 === 0) {
    return [
      OrderRequest.parse({
        symbol: 'EURUSD',
        action: 'sell',
        quantity: 500,
        order_type: 'market',
        time_in_force: 'ioc',
      }),
    ];
  }
  return [];
}

void describe('replay session feed (lockstep)', () => {
  void it('releases one bar per acknowledgement, events before `advanced` before the candle', () => {
    const replaySession = session();
    const client = new Client();
    replaySession.feed.attach(client);
    replaySession.feed.drive(client);
    assert.deepEqual(kinds(client.take()), [
      'session:started:0',
      'session:advanced:1',
      'candles:close:1',
    ]);
    assert.deepEqual(client.take(), [], 'nothing more before the acknowledgement');
    assert.equal(replaySession.feed.ack(1, undefined), undefined);
    assert.deepEqual(kinds(client.take()), ['session:advanced:2', 'candles:close:2']);
    assert.match(replaySession.feed.ack(5, undefined) ?? '', /only bars up to 2 have been sent/);
  });

  void it('sends candles equal to the market history, then `finished` after the last acknowledgement', () => {
    const replaySession = session();
    const client = new Client();
    replaySession.feed.attach(client);
    replaySession.feed.drive(client);
    const candles: Message[] = [];
    for (let seq = 1; replaySession.status === 'running'; seq++) {
      candles.push(...client.messages.filter((m) => m.channel === 'candles'));
      client.take();
      replaySession.feed.ack(seq, undefined);
    }
    assert.equal(client.take().at(-1)?.type, 'finished');
    const history = candlesBetween(instrumentBySymbol('EURUSD')!, '1m', from, to - 60_000);
    assert.equal(candles.length, history.length);
    assert.equal(replaySession.barsTotal, history.length);
    candles.forEach((message, index) => {
      assert.equal(message.seq, index + 1);
      assert.equal(message.t, history[index].t + 60_000);
      assert.deepEqual(
        { ...message.data, symbol: undefined, interval: undefined },
        {
          ...history[index],
          symbol: undefined,
          interval: undefined,
        },
      );
    });
  });

  void it('sends up to `window` candles ahead of the clock without moving it', () => {
    const replaySession = session();
    const client = new Client();
    replaySession.feed.attach(client);
    replaySession.feed.drive(client);
    client.take();
    replaySession.feed.ack(1, 10);
    const messages = client.take();
    assert.deepEqual(
      messages.filter((m) => m.channel === 'session').map((m) => m.seq),
      [2],
      'the clock moved one bar',
    );
    assert.deepEqual(
      messages.filter((m) => m.channel === 'candles').map((m) => m.seq),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.equal(replaySession.replay.now(), from + 2 * 60_000);
  });

  void it('answers one acknowledgement of many bars with one `advanced`, where the clock stopped', () => {
    const replaySession = session();
    const client = new Client();
    replaySession.feed.attach(client);
    replaySession.feed.drive(client);
    client.take();
    replaySession.feed.ack(1, 64);
    client.take();
    replaySession.feed.ack(40, 64);
    const advanced = client.take().filter((m) => m.type === 'advanced');
    assert.deepEqual(
      advanced.map((m) => m.seq),
      [41],
    );
    assert.equal(advanced[0].t, from + 41 * 60_000);
    assert.equal(replaySession.replay.now(), from + 41 * 60_000);
  });

  void it('fills exactly as the in-process path does, whatever the window', () => {
    const inProcess = new Replay({
      symbols: ['EURUSD'],
      interval: '1m',
      from,
      to,
      balance: 100_000,
    });
    for (let step = inProcess.next(); step; step = inProcess.next()) {
      for (const request of ordersAt(step.bar.seq, step.bar.candle)) inProcess.placeOrder(request);
    }
    for (const [window, batch] of [
      [1, false],
      [16, false],
      [16, true],
    ] as const) {
      const replaySession = session();
      const client = new Client();
      replaySession.feed.attach(client);
      replaySession.feed.drive(client);
      const candles = new Map<number, Candle>();
      let eventsBeforeAdvanced = 0;
      for (let seq = 1; replaySession.status === 'running'; seq++) {
        // Everything up to `advanced` seq is here; place this bar's orders, then acknowledge.
        for (const message of client.take()) {
          if (message.type === 'close') candles.set(message.seq, message.data as unknown as Candle);
          if (message.type === 'bars') {
            for (const [seq, , t, o, h, l, c, v] of message.data.bars as number[][])
              candles.set(seq, { t, o, h, l, c, v });
          }
          if (message.channel === 'orders' && message.type !== 'accepted') eventsBeforeAdvanced++;
        }
        for (const request of ordersAt(seq, candles.get(seq)!)) {
          void replaySession.sandbox.placeOrder(
            replaySession.accountId,
            request,
            undefined,
            'req',
            replaySession.replay.now(),
          );
        }
        replaySession.feed.ack(seq, window, batch);
      }
      assert.ok(
        eventsBeforeAdvanced > 0,
        'the market filled resting orders or fired exits between bars',
      );
      const strip = (orders: { id: string }[]) => JSON.stringify(orders);
      assert.equal(
        strip(replaySession.replay.orders()),
        strip(inProcess.orders()),
        `window ${window}, batch ${batch}: orders`,
      );
      assert.equal(
        strip(replaySession.replay.fills()),
        strip(inProcess.fills()),
        `window ${window}, batch ${batch}: fills`,
      );
      assert.ok(inProcess.fills().length > 5);
    }
  });

  void it('batches the bars released at once after the events and `advanced`; a returning driver gets the rest batched', () => {
    const replaySession = session();
    const client = new Client();
    replaySession.feed.attach(client);
    replaySession.feed.drive(client);
    client.take();
    replaySession.feed.ack(1, 8, true);
    assert.deepEqual(kinds(client.take()), ['session:advanced:2', 'candles:bars:9']);
    replaySession.feed.ack(5, undefined);
    const messages = client.take();
    assert.deepEqual(kinds(messages), ['session:advanced:6', 'candles:bars:13']);
    assert.deepEqual(
      (messages[1].data.bars as number[][]).map((row) => row[0]),
      [10, 11, 12, 13],
    );
    const returning = new Client();
    replaySession.feed.attach(returning);
    replaySession.feed.detach(client);
    replaySession.feed.drive(returning);
    const resent = returning.take();
    assert.deepEqual(kinds(resent), ['session:advanced:6', 'candles:bars:13']);
    assert.deepEqual(
      (resent[1].data.bars as number[][]).map((row) => row[0]),
      [6, 7, 8, 9, 10, 11, 12, 13],
      'every bar not acknowledged, the bar the clock stands at first',
    );
  });

  void it('reports `quiet` only when nothing is open', () => {
    const replaySession = session();
    const client = new Client();
    replaySession.feed.attach(client);
    replaySession.feed.drive(client);
    const first = client.take().find((m) => m.type === 'advanced')!;
    assert.equal(first.data.quiet, true);
    const candle = candlesBetween(instrumentBySymbol('EURUSD')!, '1m', from, from)[0];
    void replaySession.sandbox.placeOrder(
      replaySession.accountId,
      OrderRequest.parse({
        symbol: 'EURUSD',
        action: 'buy',
        quantity: 1000,
        order_type: 'limit',
        limit_price: Number((candle.c - 0.01).toFixed(5)),
        time_in_force: 'gtc',
      }),
      undefined,
      'req',
      replaySession.replay.now(),
    );
    replaySession.feed.ack(1, undefined);
    const second = client.take().find((m) => m.type === 'advanced')!;
    assert.equal(second.data.quiet, false);
  });
});
