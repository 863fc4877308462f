import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BreakerChange } from '../../../sdk/node/src/breaker';
import { CircuitBreaker } from '../../../sdk/node/src/breaker';

function breaker(options: { failureThreshold?: number; latencyLimitMs?: number } = {}) {
  let now = 0;
  const changes: BreakerChange[] = [];
  const circuit = new CircuitBreaker({
    failureThreshold: 3,
    latencyLimitMs: 1000,
    cooldownMs: 5000,
    ...options,
    now: () => now,
    onStateChange: (change) => changes.push(change),
  });
  return { circuit, changes, advance: (ms: number) => (now += ms) };
}

test('opens on the Nth consecutive failure, not before', () => {
  const { circuit, changes } = breaker();
  circuit.recordFailure('HTTP 503');
  circuit.recordFailure('HTTP 503');
  assert.equal(circuit.state, 'closed');
  assert.equal(circuit.allow(), true);
  circuit.recordFailure('HTTP 503');
  assert.equal(circuit.state, 'open');
  assert.equal(circuit.allow(), false);
  assert.deepEqual(changes, [
    { from: 'closed', to: 'open', reason: '3 requests failed in a row, the last: HTTP 503' },
  ]);
});

test('a success in between resets the count', () => {
  const { circuit } = breaker();
  circuit.recordFailure('x');
  circuit.recordFailure('x');
  circuit.recordSuccess(10);
  circuit.recordFailure('x');
  circuit.recordFailure('x');
  assert.equal(circuit.state, 'closed');
});

test('one slow answer opens it at once', () => {
  const { circuit, changes } = breaker();
  circuit.recordSuccess(999);
  assert.equal(circuit.state, 'closed');
  circuit.recordSuccess(1001);
  assert.equal(circuit.state, 'open');
  assert.match(changes[0].reason, /took 1001 ms \(limit 1000 ms\)/);
});

test('after the cooldown exactly one trial goes through; its success closes', () => {
  const { circuit, changes, advance } = breaker({ failureThreshold: 1 });
  circuit.recordFailure('x');
  advance(4999);
  assert.equal(circuit.allow(), false);
  advance(1);
  assert.equal(circuit.allow(), true);
  assert.equal(circuit.state, 'half_open');
  assert.equal(circuit.allow(), false, 'a second call waits for the trial');
  circuit.recordSuccess(20);
  assert.equal(circuit.state, 'closed');
  assert.equal(circuit.allow(), true);
  assert.deepEqual(
    changes.map((change) => change.to),
    ['open', 'half_open', 'closed'],
  );
});

test('a failed trial opens it for another full cooldown', () => {
  const { circuit, advance } = breaker({ failureThreshold: 1 });
  circuit.recordFailure('x');
  advance(5000);
  assert.equal(circuit.allow(), true);
  circuit.recordFailure('still down');
  assert.equal(circuit.state, 'open');
  advance(4999);
  assert.equal(circuit.allow(), false);
  advance(1);
  assert.equal(circuit.allow(), true);
});

test('a slow trial counts as a failure', () => {
  const { circuit, advance } = breaker({ failureThreshold: 1 });
  circuit.recordFailure('x');
  advance(5000);
  circuit.allow();
  circuit.recordSuccess(2000);
  assert.equal(circuit.state, 'open');
});

test('a fast answer while open does not close it: only a half-open breaker closes', () => {
  const { circuit, changes, advance } = breaker({ failureThreshold: 1 });
  circuit.recordFailure('HTTP 503');
  // A token refresh, a cancel, a retry of an order already sent: answered fast, still open.
  circuit.recordSuccess(5);
  circuit.recordSuccess(5);
  assert.equal(circuit.state, 'open');
  assert.equal(circuit.allow(), false, 'the cooldown is not cut short');
  advance(5000);
  assert.equal(circuit.allow(), true);
  circuit.recordSuccess(5);
  assert.equal(circuit.state, 'closed');
  assert.deepEqual(
    changes.map((change) => change.to),
    ['open', 'half_open', 'closed'],
  );
});

test('one failure with a threshold of one says so, not "1 requests in a row"', () => {
  const { circuit, changes } = breaker({ failureThreshold: 1 });
  circuit.recordFailure('HTTP 503 from POST /orders');
  assert.equal(changes[0].reason, 'a request failed (HTTP 503 from POST /orders)');
});

test('an answer a fraction over the limit never reads "took 1000 ms (limit 1000 ms)"', () => {
  const { circuit, changes } = breaker();
  circuit.recordSuccess(1000.2);
  assert.equal(circuit.state, 'open');
  assert.equal(changes[0].reason, 'a request took 1001 ms (limit 1000 ms)');
});

test('the reason it opened is kept for the refusals that follow', () => {
  const { circuit } = breaker();
  assert.equal(circuit.reason, '');
  circuit.recordSuccess(1500);
  assert.equal(circuit.reason, 'a request took 1500 ms (limit 1000 ms)');
});

test('a trial that ended without a verdict frees the slot, but only its own', () => {
  const { circuit, advance } = breaker({ failureThreshold: 1 });
  circuit.recordFailure('x');
  advance(5000);
  assert.equal(circuit.allow(), true);
  const first = circuit.trials;
  // Its request met only 429s: no verdict; the next order may be the trial.
  circuit.release(first);
  assert.equal(circuit.allow(), true);
  const second = circuit.trials;
  assert.notEqual(second, first);
  // The first caller's late release must not free the second's slot.
  circuit.release(first);
  assert.equal(circuit.allow(), false);
  circuit.release(second);
  assert.equal(circuit.allow(), true);
});
