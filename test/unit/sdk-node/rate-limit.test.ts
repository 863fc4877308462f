import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimitTracker, readRateLimit } from '../../../sdk/node/src/rate-limit';

test('reads the X-RateLimit headers, and nothing from partial ones', () => {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': '10',
    'x-ratelimit-remaining': '3',
    'x-ratelimit-reset': '1700000001000',
  };
  assert.deepEqual(
    readRateLimit((name) => headers[name] ?? null),
    {
      limit: 10,
      remaining: 3,
      reset: 1_700_000_001_000,
    },
  );
  assert.equal(
    readRateLimit((name) => (name === 'x-ratelimit-reset' ? null : '1')),
    null,
  );
  assert.equal(
    readRateLimit((name) => (name === 'x-ratelimit-limit' ? 'many' : '1')),
    null,
  );
});

test('no wait while the window has room', () => {
  let now = 1_000_500;
  const tracker = new RateLimitTracker(() => now);
  tracker.observe({ limit: 5, remaining: 1, reset: 1_001_000 });
  assert.equal(tracker.waitMs(), 0);
  now += 100;
  assert.equal(tracker.waitMs(), 0);
});

test('a spent window waits until its reset, then not again', () => {
  let now = 1_000_300;
  const tracker = new RateLimitTracker(() => now);
  tracker.observe({ limit: 5, remaining: 0, reset: 1_001_000 });
  assert.equal(tracker.waitMs(), 700);
  now += 650;
  assert.equal(tracker.waitMs(), 50);
  tracker.spentWaited();
  assert.equal(tracker.waitMs(), 0);
});

test('a server clock years behind ours (sandbox --now): waits past the reset, never short of it', () => {
  const skew = -2 * 365 * 86_400_000 + 123;
  let now = 1_700_000_000_000;
  const tracker = new RateLimitTracker(() => now);
  const resetAt = (serverNow: number) => serverNow - (serverNow % 1000) + 1000;
  for (let i = 0; i < 30; i++) {
    now += 37;
    const serverNow = now + skew;
    const reset = resetAt(serverNow);
    tracker.observe({ limit: 5, remaining: i % 7 === 6 ? 0 : 3, reset });
    const wait = tracker.waitMs();
    if (i % 7 === 6) {
      assert.ok(wait >= reset - serverNow, `waits at least until the reset (${wait} ms)`);
      assert.ok(wait <= reset - serverNow + 1000, `and less than a window more (${wait} ms)`);
    } else {
      assert.equal(wait, 0);
    }
  }
});

test('a reset far in the future is capped', () => {
  const now = 1_000_000;
  const tracker = new RateLimitTracker(() => now, 5_000);
  tracker.observe({ limit: 5, remaining: 0, reset: now + 30_000 });
  assert.equal(tracker.waitMs(), 5_000);
});
