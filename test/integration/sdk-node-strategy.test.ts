// Strategies written with the Node SDK, run as real processes: trading live on a sandbox (with
// reconciliation of orders left open), and the example twins in replay sessions, whose trades
// must equal the in-process fast path's on the same range.
import { streamUrlFor } from '../../api/script-environment';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../api/orders';
import type { BacktestReport, Session } from '../../api/sessions';
import { BacktestReport as BacktestReportSchema } from '../../api/sessions';
import { createKey, stopAllSandboxes, tradingSandbox, waitFor } from './harness';
import type { Key } from './harness';
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

const tickTrader = `
import { Strategy, runStrategy } from '@timber-studio/sdk';
import type { StrategyContext, StrategyFill, StrategyTick } from '@timber-studio/sdk';

class TickTrader extends Strategy {
  placed = 0;
  busy = false;
  onStart(ctx: StrategyContext) {
    ctx.log('start: ' + ctx.openOrders().length + ' open, position ' + ctx.position('EURUSD'));
  }
  async onTick(tick: StrategyTick, ctx: StrategyContext) {
    if (this.busy || this.placed >= 3) return;
    this.busy = true;
    this.placed++;
    await (this.placed % 2 === 1 ? ctx.buy('EURUSD', 1000) : ctx.sell('EURUSD', 1000));
    this.busy = false;
  }
  onFill(fill: StrategyFill, ctx: StrategyContext) {
    ctx.log('filled ' + fill.action + ' position now ' + ctx.position('EURUSD'));
  }
  onStop(ctx: StrategyContext) {
    ctx.log('stopping with position ' + ctx.position('EURUSD'));
  }
}
void runStrategy(new TickTrader());
`;

describe('a Node strategy trading live on the sandbox', () => {
  let url: string;
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];

  before(async () => {
    const started = await tradingSandbox();
    ({ call } = started);
    url = started.sandbox.url;
    key = await createKey(started.sandbox, 'trade');
  });

  const environment = (config: string) => ({
    TIMBER_BASE_URL: url,
    TIMBER_STREAM_URL: streamUrlFor(url),
    TIMBER_ENV: 'local',
    TIMBER_API_KEY_ID: key.key_id,
    TIMBER_API_SECRET: key.secret,
    TIMBER_STRATEGY_CONFIG: config,
    TIMBER_RUN_ID: 'it',
  });

  test('reconciles a left-over order, trades on ticks, prints orders and fills, stops on SIGINT', async () => {
    const resting = await call<Order>('POST', '/orders', {
      symbol: 'EURUSD',
      action: 'buy',
      quantity: 1000,
      order_type: 'limit',
      limit_price: 0.5,
      time_in_force: 'gtc',
    });
    assert.equal(resting.status, 201);
    const bundle = await bundleStrategy({ source: tickTrader });
    const config = configFile({ name: 'ticks', symbols: ['EURUSD'] });
    const script = runScript(bundle, environment(config));
    await script.waitForLine(/1 open order\(s\) left by a previous run/);
    await script.waitForLine(new RegExp(`^  ${resting.body.id} buy 1000 EURUSD limit 0.5`));
    await script.waitForLine(/start: 1 open, position 0$/);
    await script.waitForLine(/order ord_\w+ accepted: buy 1000 EURUSD market$/);
    await script.waitForLine(/fill ord_\w+: bought 1000 EURUSD at \d\.\d+ \(fee/);
    await script.waitForLine(/filled sell position now 0$/);
    await script
      .waitForLine(/filled buy position now 1000$/, 30_000)
      .then(() =>
        waitFor('the third fill', () =>
          Promise.resolve(
            script.lines.filter((line) => / fill ord_/.test(line)).length >= 3 ? true : undefined,
          ),
        ),
      );
    script.child.kill('SIGINT');
    assert.equal(await script.exited, 0);
    assert.ok(
      script.lines.some((line) => /stopping with position 1000$/.test(line)),
      script.lines.join('\n'),
    );
    assert.equal(script.stderr().includes(key.secret), false, 'the secret never shows');
  });

  test('a handler that throws stops the script with a non-zero code and says where', async () => {
    const bundle = await bundleStrategy({
      source: `
import { Strategy, runStrategy } from '@timber-studio/sdk';
class Broken extends Strategy {
  onTick() { throw new Error('no idea what to do'); }
}
void runStrategy(new Broken());
`,
    });
    const script = runScript(
      bundle,
      environment(configFile({ name: 'broken', symbols: ['EURUSD'] })),
    );
    assert.equal(await script.exited, 1);
    assert.match(
      script.stderr(),
      /strategy stopped: onTick failed at the EURUSD tick of 2024-03-06 \d\d:\d\d:\d\dZ: Error: no idea what to do/,
    );
  });

  test('a bad config names the field and the file, exit code 2', async () => {
    const bundle = await bundleStrategy({ path: 'examples/sma-crossover/sma_crossover.ts' });
    const config = configFile({ name: 'bad', symbols: ['EURUSD'], risk: { max_position: 0 } });
    const script = runScript(bundle, environment(config));
    assert.equal(await script.exited, 2);
    assert.match(
      script.stderr(),
      new RegExp(`strategy config error: ${config}: risk\\.max_position: `),
    );
  });
});

/** The trades of a report, in the words that must match between two runs. */
function trades(report: BacktestReport) {
  return report.fills.map((fill) => `${fill.t} ${fill.action} ${fill.quantity} ${fill.price}`);
}

