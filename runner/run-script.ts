import { dirname } from 'node:path';
import type { Account } from '../api/account';
import type { Order } from '../api/orders';
import { apiRateLimits, scriptEnvironmentVariables, streamUrlFor } from '../api/script-environment';
import type { OrderEventType } from '../api/stream';
import { TimberClient } from '../sdk/node/src/client';
import { watchAccount } from './account-watch';
import type { ApiObserver } from './api-observer';
import { closedMarketMessages } from './closed-market';
import type { SymbolSession } from './closed-market';
import { observeApi } from './api-observer';
import type { LiveConnection } from './connections';
import type { ScriptExit } from './launch';
import { launchScript, RunCancelled } from './launch';
import type { RunRecord } from './record-schema';
import { RunRecorder } from './records';
import { readStrategyConfig } from './strategy-config';
import type { RunEventListener } from './run-events';
import { RunEvents } from './run-events';
import { scriptProblem } from './script-problem';
import { TradeTally } from './statistics';

export interface RunScriptOptions {
  script: string;
  config: string | null;
  runsDir: string;
  /** The script's working folder. */
  cwd: string;
  /** The Timber Studio folder whose SDKs the script imports (`studioRoot`). */
  root: string;
  connection: LiveConnection;
  /** Every event of the run as it happens: start, output lines, orders, fills, account, end. */
  onEvent?: RunEventListener;
  /** Aborting stops the script (SIGINT, SIGTERM, SIGKILL); aborted before, nothing starts. */
  signal?: AbortSignal;
  /** The Python interpreter for .py scripts (default: `python3` on PATH). */
  python?: string;
  /** After this long without a single API request, the runner warns (default 15 s). */
  noRequestWarningMs?: number;
  stopGraceMs?: number;
  /** How long the account's stream may take to confirm its subscriptions (default 10 s). */
  streamWaitMs?: number;
  /** The user's time zone, for when a closed market opens (default: this machine's). */
  timeZone?: string;
}

export interface RunOutcome {
  record: RunRecord;
  dir: string;
  exit: ScriptExit;
  stderrTail: string[];
}

/**
 * Runs a script live against an API (local sandbox, hosted sandbox or live) and records it: its
 * orders, fills and account as they happen from the account's stream, its output, and at the
 * end its P&L and trade statistics from the API.
 */
