// The lines a live run prints for the SDK's own actions: stamped with the market clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeBreaker, describeNotice } from '../../../sdk/node/src/live-client';
import { order } from './fake-api';

const marketNow = Date.UTC(2024, 2, 6, 12, 0, 5);

test('breaker lines carry the market clock, the reason, and what still goes', () => {
  const opened = describeBreaker(
    { from: 'closed', to: 'open', reason: 'a request took 1350 ms (limit 1000 ms)' },
    marketNow,
    5000,
  );
  assert.equal(
    opened,
    '2024-03-06 12:00:05Z trading paused: a request took 1350 ms (limit 1000 ms); orders that ' +
      'open or add to a position are skipped for 5 s, then one trial order may go through ' +
      '(orders that reduce a position, and cancels, still go)',
  );
  assert.match(
    describeBreaker({ from: 'open', to: 'half_open', reason: 'r' }, marketNow, 5000),
    /^2024-03-06 12:00:05Z trading on trial: r$/,
  );
  assert.match(
    describeBreaker({ from: 'half_open', to: 'closed', reason: 'r' }, marketNow, 5000),
    /^2024-03-06 12:00:05Z trading resumed: r$/,
  );
});

test('a retry line says what failed, which retry and the wait', () => {
  const line = describeNotice(
    {
      type: 'retry',
      method: 'POST',
      path: '/orders',
      retry: 2,
      retries: 4,
      delayMs: 180,
      reason: 'HTTP 503 unavailable',
    },
    marketNow,
  );
  assert.equal(
    line,
    '2024-03-06 12:00:05Z retrying POST /orders (HTTP 503 unavailable): retry 2 of 4 in 180 ms',
  );
});

test('a lookup line says what was found', () => {
  const found = describeNotice(
    {
      type: 'looked_up',
      clientOrderId: 'Flip-x-1',
      order: order({ client_order_id: 'Flip-x-1' }) as never,
      lastAttempt: 'HTTP 503 unavailable: down',
    },
    marketNow,
  );
  assert.match(found, /order ord_1 with client_order_id Flip-x-1 was placed \(filled\)$/);
  const none = describeNotice(
    { type: 'looked_up', clientOrderId: 'Flip-x-1', order: null, lastAttempt: 'x' },
    marketNow,
  );
  assert.match(none, /the API lists no order with client_order_id Flip-x-1$/);
});
