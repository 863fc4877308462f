import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { SandboxProcess } from './harness';
import { cliPath, startSandboxProcess, stopAllSandboxes } from './harness';

// `tbm backtest` on the examples, over one day so the suite stays short.

const root = resolve(import.meta.dirname, '../..');
const sma = join(root, 'examples', 'sma-crossover');
const work = mkdtempSync(join(tmpdir(), 'cli-backtest-'));
const runsDir = join(work, 'runs');
const range = ['--from', '2024-03-04', '--to', '2024-03-05'];
let sandbox: SandboxProcess;
const children = new Set<ChildProcess>();

before(async () => {
  sandbox = await startSandboxProcess();
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllSandboxes();
  rmSync(work, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tbm(args: string[]): Promise<Finished> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) =>
    child.once('exit', (code) => {
      children.delete(child);
      done({ code, stdout, stderr });
    }),
  );
}

interface BacktestJson {
  run_id: string;
  status: string;
  report: {
    bars: number;
    fills: { t: number; action: string; quantity: number; price: number }[];
    orders: unknown[];
  };
  statistics: { trades: number; total_return: number; exposure: number; sharpe: number | null };
}

async function backtest(script: string, extra: string[] = []): Promise<BacktestJson> {
  const result = await tbm([
    'backtest',
    script,
    ...range,
    '--json',
    '--runs-dir',
    runsDir,
    '--data-dir',
    sandbox.dataDir,
    ...extra,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!result.stderr.includes('\r'), 'a progress bar was drawn on a pipe');
  return JSON.parse(result.stdout) as BacktestJson;
}

const trades = (result: BacktestJson) =>
  result.report.fills.map((fill) => `${fill.t} ${fill.action} ${fill.quantity} @ ${fill.price}`);

test('the SMA crossover twins give the same trades: TypeScript in-process, TypeScript and Python in a session', async () => {
  const typescript = await backtest(join(sma, 'sma_crossover.ts'));
  assert.equal(typescript.status, 'succeeded');
  assert.equal(typescript.report.bars, 1440);
  assert.ok(typescript.report.fills.length > 0, 'the crossover never traded on the day');
  assert.equal(typescript.statistics.trades, typescript.report.fills.length - 1);
  assert.ok(typescript.statistics.exposure > 0 && typescript.statistics.exposure <= 1);

  const python = await backtest(join(sma, 'sma_crossover.py'));
  assert.deepEqual(trades(python), trades(typescript));
  assert.equal(python.statistics.total_return, typescript.statistics.total_return);

  const session = await backtest(join(sma, 'sma_crossover.ts'), ['--via', 'session']);
  assert.deepEqual(trades(session), trades(typescript));

  const record = JSON.parse(readFileSync(join(runsDir, python.run_id, 'run.json'), 'utf8')) as {
    kind: string;
    env: string;
    backtest: { via: string };
    fills: number;
  };
  assert.equal(record.kind, 'backtest');
  assert.equal(record.env, 'backtest');
  assert.equal(record.backtest.via, 'session');
  assert.equal(record.fills, python.report.fills.length);

  // Twins side by side: the scripts differ, what came of them does not.
  const compared = await tbm([
    'runs',
    'compare',
    typescript.run_id,
    python.run_id,
    '--runs-dir',
    runsDir,
    '--json',
  ]);
  assert.equal(compared.code, 0, compared.stderr);
  const rows = (JSON.parse(compared.stdout) as { rows: { label: string; change: string | null }[] })
    .rows;
  const change = (label: string) => rows.find((row) => row.label === label)?.change;
  assert.equal(change('Script'), 'differs');
  assert.equal(change('Range'), null);
  assert.equal(change('fast'), null, 'the same params');
  for (const label of ['Total return', 'Sharpe', 'Max drawdown', 'Fills'])
    assert.equal(change(label), null, label);
  const table = await tbm([
    'runs',
    'compare',
    typescript.run_id,
    python.run_id,
    '--runs-dir',
    runsDir,
  ]);
  assert.match(
    table.stdout,
    /\| Script \| .*sma_crossover\.ts \| .*sma_crossover\.py \| differs \|/,
  );
  const missing = await tbm([
    'runs',
    'compare',
    typescript.run_id,
    'no-such-run',
    '--runs-dir',
    runsDir,
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no run "no-such-run"/);
});

test('a session backtest at another interval than strategy.json says: the script gets the range interval', async () => {
  // The Python example reads its interval from strategy.json (1m); the session replays 15m bars.
  const python = await backtest(join(sma, 'sma_crossover.py'), ['--interval', '15m']);
  assert.equal(python.status, 'succeeded');
  assert.equal(python.report.bars, 96, 'a day of 15-minute bars');
  const record = JSON.parse(readFileSync(join(runsDir, python.run_id, 'run.json'), 'utf8')) as {
    backtest: { interval: string; via: string };
  };
  assert.deepEqual([record.backtest.interval, record.backtest.via], ['15m', 'session']);
});

test('the volatility breakout twins, with stops and targets, give the same trades', async () => {
  const breakout = join(root, 'examples', 'volatility-breakout');
  const typescript = await backtest(join(breakout, 'volatility_breakout.ts'));
  const python = await backtest(join(breakout, 'volatility_breakout.py'));
  assert.ok(typescript.report.fills.length > 0, 'the breakout never traded on the day');
  assert.deepEqual(trades(python), trades(typescript));
});

test('--report writes one self-contained HTML page with the equity curve and trades', async () => {
  const file = join(work, 'report.html');
  const result = await tbm([
    'backtest',
    join(sma, 'sma_crossover.ts'),
    ...range,
    '--runs-dir',
    runsDir,
    '--report',
    file,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Total return/);
  assert.ok(existsSync(file));
  const html = readFileSync(file, 'utf8');
  assert.match(html, /<svg[^>]*aria-label="equity curve"/);
  assert.match(html, /<polyline/);
  assert.match(html, /Profit factor/);
  assert.doesNotMatch(html, /<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

test('usage mistakes exit 2 in plain words; a script without a result exits 1', async () => {
  writeFileSync(join(work, 'plain.mjs'), 'console.log("no strategy here")\n');
  const noRange = await tbm(['backtest', join(work, 'plain.mjs'), '--symbol', 'EURUSD']);
  assert.equal(noRange.code, 2);
  assert.match(noRange.stderr, /--from: no range: give a start and an end/);
  const inverted = await tbm([
    'backtest',
    join(sma, 'sma_crossover.ts'),
    '--from',
    '2024-03-05',
    '--to',
    '2024-03-04',
  ]);
  assert.equal(inverted.code, 2);
  assert.match(inverted.stderr, /--to: the end \(.*\) must be after the start/);
  const pythonInProcess = await tbm([
    'backtest',
    join(sma, 'sma_crossover.py'),
    '--via',
    'in-process',
  ]);
  assert.equal(pythonInProcess.code, 2);
  assert.match(pythonInProcess.stderr, /Python scripts backtest through a replay session/);
  const noResult = await tbm([
    'backtest',
    join(work, 'plain.mjs'),
    '--symbol',
    'EURUSD',
    ...range,
    '--runs-dir',
    runsDir,
  ]);
  assert.equal(noResult.code, 1);
  assert.match(noResult.stderr, /without writing a backtest result/);
  const help = await tbm(['backtest', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes:/);
});