/**
 * Buys every 25 bars; each buy's fill places a limit sell a little above it, and every 40 bars
 * all open orders are cancelled, both without awaiting: the session's runtime must still let
 * their events in before the next bar, as the in-process path does.
 */
const reactiveStrategy = `
import type { StrategyCandle, StrategyContext, StrategyFill } from '@timber-studio/sdk';
import { Strategy, runStrategy } from '@timber-studio/sdk';

class Reactive extends Strategy {
  private bars = 0;

  override onCandle(candle: StrategyCandle, ctx: StrategyContext): void | Promise<void> {
    this.bars++;
    if (this.bars % 40 === 0) void ctx.cancelAll(candle.symbol);
    if (this.bars % 25 === 0) return ctx.buy(candle.symbol, 10000).then(() => undefined);
  }

  override onFill(fill: StrategyFill, ctx: StrategyContext): void {
    if (fill.action !== 'buy' || fill.order.order_type !== 'market') return;
    const target = ctx.roundToTick(fill.symbol, fill.price * 1.0002);
    void ctx.sell(fill.symbol, fill.quantity, { limitPrice: target });
  }
}

void runStrategy(new Reactive());
`;

/**
 * Each twin takes seconds, under 30 s on a loaded machine; a session that stalls (the stream
 * dropped at the wrong moment once left one waiting for minutes) fails its test, not the CI job.
 */
const stallLimit = { timeout: 300_000 };

describe('the example twins in replay sessions and in-process', () => {
  let key: Key;
  let call: Awaited<ReturnType<typeof tradingSandbox>>['call'];
  const from = Date.UTC(2024, 2, 6, 8, 0);
  const to = Date.UTC(2024, 2, 6, 14, 0);

  before(async () => {
    const started = await tradingSandbox();
    ({ call } = started);
    key = await createKey(started.sandbox, 'trade');
  });

  for (const example of [
    {
      name: 'SMA crossover',
      path: 'examples/sma-crossover/sma_crossover.ts',
      params: { fast: 5, slow: 20, quantity: 10000 },
    },
    {
      name: 'SMA crossover, its stream dropped every 100 ms',
      path: 'examples/sma-crossover/sma_crossover.ts',
      params: { fast: 5, slow: 20, quantity: 10000 },
      faults: { stream_drop_after_ms: 100 },
      // Four days of bars, so the run outlasts the first drop on any machine.
      range: { from: Date.UTC(2024, 2, 4), to: Date.UTC(2024, 2, 8) },
    },
    {
      name: 'volatility breakout',
      path: 'examples/volatility-breakout/volatility_breakout.ts',
      params: { lookback: 20, k: 1.5, stop: 2, target: 3, quantity: 10000 },
    },
    {
      name: 'orders placed from onFill and cancels, neither awaited',
      source: reactiveStrategy,
      params: {},
    },
  ]) {
    test(
      `${example.name}: a lockstep session gives the same trades as the in-process path`,
      stallLimit,
      async () => {
        const bundle = await bundleStrategy(
          'path' in example ? { path: example.path } : { source: example.source },
        );
        const config = configFile({
          name: example.name,
          symbols: ['EURUSD'],
          params: example.params,
        });
        const created = await call<Session>('POST', '/sandbox/sessions', {
          symbols: ['EURUSD'],
          interval: '1m',
          ...('range' in example ? example.range : { from, to }),
          ...('faults' in example && { faults: example.faults }),
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const session = created.body;
        const live = runScript(bundle, {
          TIMBER_BASE_URL: session.base_url,
          TIMBER_STREAM_URL: session.stream_url,
          TIMBER_ENV: 'backtest',
          TIMBER_API_KEY_ID: key.key_id,
          TIMBER_API_SECRET: key.secret,
          TIMBER_STRATEGY_CONFIG: config,
        });
        assert.equal(await live.exited, 0, live.stderr());
        if ('faults' in example) {
          const drops = live.stderr().match(/stream: the stream closed \(1012/g) ?? [];
          // How many drops fit in the run depends on the machine's speed; at least one must.
          assert.ok(drops.length >= 1, `the stream was dropped mid-run (${drops.length} times)`);
        }
        const answer = await call<BacktestReport>('GET', `/sandbox/sessions/${session.id}/report`);
        assert.equal(answer.status, 200);
        const viaSession = BacktestReportSchema.parse(answer.body);

        const resultFile = join(scratchFolder(), 'report.json');
        const inProcess = runScript(bundle, {
          TIMBER_ENV: 'backtest',
          TIMBER_BACKTEST: JSON.stringify({
            symbols: ['EURUSD'],
            interval: '1m',
            ...('range' in example ? example.range : { from, to }),
            balance: 100_000,
          }),
          TIMBER_RESULT_FILE: resultFile,
          TIMBER_STRATEGY_CONFIG: config,
        });
        assert.equal(await inProcess.exited, 0, inProcess.stderr());
        const viaProcess = BacktestReportSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8')));

        assert.equal(viaSession.bars, 'range' in example ? 4 * 1440 : 360);
        assert.equal(viaProcess.bars, viaSession.bars);
        assert.ok(
          viaSession.fills.length >= 4,
          `the range has trades (${viaSession.fills.length})`,
        );
        assert.deepEqual(trades(viaProcess), trades(viaSession));
        assert.equal(viaProcess.final_equity, viaSession.final_equity);
        const printed = (lines: string[]) =>
          lines.filter((line) => / (order|fill) ord_/.test(line));
        assert.deepEqual(printed(inProcess.lines), printed(live.lines), 'the same lines on stdout');
      },
    );
  }
});
