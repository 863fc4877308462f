import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseClientFrame, subscriptionKeys } from '../../../sandbox/stream/protocol';

const text = (value: unknown) =>
  parseClientFrame(
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    false,
    65_536,
  );

function refusal(value: unknown): string {
  const parsed = text(value);
  assert.equal(parsed.ok, false, `${JSON.stringify(value)} was accepted`);
  return parsed.ok ? '' : parsed.message;
}

describe('parseClientFrame', () => {
  test('accepts every op of the contract', () => {
    for (const message of [
      { op: 'auth', token: 'tbat_x' },
      { op: 'subscribe', channel: 'ticks', symbols: ['EURUSD'] },
      { op: 'subscribe', channel: 'candles', symbols: ['EURUSD'], interval: '5m' },
      { op: 'subscribe', channel: 'orders', since_seq: 0 },
      { op: 'unsubscribe', channel: 'account' },
      { op: 'ping' },
      { op: 'ack', seq: 3, window: 8 },
    ]) {
      const parsed = text(message);
      assert.ok(parsed.ok, JSON.stringify(message));
      assert.deepEqual(parsed.message, message);
    }
  });

  test('says what is wrong, naming the field', () => {
    assert.match(refusal('{"op":'), /not JSON/);
    assert.match(refusal('"ping"'), /JSON object/);
    assert.match(refusal(null), /JSON object/);
    assert.match(
      refusal({}),
      /"op" must be one of auth, subscribe, unsubscribe, ping, ack; got none/,
    );
    assert.match(refusal({ op: 'PING' }), /got "PING"/);
    assert.match(
      refusal({ op: 'subscribe', channel: 'news' }),
      /subscribe message is invalid: channel/,
    );
    assert.match(refusal({ op: 'subscribe', channel: 'ticks', symbols: 'EURUSD' }), /symbols/);
    assert.match(refusal({ op: 'subscribe', channel: 'ticks', interval: '2m' }), /interval/);
    assert.match(refusal({ op: 'ping', token: 'x' }), /token is not a recognised field/);
    assert.match(refusal({ op: 'ack', seq: 1.5 }), /seq/);
    assert.match(refusal({ op: 'auth', token: '' }), /token/);
  });

  test('refuses binary frames, invalid UTF-8 and oversized messages', () => {
    const binary = parseClientFrame(Buffer.from('{"op":"ping"}'), true, 65_536);
    assert.ok(!binary.ok && /binary frames/.test(binary.message));
    const latin = parseClientFrame(Buffer.from([0x7b, 0xff, 0x7d]), false, 65_536);
    assert.ok(!latin.ok && /UTF-8/.test(latin.message));
    const big = parseClientFrame(Buffer.alloc(70_000, 0x20), false, 65_536);
    assert.ok(!big.ok && /70000 bytes; the limit is 65536/.test(big.message));
  });

  test('never throws: any bytes give a message or an invalid_request', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, isBinary) => {
        const parsed = parseClientFrame(Buffer.from(bytes), isBinary, 200);
        if (!parsed.ok) {
          assert.equal(parsed.code, 'invalid_request');
          assert.ok(parsed.message.length > 10);
        }
      }),
    );
  });
});

describe('subscriptionKeys', () => {
  test('one key per symbol, candles per interval (1m by default), one for account channels', () => {
    assert.deepEqual(subscriptionKeys({ channel: 'ticks', symbols: ['A1', 'B2'] }), [
      'ticks:A1',
      'ticks:B2',
    ]);
    assert.deepEqual(subscriptionKeys({ channel: 'candles', symbols: ['A1'] }), ['candles:1m:A1']);
    assert.deepEqual(subscriptionKeys({ channel: 'candles', symbols: ['A1'], interval: '1h' }), [
      'candles:1h:A1',
    ]);
    assert.deepEqual(subscriptionKeys({ channel: 'orders' }), ['orders']);
  });
});
