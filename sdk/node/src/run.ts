import type { StrategyConfig } from '../../../api/strategy-config';
import type { BacktestOptions } from './backtest';
import { runBacktest, writeReport } from './backtest';
import { connectionOf, loadStrategyConfig, readEnvironment, strategyConfigPath } from './config';
import { StrategyFailure } from './dispatch';
import { ConfigError } from './errors';
import { runLive } from './live';
import type { Strategy } from './strategy';

export interface RunOptions {
  /** Where order/fill lines and `ctx.log` go (stdout by default). */
  print?: (line: string) => void;
  /** The environment to read `TIMBER_*` from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** The parsed config, instead of reading `TIMBER_STRATEGY_CONFIG` / `strategy.json`. */
  config?: StrategyConfig;
  /** Leave the process running after the strategy ends (tests); the exit code is returned. */
  keepProcess?: boolean;
}

/**
 * Runs a strategy as its environment says: in-process on the engine when `TIMBER_BACKTEST` is
 * set, otherwise against the API (live, or a replay session when the base URL is one). Resolves
 * with the exit code and sets `process.exitCode`: 0 when it ended normally or on SIGINT/SIGTERM,
 * 1 when a handler threw, 2 for a bad config or environment.
 */
export async function runStrategy(strategy: Strategy, options: RunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => console.log(line));
  let code: number;
  try {
    const config = options.config ?? loadStrategyConfig(strategyConfigPath(env, process.argv[1]));
    code = await runWith(strategy, config, env, print);
  } catch (error) {
    code = report(error);
  }
  process.exitCode = code;
  if (!options.keepProcess) {
    // Sockets or timers a strategy left behind must not keep a finished run alive.
    setImmediate(() => process.exit(code));
  }
  return code;
}

async function runWith(
  strategy: Strategy,
  config: StrategyConfig,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<number> {
  const environment = readEnvironment(env);
  const signals = stopSignals();
  try {
    const { inProcess } = environment;
    if (inProcess !== null) {
      const options: BacktestOptions = { print, stopRequested: () => signals.received !== null };
      // Started by the runner with an IPC channel: it shows progress, orders and fills live.
      if (typeof process.send === 'function') {
        options.progress = (progress) =>
          void process.send?.(progress, undefined, undefined, () => {});
      }
      const outcome = await runBacktest(strategy, config, inProcess.range, options);
      if (inProcess.resultFile !== null) writeReport(outcome.replay, inProcess.resultFile);
      return 0;
    }
    await runLive(strategy, config, connectionOf(environment), { print, stop: signals.promise });
    return 0;
  } finally {
    signals.dispose();
  }
}

function report(error: unknown): number {
  if (error instanceof ConfigError) {
    console.error(`strategy config error: ${error.message}`);
    return 2;
  }
  if (error instanceof StrategyFailure) {
    console.error(`strategy stopped: ${error.message}`);
    return 1;
  }
  console.error(
    `strategy stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return 1;
}

interface StopSignals {
  received: NodeJS.Signals | null;
  promise: Promise<NodeJS.Signals>;
  dispose(): void;
}

/** SIGINT/SIGTERM end the strategy through `onStop` instead of killing it mid-order. */
function stopSignals(): StopSignals {
  let resolve!: (signal: NodeJS.Signals) => void;
  const state: StopSignals = {
    received: null,
    promise: new Promise((done) => (resolve = done)),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
  const onSignal = (signal: NodeJS.Signals) => {
    state.received = signal;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return state;
}
