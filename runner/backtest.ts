import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BacktestReport, Session } from '../api/sessions';
import { ApiClient } from './api-client';
import type { BacktestRange } from './environment';
import { scriptEnvironment } from './environment';
import type { OutputStream, RunningScript, ScriptExit } from './launch';
import { LaunchError, launchScript, scriptKind } from './launch';
import type { LocalSandbox } from './local-sandbox';
import type { RunRecord } from './record-schema';
import { RunRecorder, runFiles } from './records';
import type { Statistics } from './statistics';
import { backtestStatistics } from './statistics';

export type BacktestVia = 'in-process' | 'session';

export interface BacktestProgress {
  bars: number;
  barsTotal: number | null;
  /** The backtest's clock. */
  t: number | null;
}

export interface BacktestOptions {
  script: string;
  config: string | null;
  runsDir: string;
  range: BacktestRange;
  /** Default: in-process for .ts/.js, a replay session for .py. */
  via?: BacktestVia;
  /** Where replay sessions run: called only for `via: 'session'`; closed at the end. */
  sandbox?: () => Promise<LocalSandbox>;
  onLine?: (stream: OutputStream, text: string) => void;
  onProgress?: (progress: BacktestProgress) => void;
  onWarning?: (message: string) => void;
  onStart?: (run: { id: string; dir: string; pid: number }) => void;
  signal?: AbortSignal;
  stopGraceMs?: number;
  /** A session still waiting for the script this long gets a warning (default 15 s). */
  noRequestWarningMs?: number;
  cwd?: string;
}

export interface BacktestOutcome {
  record: RunRecord;
  dir: string;
  exit: ScriptExit;
  stderrTail: string[];
  report: BacktestReport | null;
  statistics: Statistics | null;
}

