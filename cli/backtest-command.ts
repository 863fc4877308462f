import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunEvent } from '../api/run-events';
import { defaultDataDir } from '../sandbox/service/data-dir';
import type { BacktestOutcome, BacktestVia } from '../runner/backtest';
import { defaultVia, runBacktest } from '../runner/backtest';
import type { RangeField } from '../runner/backtest-range';
import { RangeProblem, resolveBacktestRange } from '../runner/backtest-range';
import { sandboxForBacktest } from '../runner/embedded-sandbox';
import { crashReport, exitCodeFor, exitCodesHelp, iso, runExitCodes } from '../runner/format';
import { htmlReport, statisticRows } from '../runner/html-report';
import { RunCancelled, scriptKind } from '../runner/launch';
import { warmTypeScriptBundler } from '../runner/bundle-typescript';
import { studioRoot } from '../runner/project';
import { workspaceRunsDir } from '../runner/records';
import { findStrategyConfig, readStrategyConfig } from '../runner/strategy-config';
import { printRunEvent } from './run-output';
import { UsageError } from './usage';

export const backtestHelp = `Usage: tbm backtest <script> [options]

Runs a strategy script over past market data and reports its trades and statistics. Every
option defaults to the strategy config's (strategy.json next to the script, or --config):
its symbols, interval and "backtest" range and balance.

Options:
  --symbol S        the symbol to trade (repeat, or separate with commas, for several)
  --from D          start: a date (2024-03-04), an ISO time with a zone, or epoch ms
  --to D            end, likewise
  --interval I      bar interval: 1m 5m 15m 30m 1h 4h 1d (default: the config's, else 1m)
  --balance N       starting balance in USD (default: the config's, else 100000)
  --via V           in-process (TypeScript/JavaScript with the Node SDK, the default for them)
                    or session (a replay session on a local sandbox; always for Python)
  --config F        the strategy config (default: strategy.json next to the script)
  --report F        also write a self-contained HTML report (equity curve, statistics, trades)
  --runs-dir D      where runs are recorded (default: ./.timber/runs)
  --data-dir D      for --via session: the local sandbox to use (default: the one running on
                    ${defaultDataDir()}, else one started for the backtest)
  --json            print {"run_id","dir","report","statistics"} as JSON
  --events          print the backtest's events as JSON lines on stdout as they happen
                    (started, line, progress, order, fill, account, warning, finished)
  -h, --help        this help

A progress bar is drawn on stderr when it is a terminal.

${exitCodesHelp}`;

/** The option a range problem is about. */
const rangeOption: Record<RangeField, string> = {
  symbols: '--symbol',
  interval: '--interval',
  from: '--from',
  to: '--to',
  balance: '--balance',
};

export async function backtestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      symbol: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      interval: { type: 'string' },
      balance: { type: 'string' },
      via: { type: 'string' },
      config: { type: 'string' },
      report: { type: 'string' },
      'runs-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(backtestHelp);
    return runExitCodes.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      'expected one script, e.g. "tbm backtest examples/sma-crossover/sma-crossover.ts"',
    );
  if (values.via !== undefined && values.via !== 'in-process' && values.via !== 'session')
    throw new UsageError(`--via must be in-process or session, got "${values.via}"`);
  if (values.json && values.events)
    throw new UsageError('--json and --events both use stdout; choose one');
  const script = positionals[0];
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressBar(process.stderr);
  let outcome: BacktestOutcome;
  try {
    // The bundler's first start overlaps the sandbox's.
    if (scriptKind(script) === 'typescript') warmTypeScriptBundler(studioRoot(import.meta.dirname));
    const configPath = findStrategyConfig(script, values.config);
    const config = configPath === null ? null : readStrategyConfig(configPath);
    const range = rangeOf(values, config);
    const via: BacktestVia = values.via ?? defaultVia(script);
    const mode = values.events ? 'events' : 'quiet-stdout';
    outcome = await runBacktest({
      script,
      config: configPath,
      runsDir: values['runs-dir'] ?? workspaceRunsDir(process.cwd()),
      cwd: process.cwd(),
      root: studioRoot(import.meta.dirname),
      range,
      via,
      sandbox: () =>
        sandboxForBacktest({
          ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
          sharedDataDir: defaultDataDir(),
          log: (line) => console.error(`[tbm] ${line}`),
        }),
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === 'progress') progress.draw(event);
        else if (event.type !== 'started') {
          progress.clear();
          printRunEvent(event, mode);
        } else if (mode === 'events') printRunEvent(event, mode);
      },
    });
  } catch (error) {
    progress.clear();
    if (error instanceof UsageError) throw error;
    if (error instanceof RunCancelled) return runExitCodes.ok;
    console.error(`tbm backtest: ${(error as Error).message}`);
    return exitCodeFor(error);
  } finally {
    progress.clear();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { record, report, statistics } = outcome;
  if (values.report !== undefined && report && statistics) {
    writeFileSync(
      values.report,
      htmlReport({ title: `Backtest of ${basename(script)}`, report, statistics }),
    );
  }
  if (values.json) {
    console.log(
      JSON.stringify({
        run_id: record.id,
        dir: outcome.dir,
        status: record.status,
        report,
        statistics,
      }),
    );
  } else if (report && statistics) {
    console.log(
      `Backtest of ${basename(script)}: ${report.symbols.join(', ')} ${report.interval}, ${iso(report.from)} to ${iso(report.to)}, ${report.bars.toLocaleString('en-US')} bars`,
    );
    for (const [name, value] of statisticRows(statistics))
      console.log(`  ${name.padEnd(30)} ${value}`);
    console.log(`Recorded as ${record.id} in ${outcome.dir}`);
    if (values.report !== undefined) console.log(`HTML report: ${values.report}`);
  }
  if (record.status === 'failed' || report === null) {
    console.error(`tbm backtest: ${crashReport(outcome.exit, outcome.stderrTail)}`);
    return runExitCodes.scriptFailed;
  }
  return runExitCodes.ok;
}

function rangeOf(
  values: { symbol?: string[]; interval?: string; from?: string; to?: string; balance?: string },
  config: Parameters<typeof resolveBacktestRange>[1],
) {
  try {
    return resolveBacktestRange(
      {
        ...(values.symbol && { symbols: values.symbol }),
        ...(values.interval !== undefined && { interval: values.interval }),
        ...(values.from !== undefined && { from: values.from }),
        ...(values.to !== undefined && { to: values.to }),
        ...(values.balance !== undefined && { balance: values.balance }),
      },
      config,
    );
  } catch (error) {
    if (error instanceof RangeProblem)
      throw new UsageError(`${rangeOption[error.field]}: ${error.message}`);
    throw error;
  }
}

/** A one-line bar on a terminal, redrawn at most ten times a second; nothing otherwise. */
function progressBar(stream: NodeJS.WriteStream) {
  const enabled = stream.isTTY === true;
  let drawnAt = 0;
  let shown = false;
  return {
    draw(state: Extract<RunEvent, { type: 'progress' }>) {
      if (!enabled || Date.now() - drawnAt < 100) return;
      drawnAt = Date.now();
      const total = state.bars_total;
      const share = total ? Math.min(1, state.bars_done / total) : null;
      const width = 30;
      const bar =
        share === null
          ? ''
          : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '-')}] ${(share * 100).toFixed(0).padStart(3)}% `;
      const clock = state.t === null ? '' : `  ${iso(state.t)}`;
      stream.write(
        `\r${bar}${state.bars_done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} bars${clock}\x1b[K`,
      );
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
