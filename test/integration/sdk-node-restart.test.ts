// A Node strategy's start and restart: events between its REST snapshot and its stream are not
// lost, and an order sent again after a crash is recognised by its client_order_id, not doubled.
import { streamUrlFor } from '../../api/script-environment';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../api/orders';
import {
  accessToken,
  api,
  createKey,
  startSandboxProcess,
  stopAllSandboxes,
  waitFor,
} from './harness';
import type { Key, SandboxProcess } from './harness';
import {
  bundleStrategy,
  cleanUpScripts,
  configFile,
  runScript,
  scratchFolder,
} from './sdk-node-support';

after(async () => {
  await cleanUpScripts();
  await stopAllSandboxes();
});

/**
 * onStart takes at least 2 s and lasts until the test has traded (it writes the gate file); the
 * first tick after it says what the strategy believes.
 */
const slowStart = `
import { existsSync } from 'node:fs';
import { Strategy, runStrategy } from '@timber-studio/sdk';
import type { StrategyContext } from '@timber-studio/sdk';

class SlowStart extends Strategy {
  reported = false;
  async onStart(ctx: StrategyContext) {
    ctx.log('start: position ' + ctx.position('EURUSD') + ', open ' + ctx.openOrders().length);
    const began = Date.now();
    while (!existsSync(process.env.GATE_FILE!) || Date.now() - began < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  onTick(_tick: unknown, ctx: StrategyContext) {
    if (this.reported) return;
    this.reported = true;
    ctx.log('after start: position ' + ctx.position('EURUSD') + ', open ' + ctx.openOrders().length);
    process.kill(process.pid, 'SIGINT');
  }
}
void runStrategy(new SlowStart());
`;

/** Buys once at start and says what it was told. */
const buyOnce = `
import { Strategy, runStrategy } from '@timber-studio/sdk';
import type { StrategyContext } from '@timber-studio/sdk';

class BuyOnce extends Strategy {
  async onStart(ctx: StrategyContext) {
    const order = await ctx.buy('EURUSD', 1000);
    ctx.log('told ' + order.id + ' ' + order.client_order_id);
    process.kill(process.pid, 'SIGINT');
  }
}
void runStrategy(new BuyOnce());
`;

describe('a Node strategy starting and restarting', () => {
  let sandbox: SandboxProcess;
  let key: Key;
  let controlToken: string;
  const control = <T>(method: string, path: string, body?: unknown) =>
    api<T>(sandbox.url, controlToken, method, path, body);
  const environment = (config: string, extra: Record<string, string> = {}) => ({
    TIMBER_BASE_URL: sandbox.url,
    TIMBER_STREAM_URL: streamUrlFor(sandbox.url),
    TIMBER_API_KEY_ID: key.key_id,
    TIMBER_API_SECRET: key.secret,
    TIMBER_STRATEGY_CONFIG: config,
    ...extra,
  });

  before(async () => {
    sandbox = await startSandboxProcess();
  });

  /** A fresh account for each test: the script's key, and a second key the test trades with. */
  async function freshAccount(): Promise<void> {
    key = await createKey(sandbox, 'trade', 'new');
    const other = await createKey(sandbox, 'trade', key.account_id);
    controlToken = await accessToken(sandbox.url, other);
  }

  test('a cancel and a buy by another key during a slow onStart reach the strategy', async () => {
    await freshAccount();
    const resting = await control<Order>('POST', '/orders', {
      symbol: 'EURUSD',
      action: 'buy',
      quantity: 1000,
      order_type: 'limit',
      limit_price: 0.5,
      time_in_force: 'gtc',
    });
    assert.equal(resting.status, 201);
    const gate = join(scratchFolder(), 'traded');
    const bundle = await bundleStrategy({ source: slowStart });
    const config = configFile({ name: 'slow-start', symbols: ['EURUSD'] });
    const script = runScript(bundle, environment(config, { GATE_FILE: gate }));
    // The strategy has read the account over REST and is inside onStart.
    await script.waitForLine(/start: position 0, open 1$/);
    assert.equal((await control('DELETE', `/orders/${resting.body.id}`)).status, 200);
    const bought = await control<Order>('POST', '/orders', {
      symbol: 'EURUSD',
      action: 'buy',
      quantity: 3000,
      order_type: 'market',
      time_in_force: 'gtc',
    });
    assert.equal(bought.body.status, 'filled');
    writeFileSync(gate, 'traded');
    await script.waitForLine(/after start: position 3000, open 0$/);
    assert.equal(await script.exited, 0, script.stderr());
    assert.ok(script.lines.some((line) => line.includes(`order ${resting.body.id} cancelled`)));
  });

  test('an order sent again after a crash is the same order, not a second one', async () => {
    await freshAccount();
    const bundle = await bundleStrategy({ source: buyOnce });
    // Hourly bars: both runs fall in the same bar, so they number the order the same way.
    const config = configFile({ name: 'buy-once', symbols: ['EURUSD'], interval: '1h' });
    // The first run's order is placed, but its answer held back until after the crash.
    await control('PUT', '/sandbox/faults', {
      key_id: key.key_id,
      after_commit: { delay_ms: 20_000 },
    });
    const first = runScript(bundle, environment(config));
    const placed = await waitFor('the first run to place its order', async () => {
      const listed = await control<{ orders: Order[] }>('GET', '/orders?status=all');
      return listed.body.orders[0];
    });
    first.child.kill('SIGKILL');
    await first.exited;
    await control('PUT', '/sandbox/faults', { key_id: key.key_id });
    assert.equal(first.lines.filter((line) => / told /.test(line)).length, 0, 'it never heard');

    const second = runScript(bundle, environment(config));
    assert.equal(await second.exited, 0, second.stderr());
    const told = second.lines.find((line) => / told /.test(line));
    assert.equal(told?.split(' told ')[1], `${placed.id} ${placed.client_order_id}`);
    assert.match(placed.client_order_id ?? '', /^buy-once-[0-9a-z]+-1$/);
    assert.ok(
      second.lines.some((line) => line.includes(`order ${placed.id} (client_order_id`)),
      second.lines.join('\n'),
    );
    const orders = await control<{ orders: Order[] }>('GET', '/orders?status=all');
    assert.equal(orders.body.orders.length, 1, 'one order for the one intent');
    const account = await control<{ positions: { quantity: number }[] }>('GET', '/account');
    assert.deepEqual(
      account.body.positions.map((position) => position.quantity),
      [1000],
    );
  });
});
