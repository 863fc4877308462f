/** How retries wait: exponential growth from `baseMs`, capped at `capMs`, with full jitter. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 100, capMs: 10_000 };

/**
 * The wait before retry number `attempt` (0 for the first retry): a uniform draw from
 * [0, min(cap, base × 2^attempt)). Full jitter spreads many clients' retries apart, so a server
 * that failed for all of them at once is not hit by all of them again at once.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * A `Retry-After` header in ms: delay-seconds or an HTTP date (RFC 9110); null when absent or
 * unreadable. A date is measured against `now`.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its day and month ("Wed, 06 Mar 2024 12:00:05 GMT"); "-4" is no date.
  if (!/[a-z]/i.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
