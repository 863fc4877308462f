import { z } from 'zod';
import { Interval, Timestamp } from '../api/common';
import { RunKind, RunStatus, ScriptExit } from '../api/run-events';
import { RunEnvironment } from '../api/script-environment';

const nullableNumber = z.number().nullable();

/**
 * A count of orders or fills. Records written before `events.ndjson` existed kept the orders and
 * fills themselves in `run.json`: they read as their count (the list is read apart, see
 * `readRunTrading`).
 */
const Count = z.preprocess(
  (value) => (Array.isArray(value) ? value.length : value),
  z.number().int().nonnegative(),
);

/**
 * What `run.json` holds: the run's summary, rewritten as it changes. Its orders and fills, which
 * a day-long run counts in millions, are appended to `events.ndjson` instead. Read back with this
 * schema: the runs folder is outside data.
 */
export const RunRecord = z.object({
  id: z.string(),
  kind: RunKind,
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
  exit: ScriptExit.nullable(),
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
  /** Orders the run placed (or the API placed for it: exits), and fills it got. */
  orders: Count,
  fills: Count,
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
