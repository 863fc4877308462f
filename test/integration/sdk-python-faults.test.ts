// The Python SDK's backoff and circuit breaker, driven by the sandbox's fault injection
// (PUT /sandbox/faults on the script's key, set by the test through a second key).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../api/orders';
import { accessToken, api, createKey, stopAllSandboxes, startSandboxProcess } from './harness';
import type { Key, SandboxProcess } from './harness';
import { pythonScripts, runPython, stopAllPython, timberEnv } from './sdk-python-process';

const folder = mkdtempSync(join(tmpdir(), 'tbm-sdk-python-faults-'));
after(async () => {
  await stopAllPython();
  await stopAllSandboxes();
  rmSync(folder, { recursive: true, force: true });
});

describe('retries and the circuit breaker under injected faults', () => {
  let sandbox: SandboxProcess;
  /** The control key's token per script key: a second key of the same account. */
  const controls = new Map<string, string>();

  before(async () => {
    sandbox = await startSandboxProcess();
  });

  /** A fresh key on a fresh account for one script, and a control key on the same account. */
  async function scriptKey(): Promise<Key> {
    const key = await createKey(sandbox, 'trade', 'new');
    const control = await createKey(sandbox, 'trade', key.account_id);
    controls.set(key.key_id, await accessToken(sandbox.url, control));
    return key;
  }
  async function setFaults(key: Key, faults: Record<string, unknown>) {
    // The control key sets them, so a key answering only 503s can still be released.
    const answer = await api(sandbox.url, controls.get(key.key_id)!, 'PUT', '/sandbox/faults', {
      key_id: key.key_id,
      ...faults,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  function config(name: string, params: Record<string, unknown>, risk: Record<string, unknown>) {
    const path = join(folder, `${name}.json`);
    writeFileSync(path, JSON.stringify({ name, symbols: ['EURUSD'], params, risk }));
    return path;
  }
  async function ordersOf(key: Key): Promise<Order[]> {
    const token = controls.get(key.key_id)!;
    return (await api<{ orders: Order[] }>(sandbox.url, token, 'GET', '/orders?status=all')).body
      .orders;
  }

  test('503s and 429s are retried with backoff and Retry-After; each order is placed once', async () => {
    const key = await scriptKey();
    await setFaults(key, { error_rate: 0.35, rate_limit_rate: 0.2, retry_after_s: 1, seed: 11 });
    const run = runPython(join(pythonScripts, 'breaker_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config('retries', { orders: 6 }, { circuit_breaker_failures: 100 }),
    });
    await run.waitForLine(/^PHASE1 /, 60_000);
    assert.deepEqual(
      run.lines.filter((line) => /^(PLACED|FAILED|CIRCUIT_OPEN)/.test(line)),
      [0, 1, 2, 3, 4, 5].map((index) => `PLACED ${index} filled`),
      run.stderr(),
    );
    assert.match(run.stderr(), /retrying POST \/orders: 503; retry \d of 5 in \d\.\d\d s/);
    assert.match(run.stderr(), /retrying \S+ \S+: rate limited; retry \d of 5 in 1\.00 s/);
    // Retries reused the order's Idempotency-Key: six orders, no duplicates.
    assert.equal((await ordersOf(key)).length, 6);
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });

  test('failures open the breaker, orders then fail fast, and a trial after the cooldown closes it', async () => {
    const key = await scriptKey();
    const go = join(folder, 'breaker-go');
    const go2 = join(folder, 'breaker-go2');
    const run = runPython(join(pythonScripts, 'breaker_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config(
        'breaker',
        { orders: 3, go, go2 },
        { circuit_breaker_failures: 4, circuit_breaker_cooldown_ms: 500 },
      ),
    });
    await run.waitForLine(/^READY$/);
    await setFaults(key, { error_rate: 1 });
    writeFileSync(go, '');
    await run.waitForLine(/^PHASE1 breaker=open$/);
    assert.deepEqual(
      run.lines.filter((line) => /^(PLACED|FAILED|CIRCUIT_OPEN)/.test(line)),
      ['CIRCUIT_OPEN 0', 'CIRCUIT_OPEN 1', 'CIRCUIT_OPEN 2'],
    );
    assert.match(run.stderr(), /circuit breaker open: 4 requests failed in a row \(last: 503/);
    // Orders 1 and 2 never reached the sandbox: only order 0's attempts were retried.
    assert.equal((run.stderr().match(/retrying POST \/orders/g) ?? []).length, 3, run.stderr());

    await setFaults(key, {});
    writeFileSync(go2, '');
    await run.waitForLine(/^DONE breaker=closed$/);
    assert.match(
      run.lines.filter((line) => line.startsWith('PLACED')).join(),
      /^PLACED 1\d\d filled$/,
    );
    assert.match(run.stderr(), /circuit breaker half-open: the cooldown passed/);
    assert.match(run.stderr(), /circuit breaker closed: a trial request succeeded/);
    assert.equal((await ordersOf(key)).length, 1);
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });

  test('one answer slower than circuit_breaker_latency_ms opens the breaker', async () => {
    const key = await scriptKey();
    const go = join(folder, 'latency-go');
    const run = runPython(join(pythonScripts, 'breaker_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config(
        'latency',
        { orders: 2, go },
        { circuit_breaker_latency_ms: 150, circuit_breaker_cooldown_ms: 60_000 },
      ),
    });
    await run.waitForLine(/^READY$/);
    await setFaults(key, { latency_ms: 400 });
    writeFileSync(go, '');
    await run.waitForLine(/^PHASE1 breaker=open$/);
    assert.deepEqual(
      run.lines.filter((line) => /^(PLACED|FAILED|CIRCUIT_OPEN)/.test(line)),
      ['PLACED 0 filled', 'CIRCUIT_OPEN 1'],
    );
    assert.match(run.stderr(), /circuit breaker open: a request took \d+ ms \(limit 150 ms\)/);
    assert.equal((await ordersOf(key)).length, 1);
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });
});
