import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../../sandbox/http/rate-limit';

test('a window allows exactly its limit, then refuses until it refills', () => {
  const limiter = new RateLimiter(3);
  const t = 10_000_250;
  const answers = [0, 1, 2, 3].map(() => limiter.take('k', t));
  assert.deepEqual(
    answers.map((a) => a.allowed),
    [true, true, true, false],
  );
  assert.deepEqual(
    answers.map((a) => a.remaining),
    [2, 1, 0, 0],
  );
  assert.equal(answers[3]?.reset, 10_001_000);
  assert.equal(limiter.take('k', 10_001_000).allowed, true);
});

test('subjects are counted apart, and peek does not count', () => {
  const limiter = new RateLimiter(1);
  assert.equal(limiter.take('a', 5000).allowed, true);
  assert.equal(limiter.peek('b', 5000).remaining, 1);
  assert.equal(limiter.take('b', 5000).allowed, true);
  assert.equal(limiter.take('a', 5000).allowed, false);
});
