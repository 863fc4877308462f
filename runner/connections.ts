import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxClock } from '../api/admin';
import type { RunEnvironment } from '../api/script-environment';
import { streamUrlFor } from '../api/script-environment';
import { readRuntimeInfo } from '../sandbox/service/runtime-info';
import type { LocalSandbox } from './local-sandbox';
import { connectLocalSandbox } from './embedded-sandbox';

/** The hosted environments' URLs (API.md). */
export const hostedUrls = {
  sandbox: {
    baseUrl: 'https://sandbox.timberbondmere.org',
    streamUrl: 'wss://sandbox.timberbondmere.org/stream',
  },
  live: {
    baseUrl: 'https://api.timberbondmere.org',
    streamUrl: 'wss://api.timberbondmere.org/stream',
  },
} as const;

export type HostedEnvironment = keyof typeof hostedUrls;

/** Where a live run connects, and with which key. */
export interface LiveConnection {
  env: Exclude<RunEnvironment, 'backtest'>;
  baseUrl: string;
  streamUrl: string;
  keyId: string;
  secret: string;
  /** The API's clock, for the run's window (a local sandbox may run at another instant). */
  apiNow: () => Promise<number>;
  /** How a local sandbox's market clock runs; absent (or null): it is the wall clock. */
  apiClock?: () => Promise<SandboxClock | null>;
}

export interface ApiKey {
  keyId: string;
  secret: string;
}

/** A local sandbox, with a fresh trade key on its default account for this run alone. */
export async function localConnection(sandbox: LocalSandbox): Promise<LiveConnection> {
  const key = await sandbox.createKey('trade');
  return localConnectionWith(sandbox, { keyId: key.key_id, secret: key.secret });
}

/** A local sandbox with a key already made on it (the extension keeps one in its secret storage). */
export function localConnectionWith(sandbox: LocalSandbox, key: ApiKey): LiveConnection {
  return {
    env: 'local',
    baseUrl: sandbox.url,
    streamUrl: streamUrlFor(sandbox.url),
    ...key,
    apiNow: () => sandbox.now(),
    apiClock: () => sandbox.clock(),
  };
}

/** A hosted environment with the user's own key. */
export function hostedConnection(env: HostedEnvironment, key: ApiKey): LiveConnection {
  return { env, ...hostedUrls[env], ...key, apiNow: () => Promise.resolve(Date.now()) };
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
