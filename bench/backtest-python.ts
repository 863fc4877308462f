// `npm run bench -- backtest-python`: the Python SMA crossover (examples/sma-crossover) as a
// backtest in a lockstep replay session of a real `tbm sandbox`, over a long range of 1-minute
// EURUSD: bars/s from the first bar to the session's end (target >= 50,000). Baseline, in the
// same run: the same Python strategy loop over the same bars read from a file, no network and no
// engine; the ratio says what the session's stream, acks and fills cost on top.
// TBM_BENCH_PY_DAYS changes the range (default 180 days, about 185,000 bars).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { BacktestReport, Session } from '../api/sessions';
import { bundleTypeScript } from '../runner/bundle-typescript';
import {
  accessToken,
  api,
  createKey,
  startSandboxProcess,
  stopAllSandboxes,
} from '../test/integration/harness';
import type { BenchFigure } from './figures';
import { printFigure } from './figures';

const root = resolve(import.meta.dirname, '..');
const driver = join(root, 'sdk/python/tests/scripts/bench_sma.py');
const twin = join(root, 'examples/sma-crossover/sma_crossover.ts');
const config = join(root, 'examples/sma-crossover/strategy.json');
const from = Date.parse('2023-01-02T00:00:00Z');
const dayMs = 86_400_000;

interface Measured {
  bars: number;
  seconds: number;
  orders: number;
}

/** Runs the driver; resolves with its BENCH line, or fails with its stderr. */
function runDriver(args: string[], env: Record<string, string>): Promise<Measured> {
  return new Promise((done, fail) => {
    const child = spawn('python3', [driver, ...args], {
      env: { ...process.env, PYTHONPATH: join(root, 'sdk/python'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let measured: Measured | undefined;
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('BENCH ')) measured = JSON.parse(line.slice(6)) as Measured;
    });
    child.once('exit', (code) => {
      if (code === 0 && measured) done(measured);
      else fail(new Error(`python3 ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

/** A lockstep session over `days` of 1-minute EURUSD from `from`. */
async function createSession(url: string, token: string, days: number): Promise<Session> {
  const created = await api<Session>(url, token, 'POST', '/sandbox/sessions', {
    symbols: ['EURUSD'],
    interval: '1m',
    from,
    to: from + days * dayMs,
  });
  if (created.status !== 201)
    throw new Error(`creating the session failed: ${JSON.stringify(created.body)}`);
  return created.body;
}

/**
 * The SMA example's TypeScript twin, bundled as `tbm` bundles it, run in a session of its own
 * over the same range: the Node SDK's lockstep path. Timed from spawn to exit.
 */
async function runTwin(
  url: string,
  token: string,
  days: number,
  env: Record<string, string>,
): Promise<Measured> {
  const session = await createSession(url, token, days);
  const bundle = await bundleTypeScript(twin, root);
  try {
    const started = performance.now();
    const child = spawn(process.execPath, [bundle.file], {
      env: {
        ...process.env,
        ...env,
        TIMBER_BASE_URL: session.base_url,
        TIMBER_STREAM_URL: session.stream_url,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the TypeScript twin exited ${code}: ${stderr}`);
    const report = await api<BacktestReport>(
      url,
      token,
      'GET',
      `/sandbox/sessions/${session.id}/report`,
    );
    return { bars: report.body.bars, seconds, orders: report.body.orders.length };
  } finally {
    bundle.cleanup();
  }
}

export async function benchBacktestPython(): Promise<BenchFigure[]> {
  console.log('sdk/python: lockstep backtest');
  const days = Number(process.env.TBM_BENCH_PY_DAYS ?? 180);
  const folder = mkdtempSync(join(tmpdir(), 'tbm-bench-python-'));
  try {
    const sandbox = await startSandboxProcess({ now: '2024-06-05T12:00:00Z' });
    const key = await createKey(sandbox, 'trade');
    const token = await accessToken(sandbox.url, key);
    const session = await createSession(sandbox.url, token, days);
    const barsFile = join(folder, 'bars.json');
    const replay = await runDriver(['session', barsFile], {
      TIMBER_BASE_URL: session.base_url,
      TIMBER_STREAM_URL: session.stream_url,
      TIMBER_ENV: 'backtest',
      TIMBER_API_KEY_ID: key.key_id,
      TIMBER_API_SECRET: key.secret,
      TIMBER_STRATEGY_CONFIG: config,
    });
    const baseline = await runDriver(['file', barsFile], {});
    const node = await runTwin(sandbox.url, token, days, {
      TIMBER_ENV: 'backtest',
      TIMBER_API_KEY_ID: key.key_id,
      TIMBER_API_SECRET: key.secret,
      TIMBER_STRATEGY_CONFIG: config,
    });
    if (node.orders !== replay.orders)
      throw new Error(
        `the twins placed ${replay.orders} (Python) and ${node.orders} (Node) orders`,
      );
    if (replay.bars !== session.bars_total || baseline.bars !== replay.bars)
      throw new Error(
        `bar counts differ: session ${session.bars_total}, replayed ${replay.bars}, file ${baseline.bars}`,
      );
    const replayRate = replay.bars / replay.seconds;
    const baselineRate = baseline.bars / baseline.seconds;
    const note = `${replay.bars.toLocaleString('en-US')} bars over ${days} days, ${replay.orders} orders (baseline ${baseline.orders})`;
    const figures: BenchFigure[] = [
      {
        part: 'backtest-python',
        name: 'Python SMA crossover, lockstep replay session',
        value: replayRate,
        unit: 'bars/s',
        target: { atLeast: 50_000 },
        ratio: replayRate / baselineRate,
        baseline: 'same Python loop over a file',
        note,
      },
      {
        part: 'backtest-python',
        name: '  baseline: same Python loop over a file',
        value: baselineRate,
        unit: 'bars/s',
      },
      {
        part: 'backtest-python',
        name: 'TypeScript twin (Node SDK), lockstep session',
        value: node.bars / node.seconds,
        unit: 'bars/s',
        ratio: node.bars / node.seconds / replayRate,
        baseline: 'the Python twin',
        note: `whole process, start and reconcile included; ${node.orders} orders, as the Python twin`,
      },
    ];
    figures.forEach(printFigure);
    return figures;
  } finally {
    await stopAllSandboxes();
    rmSync(folder, { recursive: true, force: true });
  }
}
