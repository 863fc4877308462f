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
    { from: 'closed', to: 'open', reason: '3 consecutive failures, the last: HTTP 503' },
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
