import type { SandboxClock } from '../../api/admin';

/** Market and wall clocks closer than this are shown as one. */
const sameWithinMs = 60_000;

const utc = (t: number) =>
  new Date(t).toLocaleString('en-GB', {
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  });

/**
 * What the user trades against, in words, when the sandbox's market clock is not the wall clock
 * (the session clock skipped a closed weekend, or the sandbox was started at another instant);
 * undefined when they agree.
 */
export function describeMarketTime(clock: SandboxClock | undefined): string | undefined {
  if (clock === undefined || Math.abs(clock.market_now - clock.wall_now) < sameWithinMs)
    return undefined;
  const why =
    clock.mode === 'session'
      ? 'the session clock skips the hours forex is closed'
      : 'the sandbox was started at another instant';
  return `market time ${utc(clock.market_now)} UTC (your time ${utc(clock.wall_now)} UTC): ${why}`;
}

/** The status bar's short form: `market Sun 22:14 UTC`. */
export function shortMarketTime(clock: SandboxClock | undefined): string | undefined {
  if (describeMarketTime(clock) === undefined || clock === undefined) return undefined;
  return `market ${utc(clock.market_now)} UTC`;
}
