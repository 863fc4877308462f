import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { candlesBetween, ticksBetween } from '../../../sandbox/market/feed';
import { instrumentBySymbol } from '../../../sandbox/market/instruments';
import { MarketPublisher } from '../../../sandbox/stream/market-publisher';

/** Wednesday 2024-03-06 12:00 UTC: every market open. */
const t0 = Date.UTC(2024, 2, 6, 12);
const eurusd = instrumentBySymbol('EURUSD')!;
const usdjpy = instrumentBySymbol('USDJPY')!;

interface Message {
  channel: string;
  type: string;
  seq: number;
  t: number;
  data: Record<string, unknown>;
}

/** A subscriber that keeps what it was sent, and the texts, to check they are shared. */
function collector() {
  const texts: string[] = [];
  return {
    texts,
    messages: () => texts.map((text) => JSON.parse(text) as Message),
    send: (text: string) => void texts.push(text),
  };
}

describe('the market publisher', () => {
  test('publishes every tick of the subscribed symbols once, the same text to each subscriber', () => {
    let now = t0;
    const publisher = new MarketPublisher(() => now);
    const [a, b, other] = [collector(), collector(), collector()];
    publisher.subscribeTicks(eurusd, a);
    publisher.subscribeTicks(eurusd, b);
    publisher.subscribeTicks(usdjpy, other);
    // Uneven steps, as a busy event loop makes them.
    for (const step of [7, 130, 1, 2_000, 45, 10_000, 3]) {
      now += step;
      publisher.step(now);
    }
    publisher.stop();
    const expected = ticksBetween(eurusd, t0 + 1, now);
    assert.ok(expected.length > 3);
    const got = a.messages();
    assert.deepEqual(
      got.map((m) => ({ t: m.data.t, bid: m.data.bid, ask: m.data.ask })),
      expected,
    );
    assert.ok(
      got.every((m) => m.channel === 'ticks' && m.data.symbol === 'EURUSD' && m.t === m.data.t),
    );
    assert.deepEqual(
      got.map((m) => m.seq),
      got.map((_, index) => index + 1),
    );
    // One serialisation per message: both subscribers hold the very same strings.
    assert.ok(a.texts.every((text, index) => text === b.texts[index]));
    assert.ok(other.messages().every((m) => m.data.symbol === 'USDJPY'));
  });

  test('stops sending to a subscriber that left, and continues seq for the others', () => {
    let now = t0;
    const publisher = new MarketPublisher(() => now);
    const [stays, leaves] = [collector(), collector()];
    publisher.subscribeTicks(eurusd, stays);
    publisher.subscribeTicks(eurusd, leaves);
    now += 5_000;
    publisher.step(now);
    const sentBefore = leaves.texts.length;
    publisher.unsubscribeTicks('EURUSD', leaves);
    now += 5_000;
    publisher.step(now);
    publisher.stop();
    assert.equal(leaves.texts.length, sentBefore);
    assert.ok(stays.texts.length > sentBefore);
  });

  test('candles: changed updates only, and each close equals the history for that minute', () => {
    let now = t0 + 30_000;
    const publisher = new MarketPublisher(() => now);
    const subscriber = collector();
    publisher.subscribeCandles(eurusd, '1m', subscriber);
    // Three and a half minutes in 250 ms steps, with one long stall across a whole minute.
    while (now < t0 + 240_000) {
      now += now > t0 + 100_000 && now < t0 + 101_000 ? 70_000 : 250;
      publisher.step(now);
    }
    publisher.stop();
    const messages = subscriber.messages();
    const closes = messages.filter((m) => m.type === 'close');
    assert.deepEqual(
      closes.map((m) => m.data.t),
      [t0, t0 + 60_000, t0 + 120_000, t0 + 180_000],
    );
    for (const close of closes) {
      const { symbol, interval, ...candle } = close.data;
      assert.equal(symbol, 'EURUSD');
      assert.equal(interval, '1m');
      assert.deepEqual(
        [candle],
        candlesBetween(eurusd, '1m', close.data.t as number, close.data.t as number),
      );
      assert.equal(close.t, (close.data.t as number) + 60_000);
    }
    const updates = messages.filter((m) => m.type === 'update');
    for (let index = 1; index < updates.length; index++) {
      assert.notDeepEqual(
        updates[index].data,
        updates[index - 1].data,
        'an update repeated the last one',
      );
    }
    assert.deepEqual(
      messages.map((m) => m.seq),
      messages.map((_, index) => index + 1),
    );
    // The last update shows the forming candle as the history shows it at that instant.
    const last = updates.at(-1)!;
    const forming = candlesBetween(eurusd, '1m', last.data.t as number, last.data.t as number, {
      now: last.t,
    });
    const { symbol: _symbol, interval: _interval, ...lastCandle } = last.data;
    assert.deepEqual([lastCandle], forming);
  });
});
