// The Python SDK's backoff and circuit breaker, driven by the sandbox's fault injection
// (PUT /sandbox/faults on the script's key, set by the test through a second key): what the
// script is told of each order must be what the account holds, even when the answer of the
// request that opens the breaker is lost after the order was placed.
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

  /** What breaker_probe.py said of each order: PLACED, CIRCUIT_OPEN or FAILED lines. */
  function outcomes(lines: string[]): string[] {
    return lines.filter((line) => /^(PLACED|FAILED|CIRCUIT_OPEN)/.test(line));
  }

  /** An outcome without its ids: "PLACED 0 filled", "CIRCUIT_OPEN 1", "FAILED 2 ApiError". */
  function withoutIds(line: string): string {
    return line
      .split(' ')
      .slice(0, line.startsWith('CIRCUIT_OPEN') ? 2 : 3)
      .join(' ');
  }

  /** Every order the script reported placed is on the account under the id it was told. */
  function assertPlacedAsTold(lines: string[], orders: Order[]) {
    const told = outcomes(lines)
      .filter((line) => line.startsWith('PLACED'))
      .map((line) => line.split(' ').slice(3, 5).join(' '));
    assert.deepEqual(
      orders.map((order) => `${order.id} ${order.client_order_id}`),
      told,
      lines.join('\n'),
    );
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
      outcomes(run.lines).map(withoutIds),
      [0, 1, 2, 3, 4, 5].map((index) => `PLACED ${index} filled`),
      run.stderr(),
    );
    // One line per retry, in the words and with the timestamp both SDKs print lines with.
    const retries = run.lines.filter((line) => / retrying /.test(line));
    assert.ok(
      retries.some((line) =>
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ retrying POST \/orders: 503; retry \d of 5 in \d\.\d\d s$/.test(
          line,
        ),
      ),
      retries.join('\n'),
    );
    assert.ok(
      retries.some((line) =>
        /Z retrying \S+ \S+: rate limited; retry \d of 5 in 1\.00 s$/.test(line),
      ),
      retries.join('\n'),
    );
    // Retries reused the order's Idempotency-Key: six orders, no duplicates.
    assertPlacedAsTold(run.lines, await ordersOf(key));
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });

  test('failures open the breaker: the order sent is settled, the next are refused unsent, a trial closes it', async () => {
    const key = await scriptKey();
    const go = join(folder, 'breaker-go');
    const go2 = join(folder, 'breaker-go2');
    const run = runPython(join(pythonScripts, 'breaker_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config(
        'breaker',
        { orders: 3, go, go2 },
        { circuit_breaker_failures: 2, circuit_breaker_cooldown_ms: 8000 },
      ),
    });
    await run.waitForLine(/^READY$/);
    await setFaults(key, { error_rate: 1 });
    writeFileSync(go, '');
    await run.waitForLine(/^PHASE1 breaker=open$/, 30_000);
    const [first, ...rest] = outcomes(run.lines);
    // Order 0 was sent: its retries went on past the open breaker, and with every request
    // (the lookup too) answered 503, the script is told it may have been placed, not "refused".
    assert.match(
      first,
      /^FAILED 0 OrderOutcomeUnknownError breaker-\w+-1: buy 1000 EURUSD may have been placed: .*client_order_id breaker-\w+-1/,
    );
    assert.deepEqual(rest.map(withoutIds), ['CIRCUIT_OPEN 1', 'CIRCUIT_OPEN 2']);
    assert.ok(
      run.lines.some((line) =>
        /Z trading paused: 2 requests failed in a row \(last: 503 from POST \/orders\)$/.test(line),
      ),
      run.lines.join('\n'),
    );
    // Orders 1 and 2 never reached the sandbox: only order 0's attempts were retried.
    assert.equal(run.lines.filter((line) => /Z retrying POST \/orders/.test(line)).length, 5);
    assert.deepEqual(await ordersOf(key), []);

    await setFaults(key, {});
    writeFileSync(go2, '');
    await run.waitForLine(/^DONE breaker=closed$/, 30_000);
    // Orders tried while the breaker stayed open were refused unsent; the trial was placed.
    const phase2 = outcomes(run.lines).slice(3);
    assert.ok(phase2.slice(0, -1).every((line) => line.startsWith('CIRCUIT_OPEN')));
    assert.match(phase2.at(-1)!, /^PLACED \d+ filled ord_\w+ breaker-\w+-\d+$/);
    assert.ok(run.lines.some((line) => /Z trading on trial: the cooldown passed/.test(line)));
    assert.ok(run.lines.some((line) => /Z trading resumed: a trial request succeeded$/.test(line)));
    assertPlacedAsTold(run.lines, await ordersOf(key));
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });

  test('an order whose answers are lost after commit while it opens the breaker is reported placed', async () => {
    const key = await scriptKey();
    const go = join(folder, 'after-commit-go');
    const run = runPython(join(pythonScripts, 'breaker_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config(
        'after-commit',
        { orders: 3, go },
        { circuit_breaker_failures: 3, circuit_breaker_cooldown_ms: 60_000 },
      ),
    });
    await run.waitForLine(/^READY$/);
    // Every POST places its order and then answers 503; GETs are answered.
    await setFaults(key, { after_commit: { error_rate: 1 } });
    writeFileSync(go, '');
    await run.waitForLine(/^PHASE1 breaker=open$/, 30_000);
    const said = outcomes(run.lines);
    assert.match(said[0], /^PLACED 0 filled ord_\w+ after-commit-\w+-1$/);
    assert.deepEqual(said.slice(1).map(withoutIds), ['CIRCUIT_OPEN 1', 'CIRCUIT_OPEN 2']);
    assert.ok(run.lines.some((line) => /Z looking up order after-commit-\w+-1: /.test(line)));
    assertPlacedAsTold(run.lines, await ordersOf(key));
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });

  test('a half-open trial whose connection is reset after commit is settled, and reported placed', async () => {
    const key = await scriptKey();
    const go = join(folder, 'trial-go');
    const go2 = join(folder, 'trial-go2');
    const run = runPython(join(pythonScripts, 'breaker_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config(
        'trial',
        { orders: 1, go, go2 },
        { circuit_breaker_latency_ms: 150, circuit_breaker_cooldown_ms: 300 },
      ),
    });
    await run.waitForLine(/^READY$/);
    await setFaults(key, { latency_ms: 400 });
    writeFileSync(go, '');
    await run.waitForLine(/^PHASE1 breaker=open$/);
    // The trial (and each retry of it) is one order whose connection is reset after commit.
    await setFaults(key, { after_commit: { reset_rate: 1 } });
    writeFileSync(go2, '');
    await run.waitForLine(/^DONE breaker=\w+$/, 30_000);
    const placed = outcomes(run.lines).filter((line) => line.startsWith('PLACED'));
    assert.equal(placed.length, 2, run.lines.join('\n'));
    assert.match(placed[1], /^PLACED \d+ filled /);
    assert.ok(run.lines.some((line) => /Z trading on trial: /.test(line)));
    assert.ok(
      run.lines.some((line) => /Z trading paused: the trial request failed \(/.test(line)),
      run.lines.join('\n'),
    );
    assertPlacedAsTold(run.lines, await ordersOf(key));
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
    assert.deepEqual(outcomes(run.lines).map(withoutIds), ['PLACED 0 filled', 'CIRCUIT_OPEN 1']);
    const paused = run.lines.filter((line) => / trading paused: /.test(line));
    assert.equal(paused.length, 1, run.lines.join('\n'));
    assert.match(paused[0], /Z trading paused: a request took (\d+) ms \(limit 150 ms\)$/);
    assert.ok(Number(/took (\d+) ms/.exec(paused[0])![1]) > 150);
    assertPlacedAsTold(run.lines, await ordersOf(key));
    assert.equal((await run.stop('SIGINT')).code, 0, run.stderr());
  });

  test('a strategy without try/except keeps running under latency: orders skipped, a line each', async () => {
    const key = await scriptKey();
    const go = join(folder, 'pause-go');
    const flatten = join(folder, 'pause-flatten');
    const run = runPython(join(pythonScripts, 'pause_probe.py'), {
      ...timberEnv(sandbox.url, key),
      TIMBER_STRATEGY_CONFIG: config(
        'pause',
        { go, flatten },
        { circuit_breaker_latency_ms: 150, circuit_breaker_cooldown_ms: 60_000 },
      ),
    });
    const resting = (await run.waitForLine(/^READY ord_\w+$/)).split(' ')[1];
    await setFaults(key, { latency_ms: 400 });
    writeFileSync(go, '');
    await run.waitForLine(/^BOUGHT ord_\w+ position=1000$/);
    const skipped = await run.waitForCount(/ order skipped: /, 2);
    for (const line of skipped) {
      assert.match(
        line,
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ order skipped: buy 1000 EURUSD \(pause-\w+-\d+\): trading is paused: the circuit breaker opened because a request took \d+ ms \(limit 150 ms\); one trial order will be let through in \d+\.\d s$/,
      );
    }
    // Stepping back passes the open breaker: closing the position, cancelling the resting order.
    writeFileSync(flatten, '');
    await run.waitForLine(/^FLAT position=0 cancelled$/);
    assert.equal(run.lines.filter((line) => line.startsWith('BOUGHT')).length, 1);
    assert.deepEqual(await run.stop('SIGINT'), { code: 0, signal: null }, run.stderr());
    const orders = await ordersOf(key);
    assert.deepEqual(
      orders.map((order) => `${order.action} ${order.quantity} ${order.status}`),
      ['buy 1000 cancelled', 'buy 1000 filled', 'sell 1000 filled'],
    );
    assert.equal(orders[0].id, resting);
  });
});
