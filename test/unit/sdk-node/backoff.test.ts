import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, parseRetryAfter } from '../../../sdk/node/src/backoff';

test('full jitter: every delay lies in [0, min(cap, base × 2^attempt))', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 80 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 600_000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, baseMs, capMs, draw) => {
        const delay = backoffDelay(attempt, { baseMs, capMs }, () => draw);
        const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
        return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
      },
    ),
  );
});

test('the ceiling doubles per attempt until the cap', () => {
  const top = () => 0.999999;
  const policy = { baseMs: 100, capMs: 1000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, top)),
    [99, 199, 399, 799, 999, 999],
  );
  assert.equal(
    backoffDelay(3, policy, () => 0),
    0,
  );
});

test('the jitter spreads delays across the whole range', () => {
  const delays = Array.from({ length: 2000 }, () =>
    backoffDelay(4, { baseMs: 100, capMs: 10_000 }),
  );
  assert.ok(Math.min(...delays) < 200);
  assert.ok(Math.max(...delays) > 1400);
});

test('Retry-After in seconds, as an HTTP date, or unreadable', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  assert.equal(parseRetryAfter('1.5'), 1500);
  const now = Date.parse('2024-03-06T12:00:00Z');
  assert.equal(parseRetryAfter('Wed, 06 Mar 2024 12:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 06 Mar 2024 11:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('-4'), null);
});
