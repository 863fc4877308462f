import { z } from 'zod';
import { startingBalance } from './admin';
import { InstrumentSymbol, Interval } from './common';

/** An instant in a hand-written file: ISO 8601 with a zone, a date (UTC midnight), or epoch ms. */
export const ConfigInstant = z
  .union([
    z.number().int().nonnegative(),
    z
      .string()
      .regex(
        /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/,
        'must be a date (2024-03-06), an ISO 8601 time with a zone (2024-03-06T12:00:00Z) or epoch milliseconds',
      ),
  ])
  .transform((value, context) => {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (Number.isNaN(ms)) {
      context.addIssue({ code: 'custom', message: `"${String(value)}" is not a valid date` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A strategy's config file (`strategy.json` next to the script, or `--config`): what it trades,
 * its parameters, its risk limits and its default backtest. Scripts read it through the SDKs
 * (`TIMBER_STRATEGY_CONFIG` names the file); the runner, `tbm` and the language server validate it.
 */
export const StrategyConfig = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).max(100),
    description: z.string().max(2000).optional(),
    symbols: z.array(InstrumentSymbol).min(1).max(50),
    interval: Interval.default('1m'),
    /** Free-form parameters of the strategy (numbers, strings, booleans). */
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
    risk: z
      .object({
        /** Largest absolute position per symbol, in units; orders past it are refused by the SDK. */
        max_position: z.number().positive().optional(),
        /** New orders per minute before the SDK refuses more (a runaway loop guard). */
        max_orders_per_minute: z.number().int().positive().max(6000).default(120),
        /** The circuit breaker opens when a request takes longer than this. */
        circuit_breaker_latency_ms: z.number().int().positive().default(1000),
        /** Consecutive failures (5xx, timeouts) that open the circuit breaker. */
        circuit_breaker_failures: z.number().int().positive().default(5),
        /** How long the breaker stays open before one trial request. */
        circuit_breaker_cooldown_ms: z.number().int().positive().default(5000),
      })
      .strict()
      .default({
        max_orders_per_minute: 120,
        circuit_breaker_latency_ms: 1000,
        circuit_breaker_failures: 5,
        circuit_breaker_cooldown_ms: 5000,
      }),
    backtest: z
      .object({
        from: ConfigInstant,
        to: ConfigInstant,
        balance: z.number().positive().default(startingBalance),
      })
      .strict()
      .refine((range) => range.from < range.to, { message: 'must be after from', path: ['to'] })
      .optional(),
  })
  .strict()
  .meta({ id: 'StrategyConfig' });
export type StrategyConfig = z.infer<typeof StrategyConfig>;
export type StrategyConfigInput = z.input<typeof StrategyConfig>;

/** The file name the runner looks for next to a script when no `--config` is given. */
export const strategyConfigFileName = 'strategy.json';
