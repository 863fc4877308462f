// The Node SDK when the answer to an accepted order is lost (the sandbox's faults after commit):
// on the very request that opens the circuit breaker, on a half-open trial, and in a strategy;
// what the SDK reports must be what the account holds.
import { streamUrlFor } from '../../api/script-environment';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../api/orders';
import type { BreakerChange } from '../../sdk/node/src/breaker';
import type { ClientNotice } from '../../sdk/node/src/client';
import { TimberClient } from '../../sdk/node/src/client';
import { CircuitOpenError } from '../../sdk/node/src/errors';
import { accessToken, api, createKey, startSandboxProcess, stopAllSandboxes } from './harness';
import type { Key, SandboxProcess } from './harness';
import { bundleStrategy, cleanUpScripts, configFile, runScript } from './sdk-node-support';

after(async () => {
  await cleanUpScripts();
  await stopAllSandboxes();
});

const buy = {
  symbol: 'EURUSD',
  action: 'buy',
  quantity: 1000,
  order_type: 'market',
  time_in_force: 'gtc',
} as const;

describe('Node SDK: accepted orders whose answers are lost', () => {
  let sandbox: SandboxProcess;
  /** Per script key, the token of a second key of its account: it sets faults and audits. */
  const controls = new Map<string, string>();

  before(async () => {
    sandbox = await startSandboxProcess();
  });

  /** A key on a fresh account, so that each test audits only its own orders. */
  async function freshKey(): Promise<Key> {
    const key = await createKey(sandbox, 'trade', 'new');
    const control = await createKey(sandbox, 'trade', key.account_id);
    controls.set(key.key_id, await accessToken(sandbox.url, control));
    return key;
  }
  const control = <T>(key: Key, method: string, path: string, body?: unknown) =>
    api<T>(sandbox.url, controls.get(key.key_id)!, method, path, body);
  async function setFaults(key: Key, faults: Record<string, unknown>) {
    const answer = await control(key, 'PUT', '/sandbox/faults', { key_id: key.key_id, ...faults });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  async function ordersOf(key: Key): Promise<Order[]> {
    const listed = await control<{ orders: Order[] }>(key, 'GET', '/orders?status=all&limit=500');
    return listed.body.orders;
  }
  function client(key: Key, breaker: { failureThreshold?: number; cooldownMs?: number }) {
    const changes: BreakerChange[] = [];
    const notices: ClientNotice[] = [];
    const sdk = new TimberClient({
      baseUrl: sandbox.url,
      keyId: key.key_id,
      secret: key.secret,
      backoff: { baseMs: 5, capMs: 20 },
      breaker: { ...breaker, onStateChange: (change) => changes.push(change) },
      onNotice: (notice) => notices.push(notice),
    });
    return { sdk, changes, notices };
  }

  for (const fault of [
    { name: 'a 503', after_commit: { error_rate: 1 } },
    { name: 'a connection reset', after_commit: { reset_rate: 1 } },
  ]) {
    test(`${fault.name} after commit on the request that opens the breaker: reported placed`, async () => {
      const key = await freshKey();
      const { sdk, changes, notices } = client(key, { failureThreshold: 1 });
      await sdk.account();
      await setFaults(key, { after_commit: fault.after_commit });
      const placed = await sdk.placeOrder({ ...buy, client_order_id: 'lost-answer-1' });
      assert.equal(sdk.breaker.state, 'open', 'the first lost answer opened the breaker');
      assert.equal(changes[0]?.to, 'open');
      const orders = await ordersOf(key);
      assert.equal(orders.length, 1, 'placed once, whatever the retries');
      assert.equal(placed.id, orders[0].id);
      assert.equal(placed.status, orders[0].status);
      assert.equal(orders[0].client_order_id, 'lost-answer-1');
      assert.ok(notices.some((notice) => notice.type === 'retry'));
      assert.ok(notices.some((notice) => notice.type === 'looked_up' && notice.order !== null));
      // The breaker is open now: a new order is refused without a request.
      await setFaults(key, {});
      await assert.rejects(sdk.placeOrder(buy), CircuitOpenError);
      assert.equal((await ordersOf(key)).length, 1);
    });
  }

  test('a half-open trial whose answer is lost is reported placed, and the breaker reopens', async () => {
    const key = await freshKey();
    const { sdk, changes } = client(key, { failureThreshold: 1, cooldownMs: 300 });
    await sdk.account();
    await setFaults(key, { error_rate: 1 });
    await assert.rejects(sdk.positions());
    assert.equal(sdk.breaker.state, 'open');
    await setFaults(key, { after_commit: { error_rate: 1 } });
    // Polls the breaker's own clock: the trial may go once its cooldown has passed.
    while (Date.now() < sdk.breaker.retryAt) await new Promise((done) => setTimeout(done, 20));
    const trial = await sdk.placeOrder(buy);
    const orders = await ordersOf(key);
    assert.deepEqual(
      orders.map((order) => order.id),
      [trial.id],
    );
    assert.equal(sdk.breaker.state, 'open', 'the failed trial opened it for another cooldown');
    assert.deepEqual(
      changes.map((change) => change.to),
      ['open', 'half_open', 'open'],
    );
  });

  test('in a strategy: what it was told is what the account holds', async () => {
    const key = await freshKey();
    await setFaults(key, { after_commit: { error_rate: 1 } });
    const bundle = await bundleStrategy({ source: toldStrategy });
    const config = configFile({
      name: 'told',
      symbols: ['EURUSD'],
      risk: { circuit_breaker_failures: 1, circuit_breaker_cooldown_ms: 600_000 },
    });
    const script = runScript(bundle, {
      TIMBER_BASE_URL: sandbox.url,
      TIMBER_STREAM_URL: streamUrlFor(sandbox.url),
      TIMBER_API_KEY_ID: key.key_id,
      TIMBER_API_SECRET: key.secret,
      TIMBER_STRATEGY_CONFIG: config,
    });
    assert.equal(await script.exited, 0, script.stderr());
    const told = script.lines
      .filter((line) => / told /.test(line))
      .map((line) => line.split(' told ')[1]);
    const orders = await ordersOf(key);
    assert.equal(told.length, 3, script.lines.join('\n'));
    const [first, second, third] = told;
    assert.match(second, /^buy skipped CircuitOpenError/);
    const placedIds = [first, third].map((line) => /placed (ord_\w+) (\w+)/.exec(line));
    assert.deepEqual(
      orders.map((order) => [order.id, order.status]),
      placedIds.map((match) => [match?.[1], match?.[2]]),
      script.lines.join('\n'),
    );
    assert.match(first, /^buy placed/);
    assert.match(third, /^close placed/);
    assert.ok(
      script.lines.some((line) =>
        / trading paused: a request failed \(HTTP 503 from POST \/orders\)/.test(line),
      ),
    );
    assert.ok(script.lines.some((line) => / order skipped: buy 1000 EURUSD market: /.test(line)));
    assert.ok(
      script.lines.some((line) => / retrying POST \/orders \(HTTP 503 unavailable\)/.test(line)),
    );
    const account = await control<{ positions: unknown[] }>(key, 'GET', '/account');
    assert.deepEqual(account.body.positions, []);
    assert.ok(script.lines.some((line) => /Z position 0$/.test(line)));
  });
});

/**
 * Three intents in onStart, each line saying what the SDK told: a buy whose answer is lost (it
 * opens the breaker), a buy while the breaker is open, and a close that reduces the position.
 */
const toldStrategy = `
import { Strategy, runStrategy } from '@timber-studio/sdk';
import type { StrategyContext } from '@timber-studio/sdk';

class Told extends Strategy {
  async onStart(ctx: StrategyContext) {
    await this.tell(ctx, 'buy', () => ctx.buy('EURUSD', 1000));
    await this.tell(ctx, 'buy', () => ctx.buy('EURUSD', 1000));
    await this.tell(ctx, 'close', () => ctx.closePosition('EURUSD'));
    ctx.log('position ' + ctx.position('EURUSD'));
    process.kill(process.pid, 'SIGINT');
  }
  async tell(ctx: StrategyContext, what: string, send: () => Promise<unknown>) {
    try {
      const order = (await send()) as { id: string; status: string };
      ctx.log('told ' + what + ' placed ' + order.id + ' ' + order.status);
    } catch (error) {
      ctx.log('told ' + what + ' skipped ' + (error as Error).name + ': ' + (error as Error).message);
    }
  }
}
void runStrategy(new Told());
`;
