// One heavy caller must not stall every other: while a bulk download, a batch of costly reads or
// a session over all the data is served, another client's GET /health still answers promptly.
// The bound is generous (a second; each of these held /health for 9 to 16 s before).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { api, marketBuy, stopAllSandboxes, tradingSandbox, weekdayNoon } from './harness';
import { closeAllStreams, openStream } from './stream-harness';

after(() => {
  closeAllStreams();
  return stopAllSandboxes();
});

const healthBoundMs = 1_000;

/** The slowest GET /health answer while `busy` runs, polling one request after another. */
async function worstHealthWhile(url: string, busy: Promise<unknown>, maxMs: number) {
  let done = false;
  void busy.finally(() => (done = true));
  const started = Date.now();
  let worst = 0;
  let samples = 0;
  while (!done && Date.now() - started < maxMs) {
    const sent = performance.now();
    const answer = await fetch(`${url}/health`);
    await answer.arrayBuffer();
    worst = Math.max(worst, performance.now() - sent);
    samples++;
  }
  return { worst, samples };
}

/** Reads a URL in another process as fast as it comes, for at most `seconds`; resolves with bytes. */
function download(url: string, token: string, seconds: number): Promise<number> {
  const script = `
    const controller = new AbortController();
    setTimeout(() => controller.abort(), ${seconds * 1000});
    let bytes = 0;
    fetch(${JSON.stringify(url)}, {
      headers: { Authorization: 'Bearer ${token}', Accept: 'application/x-ndjson' },
      signal: controller.signal,
    }).then(async (response) => {
      for await (const chunk of response.body) bytes += chunk.length;
    }).catch(() => undefined).finally(() => { console.log(bytes); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.once('exit', () => resolve(Number(out.trim()))));
}

test('a five-year tick download leaves /health answering', async () => {
  const { sandbox, token } = await tradingSandbox();
  const now = Date.parse(weekdayNoon);
  const from = now - 5 * 365 * 86_400_000;
  const url = `${sandbox.url}/market/historical?symbol=EURUSD&type=ticks&from=${from}&to=${now}`;
  const downloaded = download(url, token, 4);
  const { worst, samples } = await worstHealthWhile(sandbox.url, downloaded, 6_000);
  const bytes = await downloaded;
  assert.ok(bytes > 20e6, `only ${bytes} bytes came in the download's 4 s`);
  assert.ok(samples >= 5, `only ${samples} health checks answered during the download`);
  assert.ok(worst < healthBoundMs, `/health took ${worst.toFixed(0)} ms during the download`);
});

test('a batch of twenty five-year daily candle reads leaves /health answering', async () => {
  const { sandbox, call } = await tradingSandbox();
  const requests = Array.from({ length: 20 }, (_, index) => ({
    id: `r${index}`,
    method: 'GET',
    path: `/market/candles?symbol=${index % 2 === 0 ? 'EURUSD' : 'US500'}&interval=1d&limit=5000`,
  }));
  const batch = call<{ responses: { status: number; body: { candles: unknown[] } }[] }>(
    'POST',
    '/batch',
    { requests },
  );
  // Sampled for a while, not for the whole batch: what matters is that others are served.
  const { worst, samples } = await worstHealthWhile(sandbox.url, batch, 3_000);
  assert.ok(samples >= 5, `only ${samples} health checks answered during the batch`);
  assert.ok(worst < healthBoundMs, `/health took ${worst.toFixed(0)} ms during the batch`);
  const answer = await batch;
  const first = answer.body.responses[0];
  assert.equal(first.status, 200);
  // History reaches back five years: about 1,300 trading days, not the 5,000 asked for.
  assert.ok(first.body.candles.length > 1_000 && first.body.candles.length < 1_600);
});

test('a session asked to run to the end of time ends with the data, at once', async () => {
  const { sandbox, call } = await tradingSandbox();
  const creating = call<{ to: number; bars_total: number }>('POST', '/sandbox/sessions', {
    symbols: ['EURUSD', 'GBPUSD', 'US500'],
    interval: '1m',
    from: Date.parse(weekdayNoon),
    to: Number.MAX_SAFE_INTEGER,
  });
  const { worst } = await worstHealthWhile(sandbox.url, creating, 10_000);
  const created = await creating;
  assert.equal(created.status, 201);
  assert.equal(created.body.to, Date.UTC(2100, 0, 1));
  assert.ok(created.body.bars_total > 10_000_000);
  assert.ok(worst < healthBoundMs, `/health took ${worst.toFixed(0)} ms while it was created`);
  await api(sandbox.url, null, 'GET', '/health');
});

test('a flood of resumes on one stream connection leaves /health answering', async () => {
  const { sandbox, call, token } = await tradingSandbox({ args: ['--order-rate-limit', '100000'] });
  // More order events than the in-memory ring keeps, so a resume from 0 reads the store.
  for (let batch = 0; batch < 14; batch++) {
    const requests = Array.from({ length: 50 }, (_, index) => ({
      id: `o${index}`,
      method: 'POST',
      path: '/orders',
      body: marketBuy(1000),
    }));
    assert.equal((await call('POST', '/batch', { requests })).status, 200);
  }
  const stream = await openStream(sandbox.url, token);
  const flood = (async () => {
    for (let index = 0; index < 300; index++) {
      stream.send({ op: 'subscribe', channel: 'orders', since_seq: 0 });
    }
    await stream.next('a rate_limited error', (m) => m.error?.code === 'rate_limited');
    // Served while the first resume's backlog is read from the store.
    await stream.next('the first resume to reach event 1,400', (m) => m.seq === 1_400);
  })();
  const { worst, samples } = await worstHealthWhile(sandbox.url, flood, 3_000);
  await flood;
  assert.ok(samples >= 1, 'no health check answered during the flood');
  assert.ok(worst < healthBoundMs, `/health took ${worst.toFixed(0)} ms during the flood`);

  // A well-behaved resume on a fresh connection still gets the whole backlog, in order.
  const fresh = await openStream(sandbox.url, token);
  await fresh.subscribe({ channel: 'orders', since_seq: 0 });
  const last = await fresh.next('the 1,400th order event', (m) => m.seq === 1_400);
  assert.equal(last.channel, 'orders');
  const seqs = fresh.messages.filter((m) => m.channel === 'orders').map((m) => m.seq);
  assert.deepEqual(
    seqs.slice(0, 1_400),
    Array.from({ length: 1_400 }, (_, i) => i + 1),
  );
});
