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
    name: z.string().min(1).max(100).meta({ description: "The strategy's name, as runs show it." }),
    description: z
      .string()
      .max(2000)
      .optional()
      .meta({ description: 'What the strategy does, in words.' }),
    symbols: z
      .array(InstrumentSymbol)
      .min(1)
      .max(50)
      .meta({ description: 'The instruments the strategy trades and receives candles of.' }),
    interval: Interval.default('1m').meta({
      description: 'The candle interval the strategy receives: 1m, 5m, 15m, 30m, 1h, 4h or 1d.',
    }),
    params: z
      .record(z.string(), z.union([z.number(), z.string(), z.boolean()]))
      .default({})
      .meta({
        description:
          'Free-form parameters of the strategy (numbers, strings, booleans), read by the script as `ctx.params`.',
      }),
    risk: z
      .object({
        max_position: z.number().positive().optional().meta({
          description:
            'Largest absolute position per symbol, in units; orders past it are refused by the SDK.',
        }),
        max_orders_per_minute: z.number().int().positive().max(6000).default(120).meta({
          description: 'New orders per minute before the SDK refuses more (a runaway loop guard).',
        }),
        circuit_breaker_latency_ms: z.number().int().positive().default(1000).meta({
          description: 'The circuit breaker opens when a request takes longer than this.',
        }),
        circuit_breaker_failures: z.number().int().positive().default(5).meta({
          description: 'Consecutive failures (5xx, timeouts) that open the circuit breaker.',
        }),
        circuit_breaker_cooldown_ms: z.number().int().positive().default(5000).meta({
          description: 'How long the breaker stays open before one trial request.',
        }),
      })
      .strict()
      .meta({ description: 'Limits the SDKs enforce while the strategy runs.' })
      .default({
        max_orders_per_minute: 120,
        circuit_breaker_latency_ms: 1000,
        circuit_breaker_failures: 5,
        circuit_breaker_cooldown_ms: 5000,
      }),
    backtest: z
      .object({
        from: ConfigInstant.meta({
          description:
            'Where the default backtest starts: a date (2024-03-04, UTC midnight), an ISO 8601 time with a zone, or epoch milliseconds.',
        }),
        to: ConfigInstant.meta({
          description: 'Where the default backtest ends, after `from`; written as `from` is.',
        }),
        balance: z
          .number()
          .positive()
          .default(startingBalance)
          .meta({ description: "The backtest account's starting balance, in USD." }),
      })
      .strict()
      .refine((range) => range.from < range.to, { message: 'must be after from', path: ['to'] })
      .optional()
      .meta({
        description: 'The default range of `tbm backtest`; the market data reaches back 5 years.',
      }),
  })
  .strict()
  .meta({ id: 'StrategyConfig' });
export type StrategyConfig = z.infer<typeof StrategyConfig>;
export type StrategyConfigInput = z.input<typeof StrategyConfig>;

/** The file name the runner looks for next to a script when no `--config` is given. */
export const strategyConfigFileName = 'strategy.json';
