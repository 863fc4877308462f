// `tbm sandbox --clock session` as a process, on a simulated weekend: the hidden `--wall-now`
// starts the sandbox's wall clock at a chosen instant (a Saturday), as if the machine said so.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Health } from '../../api/admin';
import type { Order } from '../../api/orders';
import { forexOpenAt } from '../../sandbox/market/session-clock';
import type { SandboxProcess } from './harness';
import {
  accessToken,
  api,
  createKey,
  marketBuy,
  startSandboxProcess,
  stopAllSandboxes,
} from './harness';

after(() => stopAllSandboxes());

const minute = 60_000;
const saturdayNoon = '2024-03-09T12:00:00Z';
const sundayOpen = Date.parse('2024-03-10T22:00:00Z');

/** A sandbox on the session clock whose wall clock starts at `wall`. */
function sessionSandbox(wall: string, options: { dataDir?: string; clock?: string | null } = {}) {
  const clock = options.clock === undefined ? 'session' : options.clock;
  return startSandboxProcess({
    now: null,
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    args: [...(clock === null ? [] : ['--clock', clock]), '--wall-now', wall],
  });
}

async function health(sandbox: SandboxProcess): Promise<Health> {
  return (await api<Health>(sandbox.url, null, 'GET', '/health')).body;
}

async function buy(sandbox: SandboxProcess): Promise<Order> {
  const token = await accessToken(sandbox.url, await createKey(sandbox, 'trade'));
  const answer = await api<Order>(sandbox.url, token, 'POST', '/orders', marketBuy(1000), {
    'Idempotency-Key': `clock-${Date.now()}-${Math.random()}`,
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

describe('the session clock on a Saturday', () => {
  test('the market is open and a market order fills, at Sunday 22:00 market time', async () => {
    const sandbox = await sessionSandbox(saturdayNoon);
    const status = await health(sandbox);
    assert.equal(status.clock?.mode, 'session');
    assert.ok(Math.abs((status.clock?.wall_now ?? 0) - Date.parse(saturdayNoon)) < minute);
    assert.equal(status.now, status.clock?.market_now);
    assert.ok(status.now >= sundayOpen && status.now < sundayOpen + minute, `now ${status.now}`);
    const order = await buy(sandbox);
    assert.equal(order.status, 'filled');
    assert.ok(order.fills[0].t >= sundayOpen);
    assert.match(sandbox.stderr(), /session clock: market time 2024-03-10T22:00/);
  });

  test('on the real clock the same Saturday refuses it as market_closed', async () => {
    const sandbox = await startSandboxProcess({ now: saturdayNoon });
    const status = await health(sandbox);
    assert.equal(status.clock?.mode, 'real');
    const token = await accessToken(sandbox.url, await createKey(sandbox, 'trade'));
    const answer = await api<{ error: { details: { reason?: string }[] } }>(
      sandbox.url,
      token,
      'POST',
      '/orders',
      marketBuy(1000),
    );
    assert.equal(answer.status, 422);
    assert.equal(answer.body.error.details[0]?.reason, 'market_closed');
  });
});

describe('a session folder across restarts', () => {
  test('a weekend between restarts, a crash and a wall clock set back: market time never goes back', async () => {
    const readings: number[] = [];
    const orders: Order[] = [];
    const look = async (sandbox: SandboxProcess) => {
      const { now, clock } = await health(sandbox);
      assert.equal(clock?.mode, 'session');
      assert.ok(forexOpenAt(now), `market time ${new Date(now).toISOString()} is closed`);
      readings.push(now);
      orders.push(await buy(sandbox));
    };
    const first = await sessionSandbox('2024-03-08T21:58:00Z');
    const { dataDir } = first;
    await look(first);
    assert.equal(await first.stop('SIGTERM'), 0);
    // The weekend passes while it is stopped; it starts again on Saturday without --clock.
    const second = await sessionSandbox(saturdayNoon, { dataDir, clock: null });
    await look(second);
    assert.ok(readings[1] >= sundayOpen);
    await second.stop('SIGKILL');
    const third = await sessionSandbox('2024-03-11T09:00:00Z', { dataDir, clock: null });
    await look(third);
    await third.stop('SIGTERM');
    // The machine's clock set back to Friday evening.
    const fourth = await sessionSandbox('2024-03-08T21:58:00Z', { dataDir, clock: null });
    await look(fourth);
    assert.match(fourth.stderr(), /wall clock is behind/);
    await fourth.stop('SIGTERM');

    for (let i = 1; i < readings.length; i++) assert.ok(readings[i] >= readings[i - 1]);
    const times = orders.flatMap((order) => [order.created_at, ...order.fills.map((f) => f.t)]);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.ok(orders.every((order) => order.status === 'filled'));

    await assert.rejects(
      sessionSandbox(saturdayNoon, { dataDir, clock: 'real' }),
      /keeps a session clock, whose market time never goes back.*another --data-dir/s,
    );
  });
});