export async function runScript(options: RunScriptOptions): Promise<RunOutcome> {
  const { connection, signal } = options;
  if (signal?.aborted) throw new RunCancelled();
  // The SDK's client: tokens renewed before they expire, so a day-long run keeps its access.
  const client = new TimberClient({
    baseUrl: connection.baseUrl,
    keyId: connection.keyId,
    secret: connection.secret,
  });
  // Fails early, before anything runs, if the key or the API is wrong.
  const startAccount = await client.account();
  const apiFrom = await connection.apiNow();
  if (signal?.aborted) throw new RunCancelled();
  const recorder = await RunRecorder.create({
    runsDir: options.runsDir,
    kind: 'run',
    script: options.script,
    config: options.config,
    env: connection.env,
    baseUrl: connection.baseUrl,
    secrets: [connection.secret],
  });
  recorder.update({ account_id: startAccount.account_id, api_window: { from: apiFrom, to: null } });
  const events = new RunEvents(recorder, options.onEvent);
  await warnOfClosedMarkets(options, client, events);
  const watch = watchAccount({
    streamUrl: connection.streamUrl,
    client,
    onOrder: (change, order) => events.order(change, order),
    onFill: (fill) => events.fill(fill),
    onAccount: (account) => events.account(account),
    onProblem: (problem) => recorder.log('runner', `account stream: ${problem}`),
  });
  const streamWaitMs = options.streamWaitMs ?? 10_000;
  const watching = await watch.positioned(streamWaitMs);
  if (!watching)
    events.warning(
      `the account's stream did not confirm its subscriptions within ${streamWaitMs / 1000} s; ` +
        "the run's orders and fills are read from the API when it ends",
    );
  // Only a local sandbox is fronted: a hosted API's TLS is left between the script and it.
  let observer: ApiObserver | null = null;
  let exit: ScriptExit;
  let stderrTail: string[];
  try {
    if (connection.env === 'local') observer = await observeApi(connection.baseUrl);
    const baseUrl = observer?.url ?? connection.baseUrl;
    const running = await launchScript({
      script: options.script,
      cwd: options.cwd,
      root: options.root,
      ...(signal && { signal }),
      ...(options.stopGraceMs !== undefined && { stopGraceMs: options.stopGraceMs }),
      ...(options.python !== undefined && { python: options.python }),
      env: scriptEnvironmentVariables({
        env: connection.env,
        runId: recorder.id,
        configPath: options.config,
        connection: {
          baseUrl,
          streamUrl: observer ? streamUrlFor(baseUrl) : connection.streamUrl,
          keyId: connection.keyId,
          secret: connection.secret,
        },
        inProcess: null,
      }),
      onLine: (stream, line) => void events.line(stream, line.text),
    });
    events.emit({
      type: 'started',
      kind: 'run',
      env: connection.env,
      script: recorder.current.script,
      dir: recorder.dir,
      pid: running.pid,
      account_id: startAccount.account_id,
    });
    const watchdogs = observer ? watchApiUse(observer, options, events) : () => {};
    exit = await running.exited;
    watchdogs();
    stderrTail = running.stderrTail();
  } catch (error) {
    watch.close();
    await observer?.close();
    const cancelled = error instanceof RunCancelled;
    if (!cancelled) recorder.warn((error as Error).message);
    await recorder.finish({ status: cancelled ? 'stopped' : 'failed' });
    throw error;
  }
  await observer?.close();
  if (observer && observer.rateLimited() > 0)
    events.warning(rateLimitMessage(observer.rateLimited()));
  if (watching) await watch.settle(2_000);
  watch.close();
  events.flushAccount();
  const status: RunRecord['status'] =
    exit.stoppedWith !== null ? 'stopped' : exit.code === 0 ? 'succeeded' : 'failed';
  const exitRecord = { code: exit.code, signal: exit.signal, stopped_with: exit.stoppedWith };
  await collectTrading({ recorder, events, client, connection, apiFrom, startAccount, watching });
  events.emit({
    type: 'finished',
    status,
    exit: exitRecord,
    orders: events.orders,
    fills: events.fills,
    problem: status === 'failed' ? scriptProblem(stderrTail, dirname(options.script)) : null,
  });
  const record = await recorder.finish({
    status,
    exit: exitRecord,
    orders: events.orders,
    fills: events.fills,
  });
  return { record, dir: recorder.dir, exit, stderrTail };
}

/**
 * Says once, before the script starts, which symbols of its strategy config are closed at the
 * API's clock and until when: without it a closed market looks like a script doing nothing.
 */
async function warnOfClosedMarkets(
  options: RunScriptOptions,
  client: TimberClient,
  events: RunEvents,
): Promise<void> {
  let symbols: string[];
  try {
    symbols = options.config === null ? [] : readStrategyConfig(options.config).symbols;
  } catch {
    // A config the SDK will refuse in its own words when the script reads it.
    return;
  }
  if (symbols.length === 0) return;
  try {
    const { connection } = options;
    const sessions = await Promise.all(
      symbols.map(async (symbol): Promise<SymbolSession | null> => {
        try {
          const instrument = await client.instrument(symbol);
          return {
            symbol: instrument.symbol,
            isOpen: instrument.is_open,
            tradingHours: instrument.trading_hours,
          };
        } catch {
          // An unknown symbol: the script meets unknown_symbol on its first call.
          return null;
        }
      }),
    );
    const clock = (await connection.apiClock?.()) ?? {
      mode: 'real' as const,
      market_now: await connection.apiNow(),
      wall_now: Date.now(),
    };
    const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    const known = sessions.filter((session) => session !== null);
    for (const message of closedMarketMessages(known, clock, timeZone))
      events.warning(message, 'market_closed');
  } catch (error) {
    events.warning(
      `could not read the trading hours of ${symbols.join(', ')}: ${(error as Error).message}`,
    );
  }
}

export function rateLimitMessage(refused: number): string {
  return (
    `the sandbox refused ${refused} request${refused === 1 ? '' : 's'} with 429 rate_limited: ` +
    `the script sends orders or requests faster than the API allows ` +
    `(${apiRateLimits.ordersPerSecondPerAccount} new orders/s per account, ` +
    `${apiRateLimits.requestsPerSecondPerKey.toLocaleString('en-US')} requests/s per key); ` +
    'slow it down or honour Retry-After'
  );
}

