// What a live run says when the symbols it trades are closed as it starts: when they open, on
// the market clock and on the user's own, since every order until then is refused
// `market_closed` and no candle comes. Pure: the caller reads the hours and the clock from the
// API the run talks to (its `/market/{symbol}` and, for a local sandbox, `/health`).
import type { SandboxClock } from '../api/admin';
import type { TradingHours } from '../api/market';
import { compiledHoursOf, nextOpenAt } from '../sandbox/market/hours';
import { sessionWallDuration } from '../sandbox/market/session-clock';
import { durationWords } from '../sandbox/service/clock';

export interface SymbolSession {
  symbol: string;
  /** Whether the API says it trades now (`is_open`). */
  isOpen: boolean;
  tradingHours: TradingHours;
}

/** Market and wall clocks closer than this are one clock to the reader. */
const sameClockMs = 60_000;

/**
 * One message per distinct next open among the closed symbols, e.g. "EURUSD is closed until
 * Sun 22:00 UTC (23:00 your time); orders until then are refused". When the market clock is not
 * the wall clock (`--now`, a session clock), the open is given in market time, with how long
 * until then and when that is on the user's clock. Empty when every symbol trades.
 */
export function closedMarketMessages(
  symbols: readonly SymbolSession[],
  clock: SandboxClock,
  timeZone: string,
): string[] {
  const byOpen = new Map<number, string[]>();
  for (const { symbol, isOpen, tradingHours } of symbols) {
    if (isOpen) continue;
    const opens = nextOpenAt(compiledHoursOf(tradingHours), clock.market_now);
    // Open by the hours after all (a boundary crossed since), or never open: nothing to say.
    if (opens === null || opens <= clock.market_now) continue;
    byOpen.set(opens, [...(byOpen.get(opens) ?? []), symbol]);
  }
  return [...byOpen.entries()]
    .sort(([a], [b]) => a - b)
    .map(([opens, closed]) => {
      const wait =
        clock.mode === 'session'
          ? sessionWallDuration(clock.market_now, opens)
          : opens - clock.market_now;
      const opensOnWall = clock.wall_now + wait;
      const names = listed(closed);
      const verb = closed.length === 1 ? 'is' : 'are';
      const utc = weekdayTime(opens, 'UTC');
      const local = localTime(opensOnWall, timeZone, utc.weekday);
      const when =
        Math.abs(clock.market_now - clock.wall_now) < sameClockMs
          ? `${utc.text} UTC (${local} your time)`
          : `${utc.text} UTC market time, in ${durationWords(wait)} (${local} your time)`;
      return `${names} ${verb} closed until ${when}; orders until then are refused`;
    });
}

/** "EURUSD", "EURUSD and GBPUSD", "EURUSD, GBPUSD and USDJPY". */
function listed(symbols: readonly string[]): string {
  if (symbols.length === 1) return symbols[0];
  return `${symbols.slice(0, -1).join(', ')} and ${symbols[symbols.length - 1]}`;
}

/** "Sun 22:00" in a time zone, and its weekday alone. */
function weekdayTime(t: number, timeZone: string): { text: string; weekday: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(t);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  const weekday = part('weekday');
  return { text: `${weekday} ${part('hour')}:${part('minute')}`, weekday };
}

/** The user's time: "23:00", with the weekday when it is not the UTC one shown beside it. */
function localTime(t: number, timeZone: string, utcWeekday: string): string {
  let local: { text: string; weekday: string };
  try {
    local = weekdayTime(t, timeZone);
  } catch {
    // An unknown zone name (a bad TZ): the user's time is then UTC's.
    local = weekdayTime(t, 'UTC');
  }
  return local.weekday === utcWeekday ? local.text.slice(local.weekday.length + 1) : local.text;
}
