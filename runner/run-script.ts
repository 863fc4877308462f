import type { Account } from '../api/account';
import { ApiClient, ApiProblem } from './api-client';
import type { ApiObserver } from './api-observer';
import { observeApi } from './api-observer';
import { scriptEnvironment, streamUrlFor } from './environment';
import type { OutputStream, ScriptExit } from './launch';
import { launchScript } from './launch';
import type { RunRecord } from './record-schema';
import { RunRecorder } from './records';
import { tradeStatistics } from './statistics';

export interface LiveConnection {
  env: 'local' | 'sandbox' | 'live';
  baseUrl: string;
  streamUrl: string;
  keyId: string;
  secret: string;
  /** The API's clock, for the run's window (a local sandbox may run at another instant). */
  apiNow: () => Promise<number>;
}

export interface RunScriptOptions {
  script: string;
  config: string | null;
  runsDir: string;
  connection: LiveConnection;
  /** Each line of the script's output, already redacted. */
  onLine?: (stream: OutputStream, text: string) => void;
  onWarning?: (message: string) => void;
  /** Called once the script is started, with the run's id and folder. */
  onStart?: (run: { id: string; dir: string; pid: number }) => void;
  /** Aborting stops the script (SIGINT, SIGTERM, SIGKILL). */
  signal?: AbortSignal;
  /** After this long without a single API request, the runner warns (default 15 s). */
  noRequestWarningMs?: number;
  stopGraceMs?: number;
  cwd?: string;
}

export interface RunOutcome {
  record: RunRecord;
  dir: string;
  exit: ScriptExit;
  stderrTail: string[];
}

/** Runs a script live against an API (local sandbox, hosted sandbox or live) and records it. */
export async function runScript(options: RunScriptOptions): Promise<RunOutcome> {
  const { connection } = options;
  const client = new ApiClient(connection.baseUrl, {
    keyId: connection.keyId,
    secret: connection.secret,
  });
  // Fails early, before anything runs, if the key or the API is wrong.
  const startAccount = await client.account();
  const apiFrom = await connection.apiNow();
  const recorder = new RunRecorder({
    runsDir: options.runsDir,
    kind: 'run',
    script: options.script,
    config: options.config,
    env: connection.env,
    baseUrl: connection.baseUrl,
    secrets: [connection.secret],
  });
  recorder.update({ account_id: startAccount.account_id, api_window: { from: apiFrom, to: null } });
  const warn = (message: string) => {
    recorder.warn(message);
    options.onWarning?.(recorder.redact(message));
  };
  // Only a local sandbox is fronted: a hosted API's TLS is left between the script and it.
  let observer: ApiObserver | null = null;
  if (connection.env === 'local') observer = await observeApi(connection.baseUrl);
  const baseUrl = observer?.url ?? connection.baseUrl;
  let exit: ScriptExit;
  let stderrTail: string[];
  try {
    const running = await launchScript({
      script: options.script,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.stopGraceMs !== undefined && { stopGraceMs: options.stopGraceMs }),
      env: scriptEnvironment({
        env: connection.env,
        runId: recorder.id,
        configPath: options.config,
        connection: {
          baseUrl,
          streamUrl: observer ? streamUrlFor(baseUrl) : connection.streamUrl,
          keyId: connection.keyId,
          secret: connection.secret,
        },
      }),
      onLine: (stream, line) => {
        const text = recorder.log(stream, line.text);
        options.onLine?.(stream, text);
      },
    });
    options.onStart?.({ id: recorder.id, dir: recorder.dir, pid: running.pid });
    const stopOnAbort = () => void running.stop();
    if (options.signal?.aborted) stopOnAbort();
    options.signal?.addEventListener('abort', stopOnAbort, { once: true });
    const watchdogs = observer ? watchApiUse(observer, options, warn) : () => {};
    exit = await running.exited;
    watchdogs();
    options.signal?.removeEventListener('abort', stopOnAbort);
    stderrTail = running.stderrTail();
  } catch (error) {
    await observer?.close();
    recorder.finish({ status: 'failed' });
    recorder.warn((error as Error).message);
    throw error;
  }
  await observer?.close();
  if (observer && observer.rateLimited() > 0) {
    warn(rateLimitMessage(observer.rateLimited()));
  }
  const status: RunRecord['status'] =
    exit.stoppedWith !== null ? 'stopped' : exit.code === 0 ? 'succeeded' : 'failed';
  recorder.update({
    status,
    exit: { code: exit.code, signal: exit.signal, stopped_with: exit.stoppedWith },
  });
  await collectTrading(recorder, client, connection, apiFrom, startAccount, warn);
  const record = recorder.finish({});
  return { record, dir: recorder.dir, exit, stderrTail };
}

export function rateLimitMessage(refused: number): string {
  return (
    `the sandbox refused ${refused} request${refused === 1 ? '' : 's'} with 429 rate_limited: ` +
    'the script sends orders or requests faster than the API allows (100 new orders/s per account, ' +
    '10,000 requests/s per key); slow it down or honour Retry-After'
  );
}

/** Warns once when the script made no API request for a while, and once when it is throttled. */
function watchApiUse(
  observer: ApiObserver,
  options: RunScriptOptions,
  warn: (message: string) => void,
): () => void {
  const quietMs = options.noRequestWarningMs ?? 15_000;
  const quiet = setTimeout(() => {
    if (observer.requests() === 0)
      warn(
        `the script made no API request in ${Math.round(quietMs / 1000)} s; ` +
          'does it read TIMBER_BASE_URL and TIMBER_STREAM_URL from its environment?',
      );
  }, quietMs);
  let throttleWarned = false;
  const throttle = setInterval(() => {
    if (!throttleWarned && observer.rateLimited() > 0) {
      throttleWarned = true;
      warn('the sandbox is answering 429 rate_limited: the script is flooding the API');
    }
  }, 500);
  return () => {
    clearTimeout(quiet);
    clearInterval(throttle);
  };
}

/** Orders, fills and P&L of the run's window, fetched with the run's key once it ended. */
async function collectTrading(
  recorder: RunRecorder,
  client: ApiClient,
  connection: LiveConnection,
  apiFrom: number,
  startAccount: Account,
  warn: (message: string) => void,
): Promise<void> {
  try {
    const apiTo = await connection.apiNow();
    const [orders, fills, endAccount] = await Promise.all([
      client.ordersBetween(apiFrom, apiTo),
      client.fillsBetween(apiFrom, apiTo),
      client.account(),
    ]);
    const trades = tradeStatistics(fills);
    recorder.update({
      api_window: { from: apiFrom, to: apiTo },
      orders,
      fills,
      pnl: {
        realized: trades.realized_pnl,
        fees: trades.fees,
        equity_change: endAccount.equity - startAccount.equity,
      },
      statistics: { ...trades },
    });
  } catch (error) {
    const why = error instanceof ApiProblem ? error.message : String(error);
    warn(`could not fetch the run's orders and fills: ${why}`);
  }
}
