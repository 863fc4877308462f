import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { observeApi, rateWindowOf } from '../../../runner/api-observer';

// An upstream that answers as the sandbox does: rate-limit headers on every answer, a 429 and a
// 500 when asked, and a slow answer to measure.
const upstream = createServer((request, response) => {
  const status = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
  const delay = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
  setTimeout(() => {
    response.writeHead(status, {
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': String(100 - served++),
      'X-RateLimit-Reset': '1709726402000',
    });
    response.end('{}');
  }, delay);
});
let served = 1;
await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
after(() => upstream.close());

test('the observer reports each interval: requests, errors, 429s, latency and the last rate window', async () => {
  const observer = await observeApi(target);
  try {
    assert.equal(observer.takeUse(), null, 'nothing was called yet');
    for (const query of ['', '?status=429', '?status=500', '?delay=120', ''])
      assert.ok((await fetch(`${observer.url}/account${query}`)).status > 0);
    const use = observer.takeUse();
    assert.ok(use !== null);
    assert.equal(use.requests, 5);
    assert.equal(use.rate_limited, 1);
    assert.equal(use.errors, 1);
    assert.ok(use.latency_ms.max >= 120, `max ${use.latency_ms.max} ms`);
    assert.ok(use.latency_ms.p50 <= use.latency_ms.p95 && use.latency_ms.p95 <= use.latency_ms.max);
    assert.deepEqual(use.rate_limit, { limit: 100, remaining: 95, reset: 1709726402000 });
    // The next interval starts empty; the rate window is kept for it.
    assert.equal(observer.takeUse(), null);
    await fetch(`${observer.url}/market`);
    assert.equal(observer.takeUse()?.requests, 1);
    assert.equal(observer.requests(), 6);
  } finally {
    await observer.close();
  }
});

test('an unreachable upstream counts as an error, not a latency of nothing', async () => {
  const closed = createServer();
  await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((done) => closed.close(() => done()));
  const observer = await observeApi(`http://127.0.0.1:${port}`);
  try {
    assert.equal((await fetch(`${observer.url}/account`)).status, 502);
    const use = observer.takeUse();
    assert.deepEqual([use?.requests, use?.errors, use?.rate_limit], [1, 1, null]);
    assert.equal(observer.takeUse(), null);
  } finally {
    await observer.close();
  }
});

test('rate windows are read only when all three headers are numbers', () => {
  const headers = {
    'x-ratelimit-limit': '10000',
    'x-ratelimit-remaining': '9998',
    'x-ratelimit-reset': '1',
  };
  assert.deepEqual(rateWindowOf(headers), { limit: 10000, remaining: 9998, reset: 1 });
  assert.equal(rateWindowOf({ ...headers, 'x-ratelimit-reset': undefined }), null);
  assert.equal(rateWindowOf({ ...headers, 'x-ratelimit-limit': 'many' }), null);
});
