import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRateLimits } from '../api/script-environment';
import { startSandbox } from '../sandbox/server/start';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';
import type { LocalSandbox, LocalSandboxOptions } from './local-sandbox';
import { attachLocalSandbox, localSandboxAt, SandboxProblem } from './local-sandbox';

// Kept apart from local-sandbox.ts so that what only attaches (the extension host, which runs
// the sandbox as a child process) does not carry the whole server.

/** Uses the sandbox running on `dataDir`, or starts one in this process (`tbm run`, the demo). */
export async function connectLocalSandbox(options: LocalSandboxOptions): Promise<LocalSandbox> {
  const attached = await attachLocalSandbox(options.dataDir);
  if (attached !== null) return attached;
  try {
    const running = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      dataDir: options.dataDir,
      ...(options.startAt !== undefined && { startAt: options.startAt }),
      ...(options.clock !== undefined && { clock: options.clock }),
      keyRateLimit: apiRateLimits.requestsPerSecondPerKey,
      orderRateLimit: apiRateLimits.ordersPerSecondPerAccount,
      log: options.log,
    });
    return localSandboxAt({
      url: running.url,
      dataDir: options.dataDir,
      embedded: true,
      close: () => running.close(),
    });
  } catch (error) {
    throw new SandboxProblem(
      `cannot start the local sandbox on ${options.dataDir}: ${(error as Error).message}`,
    );
  }
}

export interface BacktestSandboxOptions {
  /** A data folder the user chose: its sandbox is used, or started there. */
  dataDir?: string;
  /** The folder a long-running local sandbox usually runs on (`tbm sandbox`, the extension). */
  sharedDataDir: string;
  log: (line: string) => void;
}

/**
 * The sandbox a replay-session backtest runs on: the one on the chosen folder (started there if
 * none runs), else the one running on the shared folder, else one started for the backtest on a
 * temporary folder that is removed when it is closed.
 */
export async function sandboxForBacktest(options: BacktestSandboxOptions): Promise<LocalSandbox> {
  const { log } = options;
  if (options.dataDir !== undefined) return connectLocalSandbox({ dataDir: options.dataDir, log });
  if (readRuntimeInfo(options.sharedDataDir))
    return connectLocalSandbox({ dataDir: options.sharedDataDir, log });
  const dataDir = await mkdtemp(join(tmpdir(), 'timber-backtest-sandbox-'));
  let sandbox: LocalSandbox;
  try {
    sandbox = await connectLocalSandbox({ dataDir, log });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...sandbox,
    close: async () => {
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
