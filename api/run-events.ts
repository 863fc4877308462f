import { z } from 'zod';
import { Account, AccountFill } from './account';
import { Timestamp } from './common';
import { Order } from './orders';
import { OrderEventType } from './stream';
import { RunEnvironment } from './script-environment';

// What a run tells whoever watches it (the extension's views, `tbm run --events`, CI): typed
// events, never scraped output. And the two messages other processes send the runner: the Node
// SDK's in-process backtest progress, and the sandbox's ready line.

export const RunKind = z.enum(['run', 'backtest']);
export type RunKind = z.infer<typeof RunKind>;

export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'stopped']);
export type RunStatus = z.infer<typeof RunStatus>;

export const OutputStream = z.enum(['stdout', 'stderr']);
export type OutputStream = z.infer<typeof OutputStream>;

export const ScriptExit = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** The strongest signal the runner sent to stop the script, if it stopped it. */
  stopped_with: z.string().nullable(),
});
export type ScriptExit = z.infer<typeof ScriptExit>;

/**
 * A fill as a run sees it. `realized_pnl` is null where the source does not say: the stream's
 * order events carry the fill without it (the run's statistics read it from the API at the end).
 */
export const RunFill = AccountFill.extend({ realized_pnl: z.number().nullable() });
export type RunFill = z.infer<typeof RunFill>;

/**
 * What a warning is about, for a reader that acts on it (the editor's button for the session
 * clock); absent on warnings that need no more than their words.
 */
export const WarningCode = z.enum(['market_closed']);
export type WarningCode = z.infer<typeof WarningCode>;

/** The API's rate-limit window as its last answer stated it (`X-RateLimit-*`). */
export const RateLimitWindow = z.object({
  limit: z.number().int().nonnegative(),
  remaining: z.number().int(),
  /** When the window refills (epoch ms). */
  reset: Timestamp,
});
export type RateLimitWindow = z.infer<typeof RateLimitWindow>;

/**
 * How the script's calls to the API fared since the last such event: sent about once a second
 * while it makes any (only where the runner sees them, a local sandbox).
 */
export const ApiUse = z.object({
  requests: z.number().int().nonnegative(),
  /** Answers of 500 and above, and calls that never got an answer. */
  errors: z.number().int().nonnegative(),
  rate_limited: z.number().int().nonnegative(),
  /** Time to the answer's headers, in ms, over the calls of this interval. */
  latency_ms: z.object({ last: z.number(), p50: z.number(), p95: z.number(), max: z.number() }),
  rate_limit: RateLimitWindow.nullable(),
});
export type ApiUse = z.infer<typeof ApiUse>;

/** Where a failed script's error came from: its message, on a line of the user's own code. */
export const ScriptProblem = z.object({
  file: z.string(),
  /** 1-based. */
  line: z.number().int().positive(),
  column: z.number().int().positive().nullable(),
  message: z.string(),
});
export type ScriptProblem = z.infer<typeof ScriptProblem>;

const base = {
  run_id: z.string(),
  /** Wall-clock time the runner saw it. */
  at: Timestamp,
};

export const RunEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    ...base,
    kind: RunKind,
    env: RunEnvironment,
    script: z.string(),
    /** The run's folder (record, log, report). */
    dir: z.string(),
    pid: z.number().int(),
    account_id: z.string().nullable(),
  }),
  /** A line of the script's output, already redacted. */
  z.object({ type: z.literal('line'), ...base, stream: OutputStream, text: z.string() }),
  /** How far a backtest is; `bars_total` is null until known. */
  z.object({
    type: z.literal('progress'),
    ...base,
    bars_done: z.number().int().nonnegative(),
    bars_total: z.number().int().nonnegative().nullable(),
    /** The backtest's market clock. */
    t: Timestamp.nullable(),
  }),
  /** An order as it stands after a change (`accepted` first, once per order). */
  z.object({ type: z.literal('order'), ...base, change: OrderEventType, order: Order }),
  z.object({ type: z.literal('fill'), ...base, fill: RunFill }),
  z.object({ type: z.literal('account'), ...base, account: Account }),
  z.object({ type: z.literal('api'), ...base, ...ApiUse.shape }),
  z.object({
    type: z.literal('warning'),
    ...base,
    message: z.string(),
    code: WarningCode.optional(),
  }),
  z.object({
    type: z.literal('finished'),
    ...base,
    status: RunStatus,
    exit: ScriptExit.nullable(),
    orders: z.number().int().nonnegative(),
    fills: z.number().int().nonnegative(),
    /** For a failed script whose stderr ended in a traceback: where it failed. */
    problem: ScriptProblem.nullable().optional(),
  }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventType = RunEvent['type'];

/**
 * What the Node SDK's in-process backtest sends the runner over IPC, about four times a second:
 * how far it is, and the orders that changed and the fills made since the last message.
 */
export const BacktestProgressMessage = z.object({
  type: z.literal('progress'),
  bars_done: z.number().int().nonnegative(),
  bars_total: z.number().int().nonnegative(),
  t: Timestamp.nullable(),
  orders: z.array(z.object({ change: OrderEventType, order: Order })).default([]),
  fills: z.array(AccountFill).default([]),
});
export type BacktestProgressMessage = z.input<typeof BacktestProgressMessage>;

/** The one JSON line `tbm sandbox --json` prints on stdout once it answers requests. */
export const SandboxReady = z.object({
  url: z.string().regex(/^http:\/\//, 'must be an http:// URL'),
  port: z.number().int().min(1).max(65535),
  data_dir: z.string(),
  pid: z.number().int(),
});
export type SandboxReady = z.infer<typeof SandboxReady>;
