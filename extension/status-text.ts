import { basename } from 'node:path';
import type { SandboxClock } from '../api/admin';
import type { ApiUse } from '../api/run-events';
import type { RunEnvironment } from '../api/script-environment';
import { describeMarketTime, shortMarketTime } from './sandbox/market-clock';
import type { SandboxState } from './sandbox/supervisor';
import { describeSandbox } from './sandbox/supervisor';

// What the status bar says, apart from VS Code so it can be tested on its own.

/** A script's latest use of the API, as its run reported it. */
export interface ScriptApiUse extends ApiUse {
  script: string;
  /** When the run reported it (wall clock, ms). */
  at: number;
}

export interface StatusInput {
  env: RunEnvironment;
  sandbox: SandboxState;
  clock: SandboxClock | undefined;
  api: ScriptApiUse | undefined;
  now: number;
}

/** A script's API figures older than this are history, not the state of things: not shown. */
export const apiFreshMs = 60_000;
/** Below this share of the rate window left, the item turns to a warning. */
const lowShare = 0.1;

export interface StatusParts {
  text: string;
  tooltip: string;
  /** The rate window is nearly spent, or calls are being refused. */
  warning: boolean;
}

/**
 * The status item: the environment, the sandbox's state or its market time, and while a script
 * calls the API its latency and what is left of the rate window (`X-RateLimit-Remaining`).
 */
export function statusParts({ env, sandbox, clock, api, now }: StatusInput): StatusParts {
  const running = sandbox.kind === 'running';
  const where =
    env === 'local'
      ? `local · ${(running ? shortMarketTime(clock) : undefined) ?? sandboxWord(sandbox)}`
      : env;
  const tips =
    env === 'local' ? [`Local sandbox ${describeSandbox(sandbox)}`] : [`Runs go to the ${env} API`];
  const marketWords = env === 'local' && running ? describeMarketTime(clock) : undefined;
  if (marketWords !== undefined) tips.push(marketWords);
  let text = `$(graph-line) Timber: ${where}`;
  let warning = false;
  if (api !== undefined && now - api.at <= apiFreshMs) {
    text += ` · ${formatMs(api.latency_ms.last)}`;
    const window = api.rate_limit;
    if (window !== null) {
      text += ` · ${window.remaining.toLocaleString('en-US')} left`;
      warning = window.remaining < window.limit * lowShare;
    }
    if (api.rate_limited > 0) warning = true;
    tips.push(
      `${basename(api.script)}: ${api.requests.toLocaleString('en-US')} API calls in the last second, ` +
        `latency ${formatMs(api.latency_ms.last)} (median ${formatMs(api.latency_ms.p50)}, ` +
        `95% under ${formatMs(api.latency_ms.p95)}, slowest ${formatMs(api.latency_ms.max)})` +
        (api.errors > 0 ? `, ${api.errors} failed` : '') +
        (api.rate_limited > 0 ? `, ${api.rate_limited} refused with 429` : ''),
    );
    if (window !== null)
      tips.push(
        `Rate limit: ${window.remaining.toLocaleString('en-US')} of ${window.limit.toLocaleString('en-US')} requests left, ` +
          `the window refills at ${new Date(window.reset).toISOString().slice(11, 19)} UTC`,
      );
  }
  return { text, tooltip: tips.join('\n'), warning };
}

function sandboxWord(state: SandboxState): string {
  return state.kind === 'running' ? 'sandbox ready' : `sandbox ${state.kind}`;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`;
}
