import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BacktestReport } from '../../../api/sessions';
import { runBacktest, writeReport } from '../../../sdk/node/src/backtest';
import { parseStrategyConfig } from '../../../sdk/node/src/config';
import { StrategyFailure } from '../../../sdk/node/src/dispatch';
import { RiskLimitError } from '../../../sdk/node/src/errors';
import type {
  OrderUpdate,
  StrategyCandle,
  StrategyContext,
  StrategyFill,
} from '../../../sdk/node/src/strategy';
import { Strategy } from '../../../sdk/node/src/strategy';

// A Wednesday: EURUSD trades all day.
const spec = {
  symbols: ['EURUSD'],
  interval: '1m' as const,
  from: Date.parse('2024-03-06T10:00:00Z'),
  to: Date.parse('2024-03-06T12:00:00Z'),
  balance: 100_000,
};
const config = (risk: Record<string, number> = {}) =>
  parseStrategyConfig({ name: 't', symbols: ['EURUSD'], risk }, 'strategy.json');
const quiet = { print: () => {} };
const dir = mkdtempSync(join(tmpdir(), 'sdk-backtest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('candles arrive closed, in order, one per minute of the range', async () => {
  const seen: StrategyCandle[] = [];
  class Recorder extends Strategy {
    override onCandle(candle: StrategyCandle) {
      seen.push(candle);
    }
  }
  const outcome = await runBacktest(new Recorder(), config(), spec, quiet);
  assert.equal(outcome.bars, 120);
  assert.equal(seen.length, 120);
  assert.equal(seen[0].t, spec.from);
  assert.equal(seen.at(-1)!.t, spec.to - 60_000);
  for (const candle of seen) {
    assert.equal(candle.symbol, 'EURUSD');
    assert.equal(candle.interval, '1m');
    assert.ok(candle.l <= Math.min(candle.o, candle.c) && candle.h >= Math.max(candle.o, candle.c));
  }
});

test('an order at a bar fills at its close; its events, each as it happened, come before the next candle', async () => {
  const log: string[] = [];
  class Trader extends Strategy {
    bars = 0;
    override onCandle(_candle: StrategyCandle, ctx: StrategyContext) {
      this.bars++;
      log.push(`candle ${this.bars} position ${ctx.position('EURUSD')}`);
      if (this.bars === 3)
        return ctx.buy('EURUSD', 10_000).then((order) => void log.push(`placed ${order.status}`));
      if (this.bars === 5) return ctx.closePosition('EURUSD').then(() => undefined);
      return;
    }
    override onOrder(update: OrderUpdate, ctx: StrategyContext) {
      log.push(`order ${update.type} ${update.order.status} at ${ctx.now() - spec.from}`);
    }
    override onFill(fill: StrategyFill) {
      log.push(`fill ${fill.action} ${fill.quantity}`);
    }
  }
  const lines: string[] = [];
  const outcome = await runBacktest(new Trader(), config(), spec, {
    print: (line) => lines.push(line),
  });
  assert.deepEqual(log.slice(0, 12), [
    'candle 1 position 0',
    'candle 2 position 0',
    'candle 3 position 0',
    'placed filled',
    'order accepted open at 180000',
    'order fill filled at 180000',
    'fill buy 10000',
    'candle 4 position 10000',
    'candle 5 position 10000',
    'order accepted open at 300000',
    'order fill filled at 300000',
    'fill sell 10000',
  ]);
  assert.equal(log[12], 'candle 6 position 0');
  assert.match(lines[0], /^2024-03-06 10:03:00Z order ord_\w+ accepted: buy 10000 EURUSD market$/);
  assert.match(
    lines[1],
    /^2024-03-06 10:03:00Z fill ord_\w+: bought 10000 EURUSD at 1\.\d+ \(fee \d+\.\d\d USD\)$/,
  );
  const reportPath = join(dir, 'report.json');
  writeReport(outcome.replay, reportPath);
  const report = BacktestReport.parse(JSON.parse(readFileSync(reportPath, 'utf8')));
  assert.equal(report.bars, 120);
  assert.equal(report.orders.length, 2);
  assert.equal(report.fills.length, 2);
});

