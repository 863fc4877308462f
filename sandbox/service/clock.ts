import type { ClockMode } from '../../api/admin';
import { sessionMarketTime } from '../market/session-clock';

/** The sandbox's market clock: what `/market`, orders, the stream and token expiry run on. */
export interface Clock {
  now(): number;
}

/** A market clock that also says how it runs and what wall time it was derived from. */
export interface MarketClock extends Clock {
  readonly mode: ClockMode;
  /** The wall clock the market clock follows (tests inject one). */
  wallNow(): number;
}

/** A clock that reads `startAt` at creation and runs on in real time from there. */
export function clockStartingAt(startAt: number, realNow: () => number = Date.now): Clock {
  const offset = startAt - realNow();
  return { now: () => realNow() + offset };
}

/** The real clock: the wall clock, or the wall clock shifted to start at `startAt`. */
export function realMarketClock(wall: () => number, startAt?: number): MarketClock {
  const market = startAt === undefined ? { now: wall } : clockStartingAt(startAt, wall);
  return { mode: 'real', now: () => market.now(), wallNow: wall };
}

/**
 * The session clock of a data folder: `offset` ahead of the wall clock, pushed to the next forex
 * open when it would stand in a closed period, and never behind a time it has shown (a wall
 * clock set back moves the offset forward instead). `onOffsetChange` is called, before the new
 * time is returned, whenever the offset grows, so that it can be kept with the folder.
 */
export class SessionClock implements MarketClock {
  readonly mode = 'session';
  private lastShown = -Infinity;

  constructor(
    private currentOffset: number,
    private readonly wall: () => number,
    private readonly onOffsetChange: (offset: number, market: number) => void = () => {},
  ) {}

  get offset(): number {
    return this.currentOffset;
  }

  wallNow(): number {
    return this.wall();
  }

  now(): number {
    const wall = this.wall();
    let { market, offset } = sessionMarketTime(wall, this.currentOffset);
    if (market < this.lastShown) {
      // The wall clock went back: stay where the market clock was (inside a session, since it
      // was shown) and run on from there.
      market = this.lastShown;
      offset = market - wall;
    }
    if (offset !== this.currentOffset) {
      this.currentOffset = offset;
      this.onOffsetChange(offset, market);
    }
    this.lastShown = market;
    return market;
  }
}

/** A span of time in words, to the minute: "2 d 3 h", "1 h 5 min", "45 min". */
export function durationWords(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}

/** Parses `--now`: an ISO 8601 instant with a zone, or epoch milliseconds. */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  if (/^\d{10,16}$/.test(trimmed)) return Number(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) {
    throw new Error(
      `"${text}" is not an instant; give an ISO 8601 time with a zone, e.g. 2024-03-06T12:00:00Z, or epoch milliseconds`,
    );
  }
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not a valid date`);
  return ms;
}