/** Warns once when the script made no API request for a while, and once when it is throttled. */
/** How often a run reports its script's use of the API. */
const apiUseEveryMs = 1000;

function watchApiUse(
  observer: ApiObserver,
  options: RunScriptOptions,
  events: RunEvents,
): () => void {
  const quietMs = options.noRequestWarningMs ?? 15_000;
  const quiet = setTimeout(() => {
    if (observer.requests() === 0)
      events.warning(
        `the script made no API request in ${Math.round(quietMs / 1000)} s; ` +
          'does it read TIMBER_BASE_URL and TIMBER_STREAM_URL from its environment?',
      );
  }, quietMs);
  let throttleWarned = false;
  const throttle = setInterval(() => {
    if (!throttleWarned && observer.rateLimited() > 0) {
      throttleWarned = true;
      events.warning('the sandbox is answering 429 rate_limited: the script is flooding the API');
    }
  }, 500);
  // The script's latency and rate-limit window, once a second while it calls the API.
  const reportUse = () => {
    const use = observer.takeUse();
    if (use !== null) events.emit({ type: 'api', ...use });
  };
  const use = setInterval(reportUse, apiUseEveryMs);
  return () => {
    clearTimeout(quiet);
    clearInterval(throttle);
    clearInterval(use);
    reportUse();
  };
}

interface Collecting {
  recorder: RunRecorder;
  events: RunEvents;
  client: TimberClient;
  connection: LiveConnection;
  apiFrom: number;
  startAccount: Account;
  /** Whether the stream delivered the run's orders and fills; if not, they are read here. */
  watching: boolean;
}

/**
 * The run's P&L and trade statistics, from its window's fills as the API lists them (page by
 * page, never all in memory). Without the stream, the orders and fills are recorded from here.
 */
async function collectTrading(collecting: Collecting): Promise<void> {
  const { recorder, events, client, connection, apiFrom, startAccount, watching } = collecting;
  try {
    const apiTo = await connection.apiNow();
    if (!watching) {
      for await (const order of ordersBetween(client, apiFrom, apiTo))
        events.order(changeShown(order), order, true);
    }
    const tally = new TradeTally();
    let cursor: string | undefined;
    do {
      const page = await client.fills({
        since: apiFrom,
        limit: 5000,
        ...(cursor !== undefined && { cursor }),
      });
      for (const fill of page.fills) {
        if (fill.t > apiTo) continue;
        tally.add(fill);
        if (!watching) events.fill(fill);
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    if (watching && tally.count !== events.fills)
      events.warning(
        `the account's stream reported ${events.fills} fills in the run's window, the API lists ${tally.count}; ` +
          'another script trading on the same account at the same time would explain it',
      );
    const endAccount = await client.account();
    const trades = tally.statistics();
    recorder.update({
      api_window: { from: apiFrom, to: apiTo },
      pnl: {
        realized: trades.realized_pnl,
        fees: trades.fees,
        equity_change: endAccount.equity - startAccount.equity,
      },
      statistics: { ...trades },
    });
  } catch (error) {
    events.warning(
      `could not read the run's fills and P&L from the API: ${(error as Error).message}`,
    );
  }
}

/** Orders created in [from, to] (API clock), page by page. */
async function* ordersBetween(client: TimberClient, from: number, to: number) {
  let cursor: string | undefined;
  do {
    const page = await client.orders({
      status: 'all',
      limit: 500,
      ...(cursor !== undefined && { cursor }),
    });
    for (const order of page.orders)
      if (order.created_at >= from && order.created_at <= to) yield order;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

/** Read once at the end, an order's last change is the one its status shows. */
function changeShown(order: Order): OrderEventType {
  switch (order.status) {
    case 'open':
      return 'accepted';
    case 'partially_filled':
      return 'partial_fill';
    case 'filled':
      return 'fill';
    case 'cancelled':
      return 'cancelled';
    case 'rejected':
      return 'rejected';
    case 'expired':
      return 'expired';
    default:
      return order.status satisfies never;
  }
}
