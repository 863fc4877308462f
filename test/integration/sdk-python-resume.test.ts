// The Python SDK's stream client survives dropped connections: while a proxy in front of the
// sandbox keeps cutting its connections, orders placed by another client keep coming, and the
// script still reports every order event exactly once (reconnect + since_seq resume).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Order } from '../../api/orders';
import { marketBuy, stopAllSandboxes, tradingSandbox } from './harness';
import {
  pythonScripts,
  runPython,
  startProxy,
  stopAllPython,
  timberEnv,
} from './sdk-python-process';
import type { Proxy } from './sdk-python-process';

let proxy: Proxy | undefined;
after(async () => {
  await stopAllPython();
  await proxy?.close();
  await stopAllSandboxes();
});

/** A run that hangs across its dropped connections fails the test, not the CI job. */
const hangLimit = { timeout: 300_000 };

test(
  'no order event is missed or repeated across dropped stream connections',
  hangLimit,
  async () => {
    const { sandbox, key, call } = await tradingSandbox();
    proxy = await startProxy(sandbox.url);
    const run = runPython(join(pythonScripts, 'order_watch.py'), {
      ...timberEnv(proxy.url, key),
      TIMBER_STRATEGY_CONFIG: join(pythonScripts, 'live_trader.json'),
    });
    await run.waitForLine(/^WATCHING$/);

    const ids: string[] = [];
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const connectionsBefore = proxy.connections();
      proxy.drop();
      // Orders placed while the script is disconnected (straight to the sandbox, not the proxy).
      for (let i = 0; i < 3; i++) {
        const answer = await call<Order>('POST', '/orders', marketBuy(1000), {
          'Idempotency-Key': `resume-${round}-${i}`,
        });
        assert.equal(answer.status, 201);
        ids.push(answer.body.id);
      }
      // Wait until the script is back before the next drop, so every round tests a resume.
      const deadline = Date.now() + 30_000;
      while (proxy.connections() === connectionsBefore) {
        if (Date.now() > deadline) throw new Error(`the script did not reconnect: ${run.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const events = await run.waitForCount(/^EVENT /, ids.length * 2, 60_000);
    for (const id of ids) {
      const mine = events.filter((line) => line.endsWith(` ${id}`));
      assert.deepEqual(mine, [`EVENT accepted ${id}`, `EVENT fill ${id}`], `events of ${id}`);
    }
    assert.match(run.stderr(), /stream: reconnected/);
    const outcome = await run.stop('SIGINT');
    assert.equal(outcome.code, 0, run.stderr());
    // Nothing arrived twice after the last resume either.
    assert.equal(run.lines.filter((line) => line.startsWith('EVENT ')).length, ids.length * 2);
  },
);
