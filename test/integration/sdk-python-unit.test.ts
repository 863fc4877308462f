// Runs the Python SDK's own unittest suite (sdk/python/tests) so `npm test` covers it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Order } from '../../api/orders';
import { stamp } from '../../sdk/node/src/context';
import { describeUpdate } from '../../sdk/node/src/dispatch';
import type { OrderUpdate } from '../../sdk/node/src/strategy';
import { repoRoot } from './sdk-python-process';

test('the Python SDK unit tests pass (python3 -m unittest discover sdk/python/tests)', () => {
  const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'sdk/python/tests'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.error, undefined, `python3 could not run: ${String(result.error)}`);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /Ran \d+ tests/);
  assert.match(result.stderr, /\nOK/);
});

test('both SDKs print an order event in the same words', () => {
  const order: Order = {
    id: 'ord_0000000007',
    client_order_id: null,
    symbol: 'EURUSD',
    action: 'sell',
    quantity: 25000,
    filled_quantity: 10000,
    order_type: 'limit',
    limit_price: 1.0842,
    stop_loss: 1.0871,
    take_profit: 1.0795,
    time_in_force: 'gtc',
    status: 'partially_filled',
    avg_fill_price: 1.0842,
    fills: [],
    created_at: Date.UTC(2024, 2, 6, 10, 3),
    updated_at: Date.UTC(2024, 2, 6, 10, 4, 30),
    parent_order_id: null,
    trigger: null,
  };
  const fill = {
    id: 'fil_0000000009',
    price: 1.0842,
    quantity: 10000,
    fee: 0.245,
    t: order.updated_at,
  };
  const updates: OrderUpdate[] = [
    { type: 'accepted', order: { ...order, status: 'open', filled_quantity: 0 } },
    { type: 'partial_fill', order, fill },
    { type: 'fill', order: { ...order, trigger: 'take_profit', parent_order_id: 'ord_1' }, fill },
    {
      type: 'rejected',
      order: { ...order, order_type: 'market', limit_price: null, reject_reason: 'no liquidity' },
    },
    { type: 'cancelled', order: { ...order, quantity: 0.5, stop_loss: null, take_profit: null } },
    // the corners of number formatting: an exact tie in the fee, tiny and huge numbers
    { type: 'fill', order, fill: { ...fill, fee: 0.125, quantity: 0.00005, price: 1e-7 } },
    { type: 'accepted', order: { ...order, quantity: 1e21, limit_price: 2.5e-8 } },
    { type: 'rejected', order: { ...order, reject_reason: '' } },
  ];
  const script =
    'import json, sys, timber\n' +
    'for u in json.load(sys.stdin):\n' +
    '    print(timber._describe_event(u["type"], u["order"], u.get("fill")))\n';
  const result = spawnSync('python3', ['-c', script], {
    cwd: join(repoRoot, 'sdk/python'),
    input: JSON.stringify(updates),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trimEnd().split('\n'), updates.map(describeUpdate));
});

test('both SDKs print the breaker, retries and skipped orders as lines of the market time, then what happened', () => {
  const t = Date.UTC(2024, 2, 6, 12, 0, 7);
  // The Node SDK's format: its stamp, then its words for a change of the breaker (describeBreaker
  // in sdk/node/src/live.ts) or an order it refused (Handlers in sdk/node/src/dispatch.ts); the
  // reasons after the colon are each SDK's own.
  const node = [
    `${stamp(t)} trading paused: a request took 1204 ms (limit 1000 ms)`,
    `${stamp(t)} trading on trial: the cooldown passed; one trial request goes through`,
    `${stamp(t)} trading resumed: a trial request succeeded`,
    `${stamp(t)} order skipped: trading is paused`,
    `${stamp(t)} retrying POST /orders: 503; retry 1 of 5 in 0.08 s`,
  ];
  const script =
    'import sys, timber\n' +
    'class Now(timber._Runtime):\n' +
    '    def __init__(self):\n' +
    '        self.clock = int(sys.argv[1])\n' +
    'say = Now()._say_now\n' +
    'breaker = timber.CircuitBreaker(latency_ms=1000, on_change=lambda s, why: say(timber._describe_breaker(s, why)))\n' +
    'breaker.record_success(1204.6)\n' +
    'breaker.opened_at -= breaker.cooldown\n' +
    'breaker.check()\n' +
    'breaker.record_success(3)\n' +
    'say("order skipped: trading is paused")\n' +
    'client = timber.Client("http://127.0.0.1:9", "k", "s", on_retry=say, sleep=lambda s: None)\n' +
    'timber.backoff_delay = lambda attempt, base, cap: 0.08\n' +
    'client._pause(0, None, "POST /orders: 503")\n';
  const result = spawnSync('python3', ['-c', script, String(t)], {
    cwd: join(repoRoot, 'sdk/python'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trimEnd().split('\n'), node);
});
