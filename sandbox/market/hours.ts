// Trading hours compiled to minute-of-week ranges. Sessions in the contract are given to the
// minute, so a minute is either wholly open or wholly closed; everything here works on that.
import type { Instrument, TradingHours } from '../../api/market';
import { weekdays } from '../../api/market';

export const minuteMs = 60_000;
export const dayMs = 86_400_000;
export const minutesPerDay = 1440;
export const minutesPerWeek = 10_080;
const weekMs = 7 * dayMs;
/** 1970-01-01 was a Thursday: shifts epoch minutes to a Sunday-based week. */
const epochWeekdayOffsetMinutes = 4 * minutesPerDay;

export interface CompiledHours {
  /** Open ranges in minutes of the week (Sunday 00:00 UTC = 0), [start, end), sorted and merged. */
  readonly ranges: readonly OpenRange[];
  /** 1 for each open minute of the week. */
  readonly mask: Uint8Array;
  /** Whether any minute of each weekday (0 = Sunday) is open: lets bulk scans skip whole days. */
  readonly weekdayHasOpen: readonly boolean[];
}

export interface OpenRange {
  readonly start: number;
  readonly end: number;
}

function parseWeeklyTime(text: string): number {
  const match = /^(\w{3}) (\d{2}):(\d{2})$/.exec(text);
  const day = match ? weekdays.indexOf(match[1] as (typeof weekdays)[number]) : -1;
  if (!match || day < 0)
    throw new Error(`Invalid weekly time "${text}": expected e.g. "Sun 22:00"`);
  return day * minutesPerDay + Number(match[2]) * 60 + Number(match[3]);
}

export function compileTradingHours(hours: TradingHours): CompiledHours {
  const mask = new Uint8Array(minutesPerWeek);
  for (const session of hours.sessions) {
    const open = parseWeeklyTime(session.open);
    const close = parseWeeklyTime(session.close);
    // A session whose close is not after its open runs over the week's end.
    const length = close > open ? close - open : close - open + minutesPerWeek;
    for (let k = 0; k < length; k++) mask[(open + k) % minutesPerWeek] = 1;
  }
  const ranges: OpenRange[] = [];
  let start = -1;
  for (let m = 0; m <= minutesPerWeek; m++) {
    const open = m < minutesPerWeek && mask[m] === 1;
    if (open && start < 0) start = m;
    if (!open && start >= 0) {
      ranges.push({ start, end: m });
      start = -1;
    }
  }
  const weekdayHasOpen = Array.from({ length: 7 }, (_, day) =>
    mask.subarray(day * minutesPerDay, (day + 1) * minutesPerDay).includes(1),
  );
  return { ranges, mask, weekdayHasOpen };
}

const compiledByHours = new WeakMap<TradingHours, CompiledHours>();

export function compiledHoursOf(hours: TradingHours): CompiledHours {
  let compiled = compiledByHours.get(hours);
  if (!compiled) {
    compiled = compileTradingHours(hours);
    compiledByHours.set(hours, compiled);
  }
  return compiled;
}

/** Minute of the week (Sunday 00:00 UTC = 0) of a timestamp. */
export function minuteOfWeek(t: number): number {
  return (Math.floor(t / minuteMs) + epochWeekdayOffsetMinutes) % minutesPerWeek;
}

/** Day of the week of an epoch day number, 0 = Sunday. */
export function weekdayOfEpochDay(epochDay: number): number {
  return (epochDay + 4) % 7;
}

function weekStartMs(t: number): number {
  return Math.floor(t / minuteMs) * minuteMs - minuteOfWeek(t) * minuteMs;
}

export function isOpenAt(hours: CompiledHours, t: number): boolean {
  return t >= 0 && hours.mask[minuteOfWeek(t)] === 1;
}

/** The earliest instant at or after t when the market is open (t itself if open). */
export function nextOpenAt(hours: CompiledHours, t: number): number | null {
  if (hours.ranges.length === 0) return null;
  if (isOpenAt(hours, t)) return t;
  const minute = minuteOfWeek(t);
  const base = weekStartMs(t);
  const next = hours.ranges.find((range) => range.start > minute);
  if (next) return base + next.start * minuteMs;
  return base + weekMs + hours.ranges[0].start * minuteMs;
}

/** The latest instant at or before t when the market is open (t itself if open). */
export function lastOpenAtOrBefore(hours: CompiledHours, t: number): number | null {
  if (hours.ranges.length === 0 || t < 0) return null;
  if (isOpenAt(hours, t)) return t;
  const minute = minuteOfWeek(t);
  const base = weekStartMs(t);
  const earlier = hours.ranges.findLast((range) => range.end <= minute);
  const last = earlier
    ? base + earlier.end * minuteMs - 1
    : base - weekMs + hours.ranges[hours.ranges.length - 1].end * minuteMs - 1;
  return last >= 0 ? last : null;
}

/**
 * The end of the continuous open period containing t, or null when closed at t. Back-to-back
 * sessions count as one period, because the market never closes between them.
 */
export function sessionCloseAt(hours: CompiledHours, t: number): number | null {
  if (!isOpenAt(hours, t)) return null;
  const { ranges } = hours;
  if (ranges.length === 1 && ranges[0].start === 0 && ranges[0].end === minutesPerWeek) {
    return null;
  }
  const minute = minuteOfWeek(t);
  const current = ranges.find((range) => range.start <= minute && minute < range.end)!;
  let end = current.end;
  const first = ranges[0];
  if (end === minutesPerWeek && first.start === 0) end += first.end;
  return weekStartMs(t) + end * minuteMs;
}

// The contract-facing forms take an instrument; hours compile once per TradingHours object.

export function isOpen(instrument: Instrument, t: number): boolean {
  return isOpenAt(compiledHoursOf(instrument.trading_hours), t);
}

/** The earliest instant at or after t when the instrument trades (t itself if open). */
export function nextOpen(instrument: Instrument, t: number): number | null {
  return nextOpenAt(compiledHoursOf(instrument.trading_hours), t);
}

/** When the session containing t ends (for `day` orders); null if closed at t. */
export function sessionClose(instrument: Instrument, t: number): number | null {
  return sessionCloseAt(compiledHoursOf(instrument.trading_hours), t);
}

/** The latest instant at or before t when the instrument traded (t itself if open). */
export function lastOpenInstantAtOrBefore(instrument: Instrument, t: number): number | null {
  return lastOpenAtOrBefore(compiledHoursOf(instrument.trading_hours), t);
}