test('stop loss and take profit exits reach onFill like any fill', async () => {
  const fills: StrategyFill[] = [];
  class Protected extends Strategy {
    done = false;
    override onCandle(candle: StrategyCandle, ctx: StrategyContext) {
      if (this.done) return;
      this.done = true;
      return ctx
        .buy('EURUSD', 10_000, {
          stopLoss: ctx.roundToTick('EURUSD', candle.c - 0.0003),
          takeProfit: ctx.roundToTick('EURUSD', candle.c + 0.0003),
        })
        .then(() => undefined);
    }
    override onFill(fill: StrategyFill) {
      fills.push(fill);
    }
  }
  await runBacktest(new Protected(), config(), spec, quiet);
  assert.equal(fills.length, 2, 'the entry and one exit');
  assert.equal(fills[1].action, 'sell');
  assert.notEqual(fills[1].order.trigger, null);
});

test('a handler that throws stops the run, naming the handler and the bar', async () => {
  class Faulty extends Strategy {
    n = 0;
    override onCandle() {
      if (++this.n === 7) throw new Error('division by zero');
    }
  }
  await assert.rejects(runBacktest(new Faulty(), config(), spec, quiet), (error: unknown) => {
    assert.ok(error instanceof StrategyFailure);
    assert.match(
      error.message,
      /^onCandle failed at the EURUSD bar of 2024-03-06 10:06:00Z: Error: division by zero/,
    );
    return true;
  });
});

test('an async handler that rejects stops the run the same way', async () => {
  class Faulty extends Strategy {
    override async onCandle(candle: StrategyCandle) {
      await Promise.resolve();
      if (candle.t >= spec.from + 120_000) throw new Error('bad state');
    }
  }
  await assert.rejects(
    runBacktest(new Faulty(), config(), spec, quiet),
    /onCandle failed at the EURUSD bar of 2024-03-06 10:02:00Z: Error: bad state/,
  );
});

test('the order-rate guard stops a strategy that floods orders', async () => {
  class Flood extends Strategy {
    override async onCandle(_candle: StrategyCandle, ctx: StrategyContext) {
      for (let i = 0; i < 5; i++) await ctx.buy('EURUSD', 1000);
    }
  }
  await assert.rejects(
    runBacktest(new Flood(), config({ max_orders_per_minute: 3 }), spec, quiet),
    (error: unknown) => {
      assert.ok(error instanceof StrategyFailure);
      assert.ok(error.thrown instanceof RiskLimitError);
      return true;
    },
  );
});

test('a refused order rejects with the API error; the strategy may catch it', async () => {
  const messages: string[] = [];
  class Wrong extends Strategy {
    tried = false;
    override async onCandle(_candle: StrategyCandle, ctx: StrategyContext) {
      if (this.tried) return;
      this.tried = true;
      await ctx.buy('EURUSD', 1e12).catch((error: Error) => messages.push(error.message));
      await ctx.buy('EURUSD', -5).catch((error: Error) => messages.push(error.message));
    }
  }
  await runBacktest(new Wrong(), config(), spec, quiet);
  assert.equal(messages.length, 2);
  assert.match(messages[0], /margin/i);
  assert.match(messages[1], /not valid/);
});

test('onStart and onStop run once, around the bars', async () => {
  const calls: string[] = [];
  class Lifecycle extends Strategy {
    override onStart(ctx: StrategyContext) {
      calls.push(`start ${ctx.mode} ${ctx.openOrders().length}`);
    }
    override onCandle() {
      if (calls.at(-1) !== 'candle') calls.push('candle');
    }
    override onStop(ctx: StrategyContext) {
      calls.push(`stop ${ctx.now() === spec.to}`);
    }
  }
  await runBacktest(new Lifecycle(), config(), spec, quiet);
  assert.deepEqual(calls, ['start backtest 0', 'candle', 'stop true']);
});

test('a stop request ends the run early and still calls onStop', async () => {
  let stopped = false;
  class Long extends Strategy {
    override onStop() {
      stopped = true;
    }
  }
  const outcome = await runBacktest(
    new Long(),
    config(),
    { ...spec, to: spec.from + 30 * 86_400_000 },
    { ...quiet, stopRequested: () => true },
  );
  assert.equal(outcome.stoppedEarly, true);
  assert.ok(outcome.bars > 0 && outcome.bars < 20_000, `${outcome.bars} bars`);
  assert.equal(stopped, true);
});