/** What the Node SDK sends over IPC while it backtests in-process. */
const ProgressMessage = z.object({
  type: z.literal('progress'),
  bars: z.number(),
  bars_total: z.number().optional(),
  t: z.number().optional(),
});

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
  const launch = via === 'in-process' ? inProcess(options) : await inSession(options);
  const recorder = new RunRecorder({
    runsDir: options.runsDir,
    kind: 'backtest',
    script: options.script,
    config: options.config,
    env: 'backtest',
    baseUrl: launch.baseUrl,
    secrets: launch.secrets,
  });
  const { symbols, interval, from, to, balance } = options.range;
  recorder.update({
    backtest: { symbols, interval, from, to, balance, via },
    account_id: launch.accountId,
  });
  const warn = (message: string) => {
    recorder.warn(message);
    options.onWarning?.(recorder.redact(message));
  };
  let running: RunningScript;
  try {
    running = await launchScript({
      script: options.script,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.stopGraceMs !== undefined && { stopGraceMs: options.stopGraceMs }),
      env: launch.env(recorder.id),
      onLine: (stream, line) => options.onLine?.(stream, recorder.log(stream, line.text)),
      ...(launch.onMessage && { onMessage: launch.onMessage }),
    });
  } catch (error) {
    await launch.cleanup();
    recorder.warn((error as Error).message);
    recorder.finish({ status: 'failed' });
    throw error;
  }
  options.onStart?.({ id: recorder.id, dir: recorder.dir, pid: running.pid });
  const stopOnAbort = () => void running.stop();
  if (options.signal?.aborted) stopOnAbort();
  options.signal?.addEventListener('abort', stopOnAbort, { once: true });
  const stopWatching = launch.watch(warn);
  const exit = await running.exited;
  stopWatching();
  options.signal?.removeEventListener('abort', stopOnAbort);
  let report: BacktestReport | null;
  try {
    report = await launch.report(exit, warn);
  } catch (error) {
    warn(`could not get the backtest's report: ${(error as Error).message}`);
    report = null;
  }
  await launch.cleanup();
  const statistics = report ? backtestStatistics(report) : null;
  if (report) recorder.writeJson(runFiles.report, report);
  const status: RunRecord['status'] =
    exit.stoppedWith !== null
      ? 'stopped'
      : exit.code === 0 && report !== null
        ? 'succeeded'
        : 'failed';
  const record = recorder.finish({
    status,
    exit: { code: exit.code, signal: exit.signal, stopped_with: exit.stoppedWith },
    ...(report && {
      api_window: { from: report.from, to: report.to },
      orders: report.orders,
      fills: report.fills,
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

/** How one kind of backtest launches the script, watches it and gets its report. */
interface BacktestLaunch {
  baseUrl: string | null;
  accountId: string | null;
  secrets: string[];
  env(runId: string): Record<string, string>;
  onMessage?: (message: unknown) => void;
  watch(warn: (message: string) => void): () => void;
  report(exit: ScriptExit, warn: (message: string) => void): Promise<BacktestReport | null>;
  cleanup(): Promise<void>;
}

function inProcess(options: BacktestOptions): BacktestLaunch {
  const dir = mkdtempSync(join(tmpdir(), 'timber-backtest-'));
  const resultFile = join(dir, 'result.json');
  return {
    baseUrl: null,
    accountId: null,
    secrets: [],
    env: (runId) =>
      scriptEnvironment({
        env: 'backtest',
        runId,
        configPath: options.config,
        inProcess: { range: options.range, resultFile },
      }),
    onMessage: (message) => {
      const progress = ProgressMessage.safeParse(message);
      if (progress.success)
        options.onProgress?.({
          bars: progress.data.bars,
          barsTotal: progress.data.bars_total ?? null,
          t: progress.data.t ?? null,
        });
    },
    watch: () => () => {},
    report: (exit, warn) => {
      if (!existsSync(resultFile)) {
        if (exit.code === 0)
          warn(
            'the script ended without writing a backtest result; does it run its strategy with runStrategy() from @timber-studio/sdk?',
          );
        return Promise.resolve(null);
      }
      const parsed = BacktestReport.safeParse(JSON.parse(readFileSync(resultFile, 'utf8')));
      if (!parsed.success) {
        warn(`the backtest result is not a valid report: ${parsed.error.issues[0]?.message}`);
        return Promise.resolve(null);
      }
      return Promise.resolve(parsed.data);
    },
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function inSession(options: BacktestOptions): Promise<BacktestLaunch> {
  if (!options.sandbox) throw new Error('a session backtest needs a local sandbox');
  const sandbox = await options.sandbox();
  try {
    const key = await sandbox.createKey('trade');
    const client = new ApiClient(sandbox.url, { keyId: key.key_id, secret: key.secret });
    const { symbols, interval, from, to, balance } = options.range;
    const session = await client.request(Session, 'POST', '/sandbox/sessions', {
      symbols,
      interval,
      from,
      to,
      balance,
      speed: 'max',
    });
    const path = `/sandbox/sessions/${encodeURIComponent(session.id)}`;
    let last: Session = session;
    const poll = async () => {
      last = await client.request(Session, 'GET', path);
      options.onProgress?.({ bars: last.bars_released, barsTotal: last.bars_total, t: last.clock });
    };
    return {
      baseUrl: session.base_url,
      accountId: session.account_id,
      secrets: [key.secret],
      env: (runId) =>
        scriptEnvironment({
          env: 'backtest',
          runId,
          configPath: options.config,
          connection: {
            baseUrl: session.base_url,
            streamUrl: session.stream_url,
            keyId: key.key_id,
            secret: key.secret,
          },
        }),
      watch: (warn) => {
        const started = Date.now();
        const quietMs = options.noRequestWarningMs ?? 15_000;
        let warned = false;
        let polling = false;
        const timer = setInterval(() => {
          if (polling) return;
          polling = true;
          poll()
            .catch(() => {})
            .finally(() => (polling = false));
          if (!warned && last.status === 'waiting' && Date.now() - started >= quietMs) {
            warned = true;
            warn(
              `the script made no API request in ${Math.round(quietMs / 1000)} s: the session is still waiting for it to subscribe to candles on TIMBER_STREAM_URL`,
            );
          }
        }, 250);
        return () => clearInterval(timer);
      },
      report: async (_exit, warn) => {
        await poll();
        if (last.status !== 'finished')
          warn(
            `the script ended before the backtest's end: ${last.bars_released} of ${last.bars_total} bars were replayed`,
          );
        return client.request(BacktestReport, 'GET', `${path}/report`);
      },
      cleanup: async () => {
        await client.request(Session, 'DELETE', path).catch(() => {});
        await sandbox.close();
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
