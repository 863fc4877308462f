import type { SandboxClock } from '../api/admin';
import type { RunEnvironment } from '../api/script-environment';
import { streamUrlFor } from '../api/script-environment';
import type { LocalSandbox } from './local-sandbox';

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
