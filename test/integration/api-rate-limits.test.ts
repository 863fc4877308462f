import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Answer } from './harness';
import { marketBuy, stopAllSandboxes, tradingSandbox } from './harness';

after(() => stopAllSandboxes());

interface ErrorBody {
  error: { code: string; message: string; details: unknown[]; request_id: string };
}

/** The rate window an answer was counted in: its X-RateLimit-Reset. */
const windowOf = (answer: Answer) => Number(answer.headers.get('x-ratelimit-reset'));

function byWindow(answers: Answer[]): Map<number, Answer[]> {
  const windows = new Map<number, Answer[]>();
  for (const answer of answers) {
    const list = windows.get(windowOf(answer)) ?? [];
    list.push(answer);
    windows.set(windowOf(answer), list);
  }
  return windows;
}

function assertRateLimited(answer: Answer, label: string) {
  assert.equal(answer.status, 429, label);
  const body = answer.body as ErrorBody;
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'details', 'message', 'request_id']);
  assert.equal(body.error.code, 'rate_limited', label);
  assert.equal(body.error.request_id, answer.headers.get('x-request-id'), label);
  const retryAfter = answer.headers.get('retry-after') ?? '';
  assert.match(retryAfter, /^\d+$/, `${label}: Retry-After "${retryAfter}"`);
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 2, `${label}: Retry-After`);
  assert.equal(answer.headers.get('x-ratelimit-remaining'), '0', label);
}

test('--key-rate-limit 5: the sixth request of a second is 429 with Retry-After', async () => {
  const { call } = await tradingSandbox({ args: ['--key-rate-limit', '5'] });
  let limited: Answer | undefined;
  for (let round = 0; round < 10 && limited === undefined; round++) {
    const answers = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/account')));
    for (const answer of answers) assert.ok([200, 429].includes(answer.status));
    // Whatever second boundaries the burst straddled, no window let more than 5 through.
    assert.ok(answers.filter((a) => a.status === 200).length <= 10);
    for (const [window, inWindow] of byWindow(answers)) {
      const passed = inWindow.filter((a) => a.status === 200);
      assert.ok(passed.length <= 5, `window ${window} let ${passed.length} requests through`);
      for (const answer of inWindow) assert.equal(answer.headers.get('x-ratelimit-limit'), '5');
      const remaining = passed.map((a) => Number(a.headers.get('x-ratelimit-remaining')));
      assert.equal(new Set(remaining).size, remaining.length, 'each success counts once');
      assert.ok(remaining.every((r) => r >= 0 && r <= 4));
      const refused = inWindow.filter((a) => a.status === 429);
      // This key is used by nobody else: a window that refused had let exactly five through.
      if (refused.length > 0) assert.equal(passed.length, 5, `window ${window}`);
    }
    limited = answers.find((a) => a.status === 429);
    // The next window admits requests again.
    if (limited) {
      const reset = windowOf(limited);
      while (Date.now() < reset) await new Promise((resolve) => setTimeout(resolve, 20));
      const later = await call('GET', '/account');
      assert.equal(later.status, 200, 'the window refills');
    }
  }
  assert.ok(limited, 'twelve concurrent requests never met the limit of 5 per second');
  assertRateLimited(limited, 'key limit');
});

test('--order-rate-limit 3: the fourth new order of a second is 429; replays do not count', async () => {
  const { call } = await tradingSandbox({ args: ['--order-rate-limit', '3'] });
  const restingOrder = (n: number) => ({
    ...marketBuy(1000),
    order_type: 'limit',
    limit_price: 0.5,
    client_order_id: `rl-${n}`,
  });
  let next = 0;
  const newOrder = () => {
    const n = next++;
    return call('POST', '/orders', restingOrder(n));
  };

  let limited: Answer | undefined;
  let placedCount = 0;
  for (let round = 0; round < 10 && limited === undefined; round++) {
    const answers = await Promise.all(Array.from({ length: 8 }, newOrder));
    for (const answer of answers) assert.ok([201, 429].includes(answer.status));
    for (const [window, inWindow] of byWindow(answers)) {
      const placed = inWindow.filter((a) => a.status === 201);
      assert.ok(placed.length <= 3, `window ${window} accepted ${placed.length} orders`);
      if (inWindow.some((a) => a.status === 429)) assert.equal(placed.length, 3);
    }
    placedCount += answers.filter((a) => a.status === 201).length;
    limited = answers.find((a) => a.status === 429);
  }
  assert.ok(limited, 'eight concurrent orders never met the limit of 3 per second');
  assertRateLimited(limited, 'order limit');
  // A refused order was not placed: the orders listed are exactly the 201s.
  const listed = await call<{ orders: unknown[] }>('GET', '/orders?status=all&limit=500');
  assert.equal(listed.body.orders.length, placedCount);

  // A replay is not a new order: with the original placed earlier, a window holding five
  // replays and three new orders accepts all of them, and only a fourth new one is refused.
  const original = await waitForFreshWindow(() =>
    call('POST', '/orders', restingOrder(1000), { 'Idempotency-Key': 'replayed-key' }),
  );
  assert.equal(original.status, 201);
  let witnessed = false;
  for (let round = 0; round < 10 && !witnessed; round++) {
    await waitForFreshWindow(() => Promise.resolve());
    const replays = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('POST', '/orders', restingOrder(1000), { 'Idempotency-Key': 'replayed-key' }),
      ),
    );
    const fresh = await Promise.all(Array.from({ length: 3 }, newOrder));
    const fourth = await newOrder();
    for (const replay of replays) {
      assert.equal(replay.status, 201);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(replay.body, original.body);
    }
    const windows = new Set([...replays, ...fresh, fourth].map(windowOf));
    if (windows.size !== 1) continue; // straddled a second: try again in the next one
    witnessed = true;
    for (const answer of fresh) assert.equal(answer.status, 201, 'replays used up the budget');
    assertRateLimited(fourth, 'fourth new order');
  }
  assert.ok(witnessed, 'never managed to fit 9 requests into one second');
  const ids = await call<{ orders: { client_order_id: string }[] }>(
    'GET',
    '/orders?status=all&limit=500',
  );
  assert.equal(ids.body.orders.filter((o) => o.client_order_id === 'rl-1000').length, 1);
});

/** Waits for the start of the next second (in the sandbox's windows), then runs `action`. */
async function waitForFreshWindow<T>(action: () => Promise<T>): Promise<T> {
  const boundary = Math.floor(Date.now() / 1000) * 1000 + 1000;
  while (Date.now() < boundary) await new Promise((resolve) => setTimeout(resolve, 5));
  return action();
}
