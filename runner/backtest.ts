import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BacktestProgressMessage } from '../api/run-events';
import type { BacktestRange } from '../api/script-environment';
import { scriptEnvironmentVariables } from '../api/script-environment';
import { BacktestReport, Session } from '../api/sessions';
import { TimberClient } from '../sdk/node/src/client';
import { watchAccount } from './account-watch';
import type { RunningScript, ScriptExit, ScriptLauncher } from './launch';
import { LaunchError, launchScript, RunCancelled, scriptKind } from './launch';
import type { LocalSandbox } from './local-sandbox';
import type { RunRecord } from './record-schema';
import { htmlReport } from './html-report';
import { scriptProblem } from './script-problem';
import { RunRecorder, runFiles } from './records';
import type { RunEventListener } from './run-events';
import { RunEvents } from './run-events';
import type { Statistics } from './statistics';
import { backtestStatistics } from './statistics';

export type BacktestVia = 'in-process' | 'session';

export interface BacktestOptions {
  script: string;
  config: string | null;
  runsDir: string;
  /** The script's working folder. */
  cwd: string;
  /** The Timber Studio folder whose SDKs the script imports (`studioRoot`). */
  root: string;
  range: BacktestRange;
  /** Default: in-process for .ts/.js, a replay session for .py. */
  via?: BacktestVia;
  /** Where replay sessions run: called only for `via: 'session'`; closed at the end. */
  sandbox?: () => Promise<LocalSandbox>;
  /** Every event of the backtest: start, output, progress, orders, fills, account, end. */
  onEvent?: RunEventListener;
  /** Aborting stops the script (SIGINT, SIGTERM, SIGKILL); aborted before, nothing starts. */
  signal?: AbortSignal;
  /** The Python interpreter for .py scripts (default: `python3` on PATH). */
  python?: string;
  stopGraceMs?: number;
  /**
   * Starts the script instead of `launchScript`: a debugger, say. Session backtests only (the
   * in-process one talks to the runner over an IPC channel only the runner can open).
   */
  launcher?: ScriptLauncher;
  /** A session still waiting for the script this long gets a warning (default 15 s). */
  noRequestWarningMs?: number;
}

export interface BacktestOutcome {
  record: RunRecord;
  dir: string;
  exit: ScriptExit;
  stderrTail: string[];
  report: BacktestReport | null;
  statistics: Statistics | null;
}

export function defaultVia(script: string): BacktestVia {
  return scriptKind(script) === 'python' ? 'session' : 'in-process';
}

