import { z } from 'zod';
import { AccountFill } from '../api/account';
import { Interval, Timestamp } from '../api/common';
import { Order } from '../api/orders';

export const runEnvironments = ['local', 'sandbox', 'live', 'backtest'] as const;
export const RunEnvironment = z.enum(runEnvironments);
export type RunEnvironment = z.infer<typeof RunEnvironment>;

export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'stopped']);
export type RunStatus = z.infer<typeof RunStatus>;

const nullableNumber = z.number().nullable();

/** What `run.json` holds. Read back with this schema: the runs folder is outside data. */
export const RunRecord = z.object({
  id: z.string(),
  kind: z.enum(['run', 'backtest']),
  /** The script as given, made absolute. */
  script: z.string(),
  /** The copy of the script inside the run folder (file name). */
  script_copy: z.string(),
  config: z.string().nullable(),
  config_copy: z.string().nullable(),
  env: RunEnvironment,
  base_url: z.string().nullable(),
  account_id: z.string().nullable(),
  /** Wall-clock start and end. */
  started_at: Timestamp,
  ended_at: Timestamp.nullable(),
  /** The API's clock over the run (the sandbox may run at another instant than the wall clock). */
  api_window: z.object({ from: Timestamp, to: Timestamp.nullable() }).nullable(),
  status: RunStatus,
  exit: z
    .object({
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      stopped_with: z.string().nullable(),
    })
    .nullable(),
  backtest: z
    .object({
      symbols: z.array(z.string()),
      interval: Interval,
      from: Timestamp,
      to: Timestamp,
      balance: z.number(),
      via: z.enum(['in-process', 'session']),
    })
    .nullable(),
  orders: z.array(Order),
  fills: z.array(AccountFill),
  pnl: z
    .object({
      realized: z.number(),
      fees: z.number(),
      /** Equity at the end minus equity at the start (null when either is unknown). */
      equity_change: nullableNumber,
    })
    .nullable(),
  statistics: z.record(z.string(), z.number().nullable()).nullable(),
  warnings: z.array(z.string()),
});
export type RunRecord = z.infer<typeof RunRecord>;
