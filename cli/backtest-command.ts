import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Interval } from '../api/common';
import { ConfigInstant } from '../api/strategy-config';
import type { StrategyConfig } from '../api/strategy-config';
import { defaultDataDir } from '../sandbox/service/data-dir';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';
import type { BacktestOutcome, BacktestProgress, BacktestVia } from '../runner/backtest';
import { defaultVia, runBacktest } from '../runner/backtest';
import type { BacktestRange } from '../runner/environment';
import { crashReport, exitCodeFor, exitCodesHelp, iso, runExitCodes } from '../runner/format';
import { htmlReport, statisticRows } from '../runner/html-report';
import { scriptKind } from '../runner/launch';
import type { LocalSandbox } from '../runner/local-sandbox';
import { connectLocalSandbox } from '../runner/local-sandbox';
import { defaultRunsDir } from '../runner/records';
import { findStrategyConfig, readStrategyConfig } from '../runner/strategy-config';
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
  -h, --help        this help

A progress bar is drawn on stderr when it is a terminal.

${exitCodesHelp}`;

function instant(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = ConfigInstant.safeParse(/^\d+$/.test(text) ? Number(text) : text);
  if (!parsed.success)
    throw new UsageError(`--${name}: "${text}" is not a date, an ISO time with a zone or epoch ms`);
  return parsed.data;
}

function rangeFrom(
  values: Record<string, string | string[] | boolean | undefined>,
  config: StrategyConfig | null,
): BacktestRange {
  const symbolArgs = (values.symbol as string[] | undefined) ?? [];
  const symbols = symbolArgs.flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase());
  const interval = Interval.safeParse(values.interval ?? config?.interval ?? '1m');
  if (!interval.success)
    throw new UsageError(
      `--interval must be one of 1m 5m 15m 30m 1h 4h 1d, got "${String(values.interval)}"`,
    );
  const from = instant('from', values.from as string | undefined) ?? config?.backtest?.from;
  const to = instant('to', values.to as string | undefined) ?? config?.backtest?.to;
  const balanceText = values.balance as string | undefined;
  const balance =
    balanceText === undefined ? (config?.backtest?.balance ?? 100_000) : Number(balanceText);
  const chosen = symbols.length > 0 ? symbols : (config?.symbols ?? []);
  if (chosen.length === 0)
    throw new UsageError('no symbol: pass --symbol, or list "symbols" in the strategy config');
  if (from === undefined || to === undefined)
    throw new UsageError(
      'no range: pass --from and --to, or give the strategy config a "backtest" range',
    );
  if (from >= to) throw new UsageError(`--to (${iso(to)}) must be after --from (${iso(from)})`);
  if (!Number.isFinite(balance) || balance <= 0)
    throw new UsageError(`--balance must be a positive number, got "${balanceText}"`);
  return { symbols: chosen, interval: interval.data, from, to, balance };
}

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
  const script = positionals[0];
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressBar(process.stderr);
  let outcome: BacktestOutcome;
  try {
    scriptKind(script);
    const configPath = findStrategyConfig(script, values.config);
    const config = configPath === null ? null : readStrategyConfig(configPath);
    const range = rangeFrom(values, config);
    const via: BacktestVia = values.via ?? defaultVia(script);
    outcome = await runBacktest({
      script,
      config: configPath,
      runsDir: values['runs-dir'] ?? defaultRunsDir(),
      range,
      via,
      sandbox: () => sandboxForBacktest(values['data-dir']),
      signal: abort.signal,
      onLine: (_stream, text) => {
        progress.clear();
        console.error(text);
      },
      onProgress: (state) => progress.draw(state),
      onWarning: (message) => {
        progress.clear();
        console.error(`[tbm] warning: ${message}`);
      },
    });
  } catch (error) {
    progress.clear();
    if (error instanceof UsageError) throw error;
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

/**
 * The sandbox a replay session runs on: the one on --data-dir (started there if none runs),
 * else the one running on the default folder, else an embedded one on a temp folder.
 */
async function sandboxForBacktest(dataDirOption: string | undefined): Promise<LocalSandbox> {
  const log = (line: string) => console.error(`[tbm] ${line}`);
  if (dataDirOption !== undefined) return connectLocalSandbox({ dataDir: dataDirOption, log });
  const shared = defaultDataDir();
  if (readRuntimeInfo(shared)) return connectLocalSandbox({ dataDir: shared, log });
  const dataDir = mkdtempSync(join(tmpdir(), 'timber-backtest-sandbox-'));
  const sandbox = await connectLocalSandbox({ dataDir, log });
  return {
    ...sandbox,
    close: async () => {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A one-line bar on a terminal, redrawn at most ten times a second; nothing otherwise. */
function progressBar(stream: NodeJS.WriteStream) {
  const enabled = stream.isTTY === true;
  let drawnAt = 0;
  let shown = false;
  return {
    draw(state: BacktestProgress) {
      if (!enabled || Date.now() - drawnAt < 100) return;
      drawnAt = Date.now();
      const total = state.barsTotal;
      const share = total ? Math.min(1, state.bars / total) : null;
      const width = 30;
      const bar =
        share === null
          ? ''
          : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '-')}] ${(share * 100).toFixed(0).padStart(3)}% `;
      const clock = state.t === null ? '' : `  ${iso(state.t)}`;
      stream.write(
        `\r${bar}${state.bars.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} bars${clock}\x1b[K`,
      );
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