/** Runs a script as a backtest over `range`, in-process or in a replay session, and records it. */
export async function runBacktest(options: BacktestOptions): Promise<BacktestOutcome> {
  const via = options.via ?? defaultVia(options.script);
  if (via === 'in-process' && scriptKind(options.script) === 'python')
    throw new LaunchError(
      'Python scripts backtest through a replay session (--via session); in-process is for TypeScript and JavaScript',
    );
  if (via === 'in-process' && options.launcher !== undefined)
    throw new LaunchError(
      'a script started by another launcher backtests through a replay session',
    );
  if (options.signal?.aborted) throw new RunCancelled();
  const launch = via === 'in-process' ? await inProcess(options) : await inSession(options);
  let recorder: RunRecorder;
  try {
    recorder = await RunRecorder.create({
      runsDir: options.runsDir,
      kind: 'backtest',
      script: options.script,
      config: options.config,
      env: 'backtest',
      baseUrl: launch.baseUrl,
      secrets: launch.secrets,
    });
  } catch (error) {
    await launch.cleanup();
    throw error;
  }
  const { symbols, interval, from, to, balance } = options.range;
  recorder.update({
    backtest: { symbols, interval, from, to, balance, via },
    account_id: launch.accountId,
  });
  const events = new RunEvents(recorder, options.onEvent);
  let running: RunningScript;
  let stopWatching = () => Promise.resolve();
  try {
    stopWatching = await launch.watch(events);
    running = await (options.launcher ?? launchScript)({
      script: options.script,
      cwd: options.cwd,
      root: options.root,
      ...(options.signal && { signal: options.signal }),
      ...(options.stopGraceMs !== undefined && { stopGraceMs: options.stopGraceMs }),
      ...(options.python !== undefined && { python: options.python }),
      env: launch.env(recorder.id),
      onLine: (stream, line) => void events.line(stream, line.text),
      ...(launch.onMessage && { onMessage: (message) => launch.onMessage!(message, events) }),
    });
  } catch (error) {
    await stopWatching();
    await launch.cleanup();
    const cancelled = error instanceof RunCancelled;
    if (!cancelled) recorder.warn((error as Error).message);
    await recorder.finish({ status: cancelled ? 'stopped' : 'failed' });
    throw error;
  }
  events.emit({
    type: 'started',
    kind: 'backtest',
    env: 'backtest',
    script: recorder.current.script,
    dir: recorder.dir,
    pid: running.pid,
    account_id: launch.accountId,
  });
  const exit = await running.exited;
  let report: BacktestReport | null;
  try {
    report = await launch.report(exit, events);
  } catch (error) {
    events.warning(`could not get the backtest's report: ${(error as Error).message}`);
    report = null;
  }
  await stopWatching();
  events.flushAccount();
  await launch.cleanup();
  const statistics = report ? backtestStatistics(report) : null;
  if (report && statistics) {
    await recorder.writeJson(runFiles.report, report);
    await recorder.writeText(
      runFiles.reportPage,
      htmlReport({ title: `Backtest of ${basename(options.script)}`, report, statistics }),
    );
  }
  const status: RunRecord['status'] =
    exit.stoppedWith !== null
      ? 'stopped'
      : exit.code === 0 && report !== null
        ? 'succeeded'
        : 'failed';
  const exitRecord = { code: exit.code, signal: exit.signal, stopped_with: exit.stoppedWith };
  // The report is the backtest's whole account: its counts stand even if events were cut short.
  const orders = report?.orders.length ?? events.orders;
  const fills = report?.fills.length ?? events.fills;
  const problem =
    status === 'failed' ? scriptProblem(running.stderrTail(), dirname(options.script)) : null;
  events.emit({ type: 'finished', status, exit: exitRecord, orders, fills, problem });
  const record = await recorder.finish({
    status,
    exit: exitRecord,
    orders,
    fills,
    ...(report && {
      api_window: { from: report.from, to: report.to },
      pnl: {
        realized: statistics?.realized_pnl ?? 0,
        fees: statistics?.fees ?? 0,
        equity_change: report.final_equity - report.starting_balance,
      },
      statistics: statistics ? { ...statistics } : null,
    }),
  });
  return { record, dir: recorder.dir, exit, stderrTail: running.stderrTail(), report, statistics };
}

/** How one kind of backtest launches the script, follows it and gets its report. */
interface BacktestLaunch {
  baseUrl: string | null;
  accountId: string | null;
  secrets: string[];
  env(runId: string): Record<string, string>;
  onMessage?: (message: unknown, events: RunEvents) => void;
  /** Starts following the backtest (before the script starts); returns how to stop. */
  watch(events: RunEvents): Promise<() => Promise<void>>;
  report(exit: ScriptExit, events: RunEvents): Promise<BacktestReport | null>;
  cleanup(): Promise<void>;
}

