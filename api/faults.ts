import { z } from 'zod';

/**
 * Faults the local sandbox injects on purpose, so that a script's retries, backoff and circuit
 * breakers can be exercised: per API key (`PUT /sandbox/faults`) or per replay session (its
 * `faults` field). Random choices come from `seed`, so a run with the same requests sees the
 * same faults.
 */
export const FaultConfig = z
  .object({
    /** Added to every REST answer: a fixed delay, or a uniform range. */
    latency_ms: z
      .union([
        z.number().int().min(0).max(60_000),
        z
          .object({
            min: z.number().int().min(0).max(60_000),
            max: z.number().int().min(0).max(60_000),
          })
          .strict()
          .refine((range) => range.min <= range.max, {
            message: 'min must not exceed max',
            path: ['max'],
          }),
      ])
      .optional(),
    /** Share of REST requests answered 503 `unavailable` instead (before any state change). */
    error_rate: z.number().min(0).max(1).optional(),
    /** Share of REST requests answered 429 `rate_limited` with `Retry-After` instead. */
    rate_limit_rate: z.number().min(0).max(1).optional(),
    /** The `Retry-After` (seconds) of injected 429s. */
    retry_after_s: z.number().int().min(0).max(3600).optional(),
    /**
     * Faults after a request took effect, for requests that change something (not GETs): the
     * order is placed or cancelled, and then its answer is lost. What a client is told then is
     * not what happened; a client keeps its promises only if it settles the request with its
     * own Idempotency-Key (or looks the order up by client_order_id) before it reports.
     */
    after_commit: z
      .object({
        /** Share answered 503 `unavailable` although the request took effect. */
        error_rate: z.number().min(0).max(1).optional(),
        /** Share whose connection is reset with no answer at all. */
        reset_rate: z.number().min(0).max(1).optional(),
        /** The answer is held back this long (a client's timeout may fire first). */
        delay_ms: z.number().int().min(0).max(60_000).optional(),
      })
      .strict()
      .optional(),
    /** Stream connections are closed (code 1012) this long after they authenticate. */
    stream_drop_after_ms: z.number().int().min(1).max(86_400_000).optional(),
    seed: z.number().int().nonnegative().optional(),
  })
  .strict()
  .meta({ id: 'FaultConfig' });
export type FaultConfig = z.infer<typeof FaultConfig>;

/** `PUT /sandbox/faults`: faults for the calling key (the default) or another key of the account. */
export const SetFaultsRequest = FaultConfig.extend({ key_id: z.string().min(1).optional() })
  .strict()
  .meta({ id: 'SetFaultsRequest' });
export type SetFaultsRequest = z.infer<typeof SetFaultsRequest>;

export const FaultsResponse = z
  .object({ key_id: z.string(), faults: FaultConfig.nullable() })
  .meta({ id: 'FaultsResponse' });
export type FaultsResponse = z.infer<typeof FaultsResponse>;
