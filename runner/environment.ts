import type { Interval } from '../api/common';
import type { RunEnvironment } from './record-schema';

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

/** The stream URL of a REST base URL: same host and path, ws(s) scheme, `/stream` appended. */
export function streamUrlFor(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/stream`;
  return url.href;
}

export interface BacktestRange {
  symbols: string[];
  interval: Interval;
  from: number;
  to: number;
  balance: number;
}

export interface ScriptEnvironment {
  env: RunEnvironment;
  runId: string;
  configPath: string | null;
  connection?: { baseUrl: string; streamUrl: string; keyId: string; secret: string };
  /** The Node SDK's in-process fast path. */
  inProcess?: { range: BacktestRange; resultFile: string };
}

/** The TIMBER_* variables a script gets: the only place its secret is ever put. */
export function scriptEnvironment(spec: ScriptEnvironment): Record<string, string> {
  const env: Record<string, string> = { TIMBER_ENV: spec.env, TIMBER_RUN_ID: spec.runId };
  if (spec.configPath !== null) env.TIMBER_STRATEGY_CONFIG = spec.configPath;
  if (spec.connection) {
    env.TIMBER_BASE_URL = spec.connection.baseUrl;
    env.TIMBER_STREAM_URL = spec.connection.streamUrl;
    env.TIMBER_API_KEY_ID = spec.connection.keyId;
    env.TIMBER_API_SECRET = spec.connection.secret;
  }
  if (spec.inProcess) {
    const { symbols, interval, from, to, balance } = spec.inProcess.range;
    env.TIMBER_BACKTEST = JSON.stringify({ symbols, interval, from, to, balance });
    env.TIMBER_RESULT_FILE = spec.inProcess.resultFile;
  }
  return env;
}
