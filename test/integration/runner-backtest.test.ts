import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { BacktestProgress } from '../../runner/backtest';
import { runBacktest } from '../../runner/backtest';
import { connectLocalSandbox } from '../../runner/local-sandbox';
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
    const progress: BacktestProgress[] = [];
    const outcome = await runBacktest({
      script: join(example, 'sma_crossover.ts'),
      config: join(example, 'strategy.json'),
      runsDir: join(work, 'runs'),
      range,
      via,
      sandbox: () => connectLocalSandbox({ dataDir: sandbox.dataDir, log: () => {} }),
      onProgress: (state) => progress.push(state),
    });
    assert.equal(outcome.exit.code, 0, outcome.stderrTail.join('\n'));
    assert.equal(outcome.record.status, 'succeeded');
    const report = outcome.report;
    assert.ok(report);
    assert.equal(report.bars, 720);
    assert.equal(report.starting_balance, 50_000);
    assert.ok(progress.length > 0, 'no progress was reported');
    assert.ok(progress.every((state) => state.bars <= 720));
    assert.equal(progress.at(-1)?.bars, 720);
    assert.equal(outcome.statistics?.fills, report.fills.length);
    assert.deepEqual(readdirSync(outcome.dir).sort(), [
      'config-strategy.json',
      'output.log',
      'report.json',
      'run.json',
      'script-sma_crossover.ts',
    ]);
    const record = JSON.parse(readFileSync(join(outcome.dir, 'run.json'), 'utf8')) as {
      backtest: { via: string; balance: number };
    };
    assert.deepEqual(
      { via: record.backtest.via, balance: record.backtest.balance },
      { via, balance: 50_000 },
    );
  });
}
