import { z } from 'zod';
import { InstrumentSymbol, Interval, Timestamp } from './common';
import { AccountFill } from './account';
import { FaultConfig } from './faults';
import { Order } from './orders';
import { startingBalance } from './admin';

/**
 * Replay sessions (sandbox-only, for backtests): an isolated account and a virtual clock over
 * `[from, to]`. A session has its own base URL (`/sessions/{id}`) that serves the whole REST API
 * and `/stream` against that account and clock, so an unchanged script runs a backtest when it
 * is given that URL. Bars go out on the `candles` channel as `close` messages, their `seq`
 * counting bars from 1; in lockstep (`speed: "max"`) bar n+1 is released once the client sent
 * `{"op":"ack","seq":n}`, so results never depend on machine speed. With a number, the clock
 * runs at that multiple of real time and needs no acknowledgement.
 */
/**
 * A request to a lockstep session's base URL may carry the acknowledgement the client would
 * otherwise send on the stream first: `X-Timber-Ack: n` acts as `{"op":"ack","seq":n}` applied
 * just before the request is handled, so the clock moves to bar n+1 and the request sees it.
 * A client whose account was quiet at bar n+1 can then trade there in one round trip instead
 * of acknowledging and waiting for `advanced`. A request refused for any reason acknowledges
 * nothing.
 */
export const lockstepAckHeader = 'X-Timber-Ack';

export const CreateSessionRequest = z
  .object({
    symbols: z.array(InstrumentSymbol).min(1).max(50),
    interval: Interval.default('1m'),
    from: Timestamp,
    to: Timestamp,
    speed: z.union([z.literal('max'), z.number().positive().max(1_000_000)]).default('max'),
    /** Starting balance of the session's account, USD. */
    balance: z.number().positive().max(1e12).default(startingBalance),
    faults: FaultConfig.optional(),
  })
  .strict()
  .refine((request) => request.from < request.to, {
    message: 'must be after from',
    path: ['to'],
  })
  .meta({ id: 'CreateSessionRequest' });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const sessionStatuses = ['waiting', 'running', 'finished'] as const;
export const SessionStatus = z.enum(sessionStatuses);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const Session = z
  .object({
    id: z.string(),
    /** REST base URL of the session: an unchanged script pointed here runs a backtest. */
    base_url: z.string(),
    stream_url: z.string(),
    account_id: z.string(),
    symbols: z.array(InstrumentSymbol),
    interval: Interval,
    from: Timestamp,
    to: Timestamp,
    speed: z.union([z.literal('max'), z.number()]),
    status: SessionStatus,
    /** The session's virtual clock. */
    clock: Timestamp,
    bars_total: z.number().int().nonnegative(),
    bars_released: z.number().int().nonnegative(),
    created_at: Timestamp,
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof Session>;

export const SessionList = z.object({ sessions: z.array(Session) }).meta({ id: 'SessionList' });

/**
 * What a backtest produced, the same whether it ran in a replay session (`GET
 * /sandbox/sessions/{id}/report`) or in-process (the Node SDK's fast path writes it to
 * `TIMBER_RESULT_FILE`): the account at the end, the equity curve sampled at every UTC day's
 * last bar (and the final bar), and figures computed over every bar.
 */
export const BacktestReport = z
  .object({
    from: Timestamp,
    to: Timestamp,
    symbols: z.array(InstrumentSymbol),
    interval: Interval,
    starting_balance: z.number(),
    bars: z.number().int().nonnegative(),
    /** Bars at whose close the account held a position. */
    exposed_bars: z.number().int().nonnegative(),
    /** Largest fall of equity from a peak, as a fraction of that peak (0.1 = 10%), over every bar. */
    max_drawdown: z.number().nonnegative(),
    /** [bar close time, equity in USD], marked to the bars' close prices. */
    equity: z.array(z.tuple([Timestamp, z.number()])),
    final_equity: z.number(),
    orders: z.array(Order),
    fills: z.array(AccountFill),
  })
  .meta({ id: 'BacktestReport' });
export type BacktestReport = z.infer<typeof BacktestReport>;