async function inProcess(options: BacktestOptions): Promise<BacktestLaunch> {
  const dir = await mkdtemp(join(tmpdir(), 'timber-backtest-'));
  const resultFile = join(dir, 'result.json');
  return {
    baseUrl: null,
    accountId: null,
    secrets: [],
    env: (runId) =>
      scriptEnvironmentVariables({
        env: 'backtest',
        runId,
        configPath: options.config,
        connection: null,
        inProcess: { range: options.range, resultFile },
      }),
    onMessage: (message, events) => {
      const progress = BacktestProgressMessage.safeParse(message);
      if (!progress.success) return;
      const { bars_done, bars_total, t, orders, fills } = progress.data;
      for (const { change, order } of orders) events.order(change, order);
      for (const fill of fills) events.fill(fill);
      events.emit({ type: 'progress', bars_done, bars_total, t });
    },
    watch: () => Promise.resolve(() => Promise.resolve()),
    report: async (exit, events) => {
      let text: string;
      try {
        text = await readFile(resultFile, 'utf8');
      } catch {
        if (exit.code === 0)
          events.warning(
            'the script ended without writing a backtest result; does it run its strategy with runStrategy() from @timber-studio/sdk?',
          );
        return null;
      }
      const parsed = BacktestReport.safeParse(JSON.parse(text));
      if (!parsed.success) {
        events.warning(
          `the backtest result is not a valid report: ${parsed.error.issues[0]?.message}`,
        );
        return null;
      }
      return parsed.data;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The strategy config a session backtest's script reads: its own, with the symbols and interval
 * of the range, which may differ (picked in the editor, or --symbols, --interval), so that the
 * script subscribes to what the session replays. Null without a config; `remove` deletes it.
 */
async function rangedConfig(
  options: BacktestOptions,
): Promise<{ path: string; remove: () => Promise<void> } | null> {
  if (options.config === null) return null;
  const raw = JSON.parse(await readFile(options.config, 'utf8')) as Record<string, unknown>;
  const { symbols, interval } = options.range;
  if (
    JSON.stringify(raw.symbols) === JSON.stringify(symbols) &&
    (raw.interval ?? '1m') === interval
  )
    return { path: options.config, remove: () => Promise.resolve() };
  const dir = await mkdtemp(join(tmpdir(), 'timber-config-'));
  const path = join(dir, basename(options.config));
  await writeFile(path, `${JSON.stringify({ ...raw, symbols, interval }, null, 2)}\n`);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

async function inSession(options: BacktestOptions): Promise<BacktestLaunch> {
  if (!options.sandbox) throw new Error('a session backtest needs a local sandbox');
  const config = await rangedConfig(options);
  const sandbox = await options.sandbox();
  try {
    const key = await sandbox.createKey('trade');
    const client = new TimberClient({
      baseUrl: sandbox.url,
      keyId: key.key_id,
      secret: key.secret,
    });
    const { symbols, interval, from, to, balance } = options.range;
    const session = await client.call('POST', '/sandbox/sessions', Session, {
      symbols,
      interval,
      from,
      to,
      balance,
      speed: 'max',
    });
    const path = `/sandbox/sessions/${encodeURIComponent(session.id)}`;
    let last: Session = session;
    let lastShown = -1;
    const poll = async (events: RunEvents) => {
      last = await client.call('GET', path, Session);
      if (last.bars_released === lastShown) return;
      lastShown = last.bars_released;
      events.emit({
        type: 'progress',
        bars_done: last.bars_released,
        bars_total: last.bars_total,
        t: last.clock,
      });
    };
    return {
      baseUrl: session.base_url,
      accountId: session.account_id,
      secrets: [key.secret],
      env: (runId) =>
        scriptEnvironmentVariables({
          env: 'backtest',
          runId,
          configPath: config?.path ?? null,
          connection: {
            baseUrl: session.base_url,
            streamUrl: session.stream_url,
            keyId: key.key_id,
            secret: key.secret,
          },
          inProcess: null,
        }),
      watch: async (events) => {
        // The session account's orders and fills, as the script's own stream gets them.
        const sessionClient = new TimberClient({
          baseUrl: session.base_url,
          keyId: key.key_id,
          secret: key.secret,
        });
        const account = watchAccount({
          streamUrl: session.stream_url,
          client: sessionClient,
          onOrder: (change, order) => events.order(change, order),
          onFill: (fill) => events.fill(fill),
          onAccount: (update) => events.account(update),
          onProblem: () => {},
        });
        await account.positioned(10_000);
        const started = Date.now();
        const quietMs = options.noRequestWarningMs ?? 15_000;
        let warned = false;
        let polling = false;
        const timer = setInterval(() => {
          if (polling) return;
          polling = true;
          poll(events)
            .catch(() => {})
            .finally(() => (polling = false));
          if (!warned && last.status === 'waiting' && Date.now() - started >= quietMs) {
            warned = true;
            events.warning(
              `the script made no API request in ${Math.round(quietMs / 1000)} s: the session is still waiting for it to subscribe to candles on TIMBER_STREAM_URL`,
            );
          }
        }, 250);
        return async () => {
          clearInterval(timer);
          await account.settle(2_000);
          account.close();
        };
      },
      report: async (_exit, events) => {
        await poll(events);
        if (last.status !== 'finished')
          events.warning(
            `the script ended before the backtest's end: ${last.bars_released} of ${last.bars_total} bars were replayed`,
          );
        return client.call('GET', `${path}/report`, BacktestReport);
      },
      cleanup: async () => {
        await client.call('DELETE', path, Session).catch(() => {});
        await sandbox.close();
        await config?.remove();
      },
    };
  } catch (error) {
    await sandbox.close();
    await config?.remove();
    throw error;
  }
}
