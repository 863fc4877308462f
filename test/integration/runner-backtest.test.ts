import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { RunEvent } from '../../api/run-events';
import { runBacktest } from '../../runner/backtest';
import { studioRoot } from '../../runner/project';
import { connectLocalSandbox } from '../../runner/embedded-sandbox';
import type { SandboxProcess } from './harness';
import { startSandboxProcess, stopAllSandboxes } from './harness';

// The runner's backtest API as the extension calls it: progress, report and record.

const root = resolve(import.meta.dirname, '../..');
const example = join(root, 'examples', 'sma-crossover');
const work = mkdtempSync(join(tmpdir(), 'runner-backtest-'));
const range = {
  symbols: ['EURUSD'],
  interval: '1m' as const,
  from: Date.parse('2024-03-04T00:00:00Z'),
  to: Date.parse('2024-03-04T12:00:00Z'),
  balance: 50_000,
};
let sandbox: SandboxProcess;

before(async () => {
  sandbox = await startSandboxProcess();
});
after(async () => {
  await stopAllSandboxes();
  rmSync(work, { recursive: true, force: true });
});

for (const via of ['in-process', 'session'] as const) {
  test(`backtest (${via}): progress, a report over the range and a run record`, async () => {
    const events: RunEvent[] = [];
    const outcome = await runBacktest({
      script: join(example, 'sma_crossover.ts'),
      config: join(example, 'strategy.json'),
      runsDir: join(work, 'runs'),
      cwd: work,
      root: studioRoot(import.meta.dirname),
      range,
      via,
      sandbox: () => connectLocalSandbox({ dataDir: sandbox.dataDir, log: () => {} }),
      onEvent: (event) => events.push(event),
    });
    for (const event of events) RunEvent.parse(event);
    const progress = events.flatMap((event) => (event.type === 'progress' ? [event] : []));
    assert.equal(outcome.exit.code, 0, outcome.stderrTail.join('\n'));
    assert.equal(outcome.record.status, 'succeeded');
    const report = outcome.report;
    assert.ok(report);
    assert.equal(report.bars, 720);
    assert.equal(report.starting_balance, 50_000);
    assert.ok(progress.length > 0, 'no progress was reported');
    assert.ok(progress.every((state) => state.bars_done <= 720 && state.bars_total === 720));
    assert.equal(progress.at(-1)?.bars_done, 720);
    assert.equal(outcome.statistics?.fills, report.fills.length);
    // The orders and fills reached the watcher as they happened, as the report has them.
    const fills = events.flatMap((event) => (event.type === 'fill' ? [event.fill] : []));
    assert.ok(report.fills.length > 0, 'the example never traded');
    assert.deepEqual(
      fills.map((fill) => [fill.t, fill.price, fill.quantity]),
      report.fills.map((fill) => [fill.t, fill.price, fill.quantity]),
    );
    const ordersSeen = new Set(
      events.flatMap((event) => (event.type === 'order' ? [event.order.id] : [])),
    );
    assert.equal(ordersSeen.size, report.orders.length);
    assert.deepEqual(
      events
        .filter((event) => event.type === 'started' || event.type === 'finished')
        .map((e) => e.type),
      ['started', 'finished'],
    );
    assert.deepEqual(readdirSync(outcome.dir).sort(), [
      'config-strategy.json',
      'events.ndjson',
      'output.log',
      'report.html',
      'report.json',
      'run.json',
      'script-sma_crossover.ts',
    ]);
    // The page the editor opens: no scripts, the same trades as the report.
    const page = readFileSync(join(outcome.dir, 'report.html'), 'utf8');
    assert.match(page, /<title>Backtest of sma_crossover\.ts<\/title>/);
    assert.match(page, new RegExp(`Trades \\(${report.fills.length} fills\\)`));
    assert.doesNotMatch(page, /<script/i);
    const record = JSON.parse(readFileSync(join(outcome.dir, 'run.json'), 'utf8')) as {
      backtest: { via: string; balance: number };
    };
    assert.deepEqual(
      { via: record.backtest.via, balance: record.backtest.balance },
      { via, balance: 50_000 },
    );
  });
}
